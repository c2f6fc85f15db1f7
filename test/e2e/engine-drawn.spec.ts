/**
 * The page on WebGPU, where the engine worker draws the x_t and x̂₀ grids itself: the canvases are
 * handed to the worker (transferControlToOffscreen) and every frame goes from the GPU buffers
 * straight into them. "auto" picks WASM on this machine's software adapter (SwiftShader), so the
 * worker script is served with the adapter dressed as a hardware one; everything else is the
 * built site.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, runToEnd, subPath, test, tinyModelOverrides, waitForFirstFrame } from './fixtures';
import { startStaticServer } from './static-server';

const tinyRun = '#model=tiny&steps=8&seed=7&batch=4&sampler=ddim';

/** The worker script with the WebGPU adapter's info saying "hardware", so "auto" uses WebGPU. */
function workerOnHardwareLookalike(): Record<string, string> {
  const name = readdirSync('dist/assets').find((f) => /^worker-.*\.js$/.test(f));
  if (name === undefined) throw new Error('dist/assets has no worker-*.js: run `npx vite build` first');
  const dress =
    'Object.defineProperty(GPUAdapter.prototype, "info", { configurable: true, get: () => ' +
    '({ vendor: "e2e", architecture: "lookalike", device: "", description: "", isFallbackAdapter: false }) });\n';
  return { [`assets/${name}`]: dress + readFileSync(`dist/assets/${name}`, 'utf8') };
}

/** RGBA of a canvas as the page shows it (drawn into a 2D canvas; works for a transferred one too). */
function shownRgba(page: Page, testId: string): Promise<number[]> {
  return page.getByTestId(testId).evaluate((canvas: HTMLCanvasElement) => {
    const ctx = new OffscreenCanvas(canvas.width, canvas.height).getContext('2d');
    if (ctx === null) return [];
    ctx.drawImage(canvas, 0, 0);
    return Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data);
  });
}

/** Bytes differing by more than 1 (GPU and CPU arithmetic agree within 1e-4, so a rounding edge may flip one level). */
function farApart(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.filter((v, k) => Math.abs(v - b[k]) > 1).length;
}

test('on WebGPU the worker draws the grids: same pictures as WASM, exports, model switches', async ({
  page,
  site,
  consoleErrors,
}) => {
  // The reference: the default site, which runs WASM here.
  await page.goto(`${site.url}${tinyRun}`);
  await waitForFirstFrame(page);
  await expect(page.getByTestId('backend')).toContainText('WASM');
  await expect(page.getByTestId('xt-canvas')).not.toHaveAttribute('data-drawn-by', 'engine');
  await runToEnd(page);
  const wasm = { xt: await shownRgba(page, 'xt-canvas'), x0: await shownRgba(page, 'x0-canvas') };
  // The page draws an integer upscale; the worker draws the grid at its own size.
  const native = await page.getByTestId('xt-canvas').evaluate((c: HTMLCanvasElement) => [c.width, c.height]);

  const gpuSite = await startStaticServer({
    root: 'dist',
    base: subPath,
    overrides: { ...tinyModelOverrides(), ...workerOnHardwareLookalike() },
  });
  try {
    const gpu = await page.context().newPage();
    const errors: string[] = [];
    gpu.on('pageerror', (e) => errors.push(String(e)));
    gpu.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await gpu.goto(`${gpuSite.url}${tinyRun}`);
    await waitForFirstFrame(gpu);
    await expect(gpu.getByTestId('backend')).toHaveText('WebGPU · GPU-resident');
    for (const id of ['xt-canvas', 'x0-canvas']) {
      await expect(gpu.getByTestId(id)).toHaveAttribute('data-drawn-by', 'engine');
    }
    await runToEnd(gpu);
    const [width, height] = await gpu
      .getByTestId('xt-canvas')
      .evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
    // 4 tiles of 8 × 8 in 2 columns with a 1-pixel gutter: 17 × 17.
    expect([width, height]).toEqual([17, 17]);
    const scale = native[0] / width;
    /** The WASM page's picture sampled at the worker's grid size. */
    const downscaled = (rgba: number[]) =>
      Array.from({ length: width * height * 4 }, (_, k) => {
        const p = k >> 2;
        const x = (p % width) * scale;
        const y = Math.floor(p / width) * scale;
        return rgba[(y * native[0] + x) * 4 + (k & 3)];
      });
    // The worker's frames reach the placeholder canvas a moment after the page hears of them.
    await expect.poll(async () => farApart(await shownRgba(gpu, 'xt-canvas'), downscaled(wasm.xt))).toBe(0);
    await expect.poll(async () => farApart(await shownRgba(gpu, 'x0-canvas'), downscaled(wasm.x0))).toBe(0);

    // Exports read the frame from the engine when the drawn one came without arrays (8 steps + the final denoising).
    const png = gpu.waitForEvent('download');
    await gpu.getByRole('button', { name: 'Export PNG' }).click();
    expect((await png).suggestedFilename()).toBe('tiny-step9.png');
    const gif = gpu.waitForEvent('download');
    await gpu.getByRole('button', { name: 'Export GIF' }).click();
    expect((await gif).suggestedFilename()).toBe('tiny-trajectory.gif');

    // To a 2D model (drawn by the page) and back: fresh canvases go to the worker again.
    await gpu.getByLabel('Model', { exact: true }).selectOption('ring8');
    await waitForFirstFrame(gpu);
    await expect(gpu.getByTestId('points-canvas')).toBeVisible();
    await gpu.getByLabel('Model', { exact: true }).selectOption('tiny');
    await waitForFirstFrame(gpu);
    await expect(gpu.getByTestId('xt-canvas')).toHaveAttribute('data-drawn-by', 'engine');
    await runToEnd(gpu);
    await expect.poll(async () => farApart(await shownRgba(gpu, 'xt-canvas'), downscaled(wasm.xt))).toBe(0);
    await expect(gpu.getByRole('alert')).toHaveCount(0);
    expect(errors).toEqual([]);

    // A run past 120 frames: 150 steps + the final denoising = 152 frames, arrays every 2nd step.
    // Two steps back from the end is step 149, whose drawn frame came without arrays, so the
    // PNG export asks the engine for it.
    const long = await page.context().newPage();
    long.on('pageerror', (e) => errors.push(String(e)));
    await long.goto(`${gpuSite.url}#model=tiny&steps=150&seed=7&batch=4&sampler=ddim`);
    await waitForFirstFrame(long);
    await expect(long.getByTestId('xt-canvas')).toHaveAttribute('data-drawn-by', 'engine');
    await runToEnd(long);
    await long.keyboard.press('ArrowLeft');
    await expect(long.getByLabel('Step counter')).toHaveAttribute('data-step', '150');
    await long.keyboard.press('ArrowLeft');
    await expect(long.getByLabel('Step counter')).toHaveAttribute('data-step', '149');
    const offSchedule = long.waitForEvent('download');
    await long.getByRole('button', { name: 'Export PNG' }).click();
    expect((await offSchedule).suggestedFilename()).toBe('tiny-step149.png');
    const longGif = long.waitForEvent('download');
    await long.getByRole('button', { name: 'Export GIF' }).click();
    expect((await longGif).suggestedFilename()).toBe('tiny-trajectory.gif');
    await expect(long.getByRole('alert')).toHaveCount(0);
    expect(errors).toEqual([]);
  } finally {
    await gpuSite.close();
  }
  expect(consoleErrors).toEqual([]);
});
