import { currentStep, expect, test, waitForFirstFrame } from './fixtures';

/**
 * docs/screenshot.png: the page as a projector shows it (1280×720), mid-run on MNIST. Only with
 * SCREENSHOT=1 (it rewrites a tracked file).
 */
test('takes docs/screenshot.png mid-run', async ({ page, site }) => {
  test.skip(process.env.SCREENSHOT !== '1', 'set SCREENSHOT=1 to refresh docs/screenshot.png');
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto(
    `${site.url}#model=mnist&sampler=euler_maruyama&steps=100&batch=16&class=3&guidance=2&speed=30`,
  );
  await waitForFirstFrame(page);
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => currentStep(page), { timeout: 240_000 }).toBeGreaterThan(55);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  // The step that was running when Pause came finishes first.
  await expect(page.getByLabel('Step counter')).not.toHaveAttribute('data-computing', /./);
  // The WASM note (no hardware WebGPU on the machine that takes it), dismissed to its one line.
  const note = page.getByTestId('wasm-note');
  if ((await note.count()) > 0) await note.getByRole('button', { name: 'Dismiss: Running on WASM' }).click();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: 'docs/screenshot.png' });
});
