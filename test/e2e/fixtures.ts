/** Shared Playwright fixtures: the built site served from a sub-path, and page helpers. */
import { readFileSync } from 'node:fs';
import { test as base, expect, type Page } from '@playwright/test';
import { startStaticServer, type StaticServer } from './static-server';

export const subPath = '/sub/diffusion/';

/**
 * Extra files that add the tiny 8×8 test network (test/fixtures) to the built site's model list, so
 * image-model journeys run whether or not trained networks are in models/manifest.json. `onnx`
 * replaces the network's bytes (e.g. with a corrupted copy).
 */
export function tinyModelOverrides(onnx?: Uint8Array): Record<string, Uint8Array | string> {
  const manifest = JSON.parse(readFileSync('dist/models/manifest.json', 'utf8')) as { models: string[] };
  return {
    'models/manifest.json': JSON.stringify({ models: [...manifest.models, 'tiny'] }),
    'models/tiny.json': readFileSync('test/fixtures/tiny.json'),
    'models/tiny.onnx': onnx ?? readFileSync('test/fixtures/tiny.onnx'),
  };
}

export const test = base.extend<{ consoleErrors: string[] }, { site: StaticServer }>({
  /** The built site (plus the tiny test network) at http://127.0.0.1:<port>/sub/diffusion/. */
  site: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await startStaticServer({
        root: 'dist',
        base: subPath,
        overrides: tinyModelOverrides(),
      });
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`HTTP ${r.status()} for ${r.url()}`);
    });
    await use(errors);
  },
});
export { expect };

/** The step index the Timeline's counter shows. */
export async function currentStep(page: Page): Promise<number> {
  return Number(await page.getByLabel('Step counter').getAttribute('data-step'));
}

/** A SHA-256 digest (hex) of a canvas's RGBA pixels, computed in the page: changes whenever any pixel does. */
export async function canvasPixels(page: Page, testId: string): Promise<string> {
  return page.getByTestId(testId).evaluate(async (canvas: HTMLCanvasElement) => {
    const ctx = canvas.getContext('2d');
    if (ctx === null) return '';
    const digest = await crypto.subtle.digest(
      'SHA-256',
      ctx.getImageData(0, 0, canvas.width, canvas.height).data,
    );
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  });
}

/**
 * Waits until the run is paused at step 0 with the first frame drawn. A network's first load
 * compiles onnxruntime's WASM, which takes minutes on a busy two-core machine.
 */
export async function waitForFirstFrame(page: Page): Promise<void> {
  await expect(page.getByTestId('run-status')).toHaveText('paused', { timeout: 240_000 });
  await expect(page.getByLabel('Step counter')).toHaveAttribute('data-step', '0');
}

/** Runs the current run to its end at full speed and returns when it is done. */
export async function runToEnd(page: Page): Promise<void> {
  await page.getByLabel('Speed').fill('120');
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 240_000 });
}

/** Decoded RGBA pixels of a canvas. */
export async function canvasRgba(page: Page, testId: string): Promise<number[]> {
  return page.getByTestId(testId).evaluate((canvas: HTMLCanvasElement) => {
    const ctx = canvas.getContext('2d');
    return ctx === null ? [] : Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data);
  });
}
