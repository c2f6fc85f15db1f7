import { currentStep, expect, test, waitForFirstFrame } from './fixtures';

/** docs/screenshot.png: the page mid-run on a 2D toy. Only with SCREENSHOT=1 (it rewrites a tracked file). */
test('takes docs/screenshot.png mid-run', async ({ page, site }) => {
  test.skip(process.env.SCREENSHOT !== '1', 'set SCREENSHOT=1 to refresh docs/screenshot.png');
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto(`${site.url}#sampler=pc&steps=80&batch=64&speed=20`);
  await waitForFirstFrame(page);
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => currentStep(page), { timeout: 240_000 }).toBeGreaterThan(50);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  await page.screenshot({ path: 'docs/screenshot.png' });
});
