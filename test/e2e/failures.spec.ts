import { readdirSync, readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { chromiumArgsWithoutWebGpu, chromiumPath } from '../chromium';
import {
  canvasPixels,
  currentStep,
  expect,
  runToEnd,
  subPath,
  test,
  tinyModelOverrides,
  waitForFirstFrame,
} from './fixtures';
import { startStaticServer } from './static-server';

const tinyRun = '#model=tiny&steps=8&seed=7&batch=4&sampler=ddim';

/**
 * The engine's worker script with WebGPU hidden from it: a page init script does not reach
 * workers, and the engine picks its backend inside the worker.
 */
function workerWithoutWebGpu(): Record<string, string> {
  const name = readdirSync('dist/assets').find((f) => /^worker-.*\.js$/.test(f));
  if (name === undefined) throw new Error('dist/assets has no worker-*.js: run `npx vite build` first');
  const hide =
    "Object.defineProperty(WorkerNavigator.prototype, 'gpu', { get: () => undefined, configurable: true });\n";
  return { [`assets/${name}`]: hide + readFileSync(`dist/assets/${name}`, 'utf8') };
}

test('without WebGPU the WASM note shows and the pictures are the same', async ({ page, site }) => {
  await page.goto(`${site.url}${tinyRun}`);
  await waitForFirstFrame(page);
  await runToEnd(page);
  const withDefault = await canvasPixels(page, 'xt-canvas');
  const noGpuSite = await startStaticServer({
    root: 'dist',
    base: subPath,
    overrides: { ...tinyModelOverrides(), ...workerWithoutWebGpu() },
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: chromiumArgsWithoutWebGpu,
  });
  try {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    // Hide WebGPU from the page too (the worker's copy is hidden by noGpuSite).
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    });
    const noGpu = await context.newPage();
    await noGpu.goto(`${noGpuSite.url}${tinyRun}`);
    await waitForFirstFrame(noGpu);
    await expect(noGpu.getByTestId('wasm-note')).toContainText('WASM');
    await expect(noGpu.getByTestId('backend')).toContainText('WASM');
    await runToEnd(noGpu);
    expect(await canvasPixels(noGpu, 'xt-canvas')).toBe(withDefault);
  } finally {
    await browser.close();
    await noGpuSite.close();
  }
});

test('a corrupted model file shows an error with Retry and the toys still run', async ({ page }) => {
  const broken = new Uint8Array(1119).fill(7);
  const server = await startStaticServer({
    root: 'dist',
    base: subPath,
    overrides: tinyModelOverrides(broken),
  });
  try {
    await page.goto(`${server.url}#model=tiny`);
    const banner = page.getByRole('alert').filter({ hasText: 'tiny' });
    await expect(banner).toBeVisible();
    await expect(banner.getByRole('button', { name: 'Retry' })).toBeVisible();
    await page.getByLabel('Model', { exact: true }).selectOption('ring8');
    await waitForFirstFrame(page);
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect.poll(() => currentStep(page)).toBeGreaterThan(3);
  } finally {
    await server.close();
  }
});
