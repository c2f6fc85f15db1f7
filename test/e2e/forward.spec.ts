/**
 * The forward process on real data (issue 12): the Direction radio group, x_t at t = T matching
 * the prior, the exact p_t under a mixture's particles, and a damaged examples file refused with a
 * message. The numbers are the engine's (the x_t arrays of the forward frame, summarised by the
 * page in data-std), not pixels.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, subPath, test, tinyModelOverrides } from './fixtures';
import { startStaticServer } from './static-server';

/** Waits until the forward frame at time t is shown and returns the std of x_t over the batch. */
async function forwardStd(page: Page, t: string): Promise<number> {
  await expect(page.getByLabel('Forward time')).toHaveAttribute('data-t', t, { timeout: 240_000 });
  const readout = page.getByTestId('forward-readout');
  await expect(readout).toHaveAttribute('data-std', /\d/);
  return Number(await readout.getAttribute('data-std'));
}

test('Forward at t = T on MNIST/VP: x_T of a batch of 16 has std 1 within 5 %', async ({ page, site }) => {
  await page.goto(`${site.url}#v=2&model=mnist&sde=vp&batch=16&seed=4&dir=forward&t=1`);
  const direction = page.getByRole('radiogroup', { name: 'Direction' });
  await expect(direction.getByRole('radio', { name: 'Forward' })).toBeChecked();
  const std = await forwardStd(page, '1');
  const backend = await page.getByTestId('backend').textContent();
  const drawnBy = await page.getByTestId('xt-canvas').getAttribute('data-drawn-by');
  console.info(
    `MNIST/VP x_T std ${std.toFixed(4)} (batch 16 × 784), ${backend}, drawn by ${drawnBy ?? 'page'}`,
  );
  expect(Math.abs(std - 1)).toBeLessThan(0.05);
  // mnist.onnx trained on these digits, and the page says so.
  await expect(page.getByTestId('forward-readout')).toContainText('in the training set');
  // At t = 0 it is the data itself: MNIST digits are mostly background (−1), far from N(0, 1).
  await page.getByLabel('Timeline').fill('0');
  const clean = await forwardStd(page, '0');
  expect(clean).toBeLessThan(0.9);
  // Back to Reverse: the sampler's run is still there, at step 0.
  await direction.getByRole('radio', { name: 'Reverse' }).check();
  await expect(page.getByLabel('Step counter')).toHaveAttribute('data-step', '0');
  expect(page.url()).not.toContain('dir=forward');
});

test('Forward on a mixture draws the exact p_t under the particles; Play runs t to T', async ({
  page,
  site,
}) => {
  await page.goto(`${site.url}#v=2&model=ring8&steps=20&speed=120&dir=forward&t=0.2`);
  const first = await forwardStd(page, '0.2');
  await expect(page.getByTestId('points-canvas')).toHaveAttribute('data-density', '96');
  // The same link gives the same numbers (data, noise and all).
  await page.reload();
  expect(await forwardStd(page, '0.2')).toBe(first);
  await expect(page.getByTestId('forward-readout')).toContainText('exact mixture samples');
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await forwardStd(page, '1');
  expect(page.url()).toContain('t=1');
});

test('Reverse from here on a mixture returns near the data it was noised from', async ({ page, site }) => {
  await page.goto(`${site.url}#v=2&model=ring8&steps=1000&speed=120&batch=64&seed=2&dir=forward&t=0.1`);
  await forwardStd(page, '0.1');
  await page.getByRole('button', { name: 'Reverse from here' }).click();
  await expect(page.getByRole('radio', { name: 'Reverse' })).toBeChecked();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 60_000 });
  const readout = page.getByTestId('reverse-distance');
  await expect(page.getByText('to x₀ from t = 0.10')).toBeVisible();
  const start = Number(await readout.getAttribute('data-start'));
  const end = Number(await readout.getAttribute('data-distance'));
  console.info(
    `ring8, t = 0.1: RMS distance to x₀ ${start.toFixed(3)} at the start, ${end.toFixed(3)} at the end`,
  );
  // From σ(0.1) ≈ 0.34 the start is σ·√π/2 ≈ 0.30 away. Its posterior is one ring component (std
  // 0.1), which the reverse process samples again: back to within a few component stds (about 0.17
  // for Euler–Maruyama here, measured on 2,048 samples with core's loop).
  expect(start).toBeGreaterThan(0.22);
  expect(end).toBeLessThan(0.25);
  expect(end).toBeLessThan(0.8 * start);
});

test('a model without real examples, or a damaged examples file, says so and Reverse still works', async ({
  page,
  site,
}) => {
  await page.goto(`${site.url}#v=2&model=tiny&steps=8&batch=4`);
  await expect(page.getByLabel('Step counter')).toHaveAttribute('data-step', '0', { timeout: 240_000 });
  await page.getByRole('radiogroup', { name: 'Direction' }).getByRole('radio', { name: 'Forward' }).check();
  await expect(page.getByText('Forward process unavailable')).toBeVisible();
  await expect(page.getByText(/ships no real examples/)).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Reverse' })).toBeChecked();

  const bytes = readFileSync('dist/models/fashion.examples.bin');
  const damaged = Uint8Array.from(bytes);
  damaged[100] ^= 0xff;
  const server = await startStaticServer({
    root: 'dist',
    base: subPath,
    overrides: { ...tinyModelOverrides(), 'models/fashion.examples.bin': damaged },
  });
  try {
    await page.goto(`${server.url}#v=2&model=fashion&batch=4&dir=forward&t=0.5`);
    await expect(page.getByText(/fashion\.examples\.bin failed its integrity check/)).toBeVisible({
      timeout: 240_000,
    });
    await expect(page.getByRole('radio', { name: 'Reverse' })).toBeChecked();
  } finally {
    await server.close();
  }
});
