/**
 * Controllable generation in the page (issue 13), on the tiny 8×8 test network: a mask drawn on
 * the x_t view keeps its known pixels through a whole run, and a drawing SDEdited at t₀ = 0.5 gives
 * a finite result that differs from it, with t₀ marked on the σ plot and a strip over t₀.
 */
import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { decodePng } from '../../src/cli/png';
import { GUTTER, gridSize } from '../../src/shared/grid-layout';
import { expect, runToEnd, test, waitForFirstFrame } from './fixtures';

/** Drags the mouse across a canvas from (fx0, fy0) to (fx1, fy1), fractions of its box. */
async function stroke(page: Page, target: Locator, from: [number, number], to: [number, number]) {
  const box = await target.boundingBox();
  if (box === null) throw new Error('the canvas is not rendered');
  const at = ([fx, fy]: [number, number]) => [box.x + fx * box.width, box.y + fy * box.height] as const;
  await page.mouse.move(...at(from));
  await page.mouse.down();
  for (let k = 1; k <= 8; k++) {
    const f = k / 8;
    await page.mouse.move(...at([from[0] + f * (to[0] - from[0]), from[1] + f * (to[1] - from[1])]));
  }
  await page.mouse.up();
}

test.describe('controllable generation', () => {
  test('draw a mask, play: the known region is unchanged in the final frame', async ({ page, site }) => {
    await page.goto(`${site.url}#model=tiny&steps=8&seed=7&batch=4&sampler=ddim`);
    await waitForFirstFrame(page);
    await runToEnd(page);
    await page.getByLabel('Tool', { exact: true }).selectOption('inpaint');
    await expect(page.getByText('Known image: the samples at step 9')).toBeVisible();
    const overlay = page.getByTestId('mask-overlay');
    await expect(overlay).toBeVisible();
    // Brush over the middle of the grid: more pixels known than the preset's top halves.
    await stroke(page, overlay, [0.1, 0.7], [0.9, 0.75]);
    await waitForFirstFrame(page);
    await expect(page.getByTestId('known-kept')).toHaveCount(0);
    await runToEnd(page);
    await expect(page.getByTestId('known-kept')).toContainText('(all of them)');
    const text = (await page.getByTestId('known-kept').textContent()) ?? '';
    const [, kept, known] = /(\d+) of (\d+)/.exec(text) ?? [];
    // Four 8×8 tiles, the top half of each known, and the stroke adds more.
    expect(Number(known)).toBeGreaterThan(4 * 32);
    expect(Number(kept)).toBe(Number(known));
    await expect(page).toHaveURL(/tool=inpaint/);
  });

  test('a link at real example 3 with the bottom half to fill keeps its top half in the final frame', async ({
    page,
    site,
  }) => {
    const batch = 2;
    await page.goto(
      `${site.url}#v=2&model=mnist&steps=6&seed=7&batch=${batch}&sampler=ddim&tool=inpaint&src=example:3&mask=bottom`,
    );
    await expect(page.getByText('Known image: real example 3 (in the training set)')).toBeVisible({
      timeout: 240_000,
    });
    await waitForFirstFrame(page);
    await runToEnd(page);
    await expect(page.getByTestId('known-kept')).toContainText(
      `${batch * 14 * 28} of ${batch * 14 * 28} (all of them)`,
    );
    expect(decodeURIComponent(page.url())).toContain('src=example:3');
    // The exported picture of the final frame, against the bytes of models/mnist.examples.bin.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export PNG' }).click();
    const path = await (await download).path();
    const png = decodePng(readFileSync(path));
    const digit = readFileSync('models/mnist.examples.bin').subarray(3 * 784, 4 * 784);
    const scale = png.width / gridSize(batch, [1, 28, 28]).width;
    expect(Number.isInteger(scale)).toBe(true);
    const shown = (tile: number, y: number, x: number) => {
      const px = (tile * (28 + GUTTER) + x) * scale + scale / 2;
      const py = y * scale + scale / 2;
      return png.pixels[(Math.floor(py) * png.width + Math.floor(px)) * png.channels];
    };
    let differ = 0;
    for (let tile = 0; tile < batch; tile++) {
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          if (y < 14) expect(shown(tile, y, x)).toBe(digit[y * 28 + x]);
          else if (shown(tile, y, x) !== digit[y * 28 + x]) differ += 1;
        }
      }
    }
    // The bottom half was generated, not copied.
    expect(differ).toBeGreaterThan(20);
  });

  test('draw a digit, SDEdit at t₀ = 0.5: the result is finite and differs from the drawing', async ({
    page,
    site,
  }) => {
    await page.goto(
      `${site.url}#model=tiny&steps=10&seed=7&batch=4&sampler=ddim&tool=sdedit&t0=0.5&src=sample`,
    );
    await waitForFirstFrame(page);
    await expect(page.getByTestId('t0-mark').first()).toContainText('strength = t₀ = 0.5');
    const canvas = page.getByTestId('sdedit-canvas');
    await stroke(page, canvas, [0.5, 0.15], [0.5, 0.85]);
    await waitForFirstFrame(page);
    await runToEnd(page);
    const check = page.getByTestId('sdedit-check');
    await expect(check).toContainText('Result: finite');
    const rms = Number(/drawing (\d+\.\d+)/.exec((await check.textContent()) ?? '')?.[1]);
    expect(rms).toBeGreaterThan(0.01);
    // Only about half the grid is run from t₀ = 0.5.
    const steps = Number(await page.getByLabel('Step counter').getAttribute('data-step'));
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThan(10);

    await page.getByRole('button', { name: /Make the strip/ }).click();
    const strip = page.getByTestId('sdedit-strip');
    await expect(strip.locator('canvas')).toHaveCount(4, { timeout: 60_000 });
    await expect(strip).toContainText('t₀ = 0.8');
  });

  test('encode/decode and likelihood run on demand and report their figures', async ({ page, site }) => {
    await page.goto(`${site.url}#model=tiny&steps=6&seed=7&batch=2&sampler=ddim`);
    await waitForFirstFrame(page);
    await runToEnd(page);
    await page.getByLabel('Tool', { exact: true }).selectOption('encode');
    await page.getByRole('button', { name: 'Encode and decode the current samples' }).click();
    await expect(page.getByTestId('round-trip')).toContainText(
      /Round-trip RMSE \d\.\d+e[-+]\d+.*NFE \d+ to encode/,
      {
        timeout: 60_000,
      },
    );
    // Neither tool changes where a run starts: the finished run stays.
    await page.getByLabel('Tool', { exact: true }).selectOption('likelihood');
    await expect(page.getByTestId('run-status')).toHaveText('done');
    await page.getByLabel('Probes K').fill('2');
    await page.getByRole('button', { name: 'Compute the likelihood of the current samples' }).click();
    await expect(page.getByTestId('likelihood')).toContainText(
      /Mean \d+\.\d+ ± \d+\.\d+ bits\/dim over 2 samples.*2 probes/,
      {
        timeout: 60_000,
      },
    );
  });

  test('latent interpolation between two samples: a strip of 8 decoded frames beside the pixel blend', async ({
    page,
    site,
  }) => {
    await page.goto(`${site.url}#model=tiny&steps=6&seed=7&batch=2&sampler=ddim&tool=encode`);
    await waitForFirstFrame(page);
    await runToEnd(page);
    await expect(page.getByLabel('Interpolation ends')).toHaveValue('sample');
    await page.getByRole('button', { name: 'Interpolate (8 frames)' }).click();
    const strip = page.getByTestId('interpolation-strip');
    await expect(strip).toBeVisible({ timeout: 60_000 });
    await expect(strip.locator('canvas')).toHaveCount(8);
    await expect(page.getByTestId('pixel-blend-strip').locator('canvas')).toHaveCount(8);
    await expect(page.getByTestId('interpolation')).toContainText(
      /The end frames are the two inputs again up to an RMSE of \d\.\d+e[-+]\d+.*NFE \d+ to encode the pair/,
    );
  });

  test('2D: the flow map carries a grid to the latent space and back', async ({ page, site }) => {
    await page.goto(`${site.url}#v=2&model=ring8&steps=20&seed=3&batch=16&tool=encode`);
    await waitForFirstFrame(page);
    // Mid-run the particles are not data yet: the tools leave them out and say so.
    await expect(page.getByTestId('samples-not-data')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Encode and decode the current samples' })).toBeDisabled();
    await runToEnd(page);
    await expect(page.getByTestId('samples-not-data')).toHaveCount(0);
    await page.getByLabel('Lines per direction').fill('5');
    await page.getByRole('button', { name: 'Carry the grid through the flow' }).click();
    const map = page.getByTestId('flow-map');
    await expect(map).toBeVisible({ timeout: 60_000 });
    await expect(map.getByRole('img', { name: 'Latent (t = 1)' })).toBeVisible();
    const decoded = map.getByRole('img', { name: 'Data (t = ε): red points did not come back' });
    // Ten lines of the grid.
    await expect(decoded.locator('polyline')).toHaveCount(10);
    await expect(map).toContainText('10 lines of 17 points and 16 samples');
    const back = Number(await page.getByTestId('flow-back').textContent());
    console.info(`ring8 flow map, 5 + 5 lines: ${back} of 186 points back within 1e-2`);
    // The 16 samples and the grid where the data lives come back; the empty centre does not.
    expect(back).toBeGreaterThan(93);
    expect(back).toBeLessThan(186);
  });

  test('2D: drag the line x = c, play: every particle keeps x = c and y follows p(y | x = c)', async ({
    page,
    site,
  }) => {
    await page.goto(
      `${site.url}#v=2&model=ring8&steps=50&seed=3&batch=64&sampler=euler_maruyama&tool=inpaint&at=1`,
    );
    await waitForFirstFrame(page);
    const line = page.getByTestId('impute-line');
    await expect(line).toHaveAttribute('data-at', '1');
    // Drag the line to about x = −1.5 (ring8's plot spans −3 … 3, a centred square in the box).
    const box = await line.boundingBox();
    if (box === null) throw new Error('the line overlay is not rendered');
    const side = Math.min(box.width, box.height);
    const xAt = (v: number) => (box.width - side) / 2 / box.width + (((v + 3) / 6) * side) / box.width;
    await stroke(page, line, [xAt(1), 0.5], [xAt(-1.5), 0.5]);
    await expect(line).toHaveAttribute('data-at', /^-1\.[45]/);
    await expect(page).toHaveURL(/at=-1\.[45]/);
    await waitForFirstFrame(page);
    await runToEnd(page);
    const check = page.getByTestId('impute-check');
    await expect(check).toHaveAttribute('data-on-line', '64');
    await expect(check).toContainText('Particles on the line: 64 of 64');
    const tv = Number(await check.getAttribute('data-tv'));
    console.info(`ring8, 64 particles on the dragged line: total variation to p(y | x = c) ${tv.toFixed(3)}`);
    // The unconditional y is about 0.5 away from p(y | x = ±1); exact samples of 64 about 0.3.
    expect(tv).toBeLessThan(0.5);
  });

  test('2D: the log-density map by the PF-ODE matches the exact one on ring8', async ({ page, site }) => {
    await page.goto(`${site.url}#v=2&model=ring8&steps=20&seed=3&batch=16&tool=likelihood`);
    await waitForFirstFrame(page);
    await page.getByLabel('Cells per side').fill('8');
    await page.getByRole('button', { name: 'Compute the log-density map' }).click();
    const map = page.getByTestId('density-map');
    await expect(map).toBeVisible({ timeout: 60_000 });
    await expect(map.getByRole('img', { name: 'exact log p' })).toHaveCount(0);
    await expect(map.locator('canvas')).toHaveCount(2);
    const gap = Number(await map.getAttribute('data-max-gap'));
    console.info(`ring8 8 × 8 map in the page: largest gap to the exact log p ${gap} nats`);
    expect(gap).toBeLessThan(0.05);
  });
});
