import { canvasPixels, currentStep, expect, test, waitForFirstFrame } from './fixtures';

test('loads from a sub-path with no console errors and Play makes frames advance', async ({
  page,
  site,
  consoleErrors,
}) => {
  await page.goto(site.url);
  await waitForFirstFrame(page);
  const before = await canvasPixels(page, 'points-canvas');
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => currentStep(page)).toBeGreaterThan(5);
  expect(await canvasPixels(page, 'points-canvas')).not.toBe(before);
  expect(consoleErrors).toEqual([]);
});
