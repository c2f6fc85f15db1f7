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
import { startStaticServer, type NetworkFault } from './static-server';

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

test('a missing, truncated or corrupted network says what happened, offers Retry, and Retry recovers', async ({
  page,
}) => {
  const faults: Record<string, NetworkFault> = {};
  const server = await startStaticServer({
    root: 'dist',
    base: subPath,
    overrides: tinyModelOverrides(),
    faults,
  });
  const expected: [NetworkFault, RegExp][] = [
    ['missing', /tiny\.onnx answered HTTP 404\. The file is missing from the site/],
    [
      'truncated',
      /tiny\.onnx is truncated \(\d+ of 1119 bytes arrived\)\. Reload the page to download it again/,
    ],
    ['corrupted', /tiny\.onnx failed its integrity check \(SHA-256 [0-9a-f]{12}… but the card says/],
  ];
  try {
    for (const [fault, message] of expected) {
      faults['models/tiny.onnx'] = fault;
      await page.goto('about:blank'); // a fresh page and engine, not a hash change
      await page.goto(`${server.url}#model=tiny&steps=8&seed=${fault.length}`);
      const banner = page.getByRole('alert').filter({ hasText: 'tiny' });
      await expect(banner, fault).toContainText(message);
      // Other models are still usable.
      await page.getByLabel('Model', { exact: true }).selectOption('ring8');
      await waitForFirstFrame(page);
      await page.getByRole('button', { name: 'Play', exact: true }).click();
      await expect.poll(() => currentStep(page)).toBeGreaterThan(3);
      // The file is fixed on the server: Retry loads it.
      delete faults['models/tiny.onnx'];
      await page.getByLabel('Model', { exact: true }).selectOption('tiny');
      await banner.getByRole('button', { name: 'Retry' }).click();
      await waitForFirstFrame(page);
      await expect(page.getByTestId('xt-canvas')).toBeVisible();
      // Forget the verified copy, so the next fault meets a download again.
      await page.evaluate(() => caches.delete('diffusion-playground-models-v1'));
    }
  } finally {
    await server.close();
  }
});

test('a stalled download shows its progress, gives up with a message, and Retry recovers', async ({
  page,
}) => {
  const faults: Record<string, NetworkFault> = { 'models/tiny.onnx': 'stalled' };
  const server = await startStaticServer({
    root: 'dist',
    base: subPath,
    overrides: tinyModelOverrides(),
    faults,
  });
  try {
    await page.goto(`${server.url}#model=tiny&steps=8`);
    await expect(page.getByRole('progressbar', { name: 'Model download' })).toBeVisible();
    const banner = page.getByRole('alert').filter({ hasText: 'tiny' });
    // The engine's stall limit (STALL_MS, 20 s) passes with no byte after the first half.
    await expect(banner).toContainText(
      /the download stopped after 0\.0 MB of 0\.0 MB \(no data arrived for 20 s\)\. Check the connection and press Retry/,
      { timeout: 90_000 },
    );
    await page.getByLabel('Model', { exact: true }).selectOption('ring8');
    await waitForFirstFrame(page);
    delete faults['models/tiny.onnx'];
    await page.getByLabel('Model', { exact: true }).selectOption('tiny');
    await banner.getByRole('button', { name: 'Retry' }).click();
    await waitForFirstFrame(page);
  } finally {
    await server.close();
  }
});

test('Cancel during a stalled download stops it, goes back to the model before, and says so', async ({
  page,
}) => {
  const faults: Record<string, NetworkFault> = { 'models/tiny.onnx': 'stalled' };
  const server = await startStaticServer({
    root: 'dist',
    base: subPath,
    overrides: tinyModelOverrides(),
    faults,
  });
  try {
    await page.goto(`${server.url}#model=ring8&steps=1000`);
    await waitForFirstFrame(page);
    await page.getByLabel('Model', { exact: true }).selectOption('tiny');
    const progress = page.locator('.load-progress');
    await expect(progress.getByRole('progressbar', { name: 'Model download' })).toBeVisible();
    await progress.getByRole('button', { name: 'Cancel' }).click();
    const notice = page.getByRole('status').filter({ hasText: 'Download cancelled' });
    await expect(notice).toContainText('The download of "');
    await expect(notice).toContainText('was stopped after 0.0 MB of 0.0 MB.');
    await expect(notice).toContainText('is shown again; it was still loaded.');
    await expect(notice).toContainText('To try again, choose "');
    await expect(progress).toHaveCount(0);
    // The model before is back and plays; the cancelled download never turns into an error.
    await expect(page.getByLabel('Model', { exact: true })).toHaveValue('ring8');
    await waitForFirstFrame(page);
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect.poll(() => currentStep(page)).toBeGreaterThan(3);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    // Choosing it again downloads it afresh.
    delete faults['models/tiny.onnx'];
    await page.getByLabel('Model', { exact: true }).selectOption('tiny');
    await waitForFirstFrame(page);
    await expect(page.getByTestId('xt-canvas')).toBeVisible();
  } finally {
    await server.close();
  }
});
