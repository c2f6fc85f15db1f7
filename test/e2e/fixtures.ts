/** Shared Playwright fixtures: the built site served from a sub-path, and page helpers. */
import { test as base, expect, type Page } from '@playwright/test';
import { startStaticServer, type StaticServer } from './static-server';

export const subPath = '/sub/diffusion/';

export const test = base.extend<{ consoleErrors: string[] }, { site: StaticServer }>({
  site: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await startStaticServer({ root: 'dist', base: subPath });
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

/** A digest of a canvas's pixels (changes whenever any pixel changes). */
export async function canvasPixels(page: Page, testId: string): Promise<string> {
  return page.getByTestId(testId).evaluate((canvas: HTMLCanvasElement) => canvas.toDataURL('image/png'));
}

/** Waits until the run is paused at step 0 with the first frame drawn. */
export async function waitForFirstFrame(page: Page): Promise<void> {
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  await expect(page.getByLabel('Step counter')).toHaveAttribute('data-step', '0');
}
