/**
 * Your own data (issue 15) on the built site: draw points on the 2D view, Train, watch the loss
 * fall, Stop, then sample the trained network with two samplers, without a console error.
 */
import { currentStep, expect, runToEnd, test, waitForFirstFrame } from './fixtures';

test('draw, train, the loss falls, stop, sample the trained network with two samplers', async ({
  page,
  site,
  consoleErrors,
}) => {
  test.setTimeout(120_000);
  await page.goto(`${site.url}#model=drawing&steps=30`);
  const overlay = page.getByTestId('drawing-overlay');
  await expect(overlay).toHaveAttribute('data-points', '0');
  // Three strokes of the spray brush across the view.
  const box = (await overlay.boundingBox())!;
  const side = Math.min(box.width, box.height);
  const [x0, y0] = [box.x + (box.width - side) / 2, box.y + (box.height - side) / 2];
  for (const [u, v] of [
    [0.3, 0.35],
    [0.6, 0.45],
    [0.45, 0.7],
  ]) {
    await page.mouse.move(x0 + u * side, y0 + v * side);
    await page.mouse.down();
    for (let k = 1; k <= 8; k++)
      await page.mouse.move(x0 + (u + 0.02 * k) * side, y0 + (v + 0.01 * k) * side);
    await page.mouse.up();
  }
  const drawn = Number(await overlay.getAttribute('data-points'));
  expect(drawn).toBeGreaterThan(40);
  await expect(page.getByTestId('drawing-count')).toContainText(`${drawn} points`);
  // The drawing is a model at once (its exact empirical denoiser) and travels in the link.
  await waitForFirstFrame(page);
  expect(page.url()).toMatch(/[#&]data=[A-Za-z0-9_-]+/);

  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Stop training' })).toBeVisible();
  const curve = page.getByTestId('loss-curve');
  await expect
    .poll(async () => Number(await curve.getAttribute('data-step')), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(300);
  const first = Number(await curve.getAttribute('data-first-loss'));
  const recent = Number(await curve.getAttribute('data-recent-loss'));
  expect(recent).toBeLessThan(0.8 * first);
  // A snapshot has drawn the learned score over the exact one.
  await expect(page.getByTestId('training-legend')).toBeVisible({ timeout: 30_000 });

  await page.getByRole('button', { name: 'Stop training' }).click();
  // Stopped: the trained network is the current model, a model like any other.
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByLabel('Model', { exact: true })).toHaveValue('drawing-trained');
  await expect(page.getByRole('button', { name: 'Download card' })).toBeEnabled();

  for (const sampler of ['ode_heun', 'euler_maruyama']) {
    await page.getByLabel('Sampler', { exact: true }).selectOption(sampler);
    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    await waitForFirstFrame(page);
    await runToEnd(page);
    expect(await currentStep(page)).toBeGreaterThan(0);
  }
  expect(consoleErrors).toEqual([]);
});
