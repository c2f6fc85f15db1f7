/**
 * Offline after one visit, through the service worker (public/coi-sw.js), from a sub-path: the
 * page reloads with the network off and runs the models it used; the picker marks the network
 * stored offline; a new deploy replaces the old build's cache and reloads the page onto it.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, runToEnd, subPath, test, tinyModelOverrides, waitForFirstFrame } from './fixtures';
import { startStaticServer } from './static-server';
import { encodeDrawing } from '../../src/ui/state/drawing';

test.use({ serviceWorkers: 'allow' });

const tinyRun = '#model=tiny&steps=8&seed=7&batch=4&sampler=ddim';

const controlled = (page: Page) => page.evaluate(() => navigator.serviceWorker.controller !== null);
const shellCaches = (page: Page) =>
  page.evaluate(async () =>
    (await caches.keys()).filter((name) => name.startsWith('diffusion-playground-shell-')),
  );

test('after one visit the page reloads offline, runs the models used, and a deploy updates it', async ({
  page,
  consoleErrors,
}) => {
  const overrides: Record<string, Uint8Array | string> = { ...tinyModelOverrides() };
  const site = await startStaticServer({ root: 'dist', base: subPath, overrides });
  try {
    await page.goto(`${site.url}${tinyRun}`);
    await waitForFirstFrame(page);
    await expect.poll(() => controlled(page), { timeout: 60_000 }).toBe(true);
    const model = page.getByLabel('Model', { exact: true });
    await expect(model.locator('option[value="tiny"]')).toHaveAttribute('data-offline', 'yes');
    await expect(model.locator('option[value="tiny"]')).toContainText('available offline');
    await expect(model.locator('option[value="mnist"]')).toHaveAttribute('data-offline', 'no');
    const [firstShell] = await shellCaches(page);
    expect(firstShell).toMatch(/^diffusion-playground-shell-[0-9a-f]{16}$/);

    // The network goes away: the page, the network model and an exact 2D model still run.
    await page.context().setOffline(true);
    await page.reload();
    await waitForFirstFrame(page);
    await runToEnd(page);
    await model.selectOption('ring8');
    await waitForFirstFrame(page);
    await runToEnd(page);
    await expect(page.getByRole('alert')).toHaveCount(0);
    // Models that need no download are marked so: the exact mixtures and the page's own drawing,
    // which a link holds, so a reload offline restores it and it runs.
    await expect(model.locator('option[value="ring8"]')).toHaveAttribute('data-offline', 'yes');
    await expect(model.locator('option[value="drawing"]')).toHaveAttribute('data-offline', 'yes');
    await expect(model.locator('option[value="drawing"]')).toHaveText('Your drawing · no download');
    const points = Float32Array.of(0, 0, 1, 1, -1, 0.5, 2, -2);
    await page.evaluate((data) => {
      location.hash = `#model=drawing&steps=8&seed=3&data=${data}`;
    }, encodeDrawing(points));
    await page.reload();
    await waitForFirstFrame(page);
    await expect(model).toHaveValue('drawing');
    await expect(page.getByTestId('drawing-count')).toContainText('4 points');
    await runToEnd(page);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await page.context().setOffline(false);

    // A new deploy (a new build id): its worker stores its shell, deletes the old one, and the
    // open page reloads onto it.
    const sw = readFileSync('dist/coi-sw.js', 'utf8');
    overrides['coi-sw.js'] = sw.replace(
      /const BUILD_ID = '[0-9a-f]+';/,
      "const BUILD_ID = '00000000deadbeef';",
    );
    await page.evaluate(() => {
      (window as unknown as { oldPage: boolean }).oldPage = true;
    });
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    await expect
      .poll(
        () =>
          page
            .evaluate(() => (window as unknown as { oldPage?: boolean }).oldPage === true)
            .catch(() => true), // mid-reload
        { timeout: 60_000 },
      )
      .toBe(false);
    await expect.poll(() => shellCaches(page)).toEqual(['diffusion-playground-shell-00000000deadbeef']);
    await waitForFirstFrame(page);
    expect(consoleErrors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
  } finally {
    await site.close();
  }
});
