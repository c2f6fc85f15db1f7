import { currentStep, expect, test, waitForFirstFrame } from './fixtures';

/** docs/screenshot.png: the page mid-run on a 2D toy with trajectories shown. */
test('takes docs/screenshot.png mid-run', async ({ page, site }) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto(`${site.url}#sampler=pc&steps=60&batch=64&paths=1&speed=20`);
  await waitForFirstFrame(page);
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => currentStep(page)).toBeGreaterThan(35);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  await page.screenshot({ path: 'docs/screenshot.png' });
});
