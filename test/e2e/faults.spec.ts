/**
 * Faults (issue 16 §5) on the built site: a crashed engine worker, and a batch too large for the
 * page's memory. (Model-fetch faults are in failures.spec.ts; a lost GPU device is tested at the
 * engine, test/browser/engine-faults.test.ts, where onnxruntime's device can be reached.)
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { currentStep, expect, test, waitForFirstFrame } from './fixtures';

const ringRun = '#v=2&model=ring8&steps=40&seed=3&batch=64&sampler=euler_maruyama';

/**
 * The Export PNG of the step shown (its particles drawn afresh from the frame's arrays), as a
 * SHA-256 digest with the file's name. The view's own canvas is not compared: Chromium may move a
 * canvas that is read back often to software drawing, whose anti-aliasing differs.
 */
async function exported(page: Page): Promise<string> {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export PNG' }).click();
  const file = await download;
  const digest = createHash('sha256')
    .update(readFileSync(await file.path()))
    .digest('hex');
  return `${file.suggestedFilename()} ${digest}`;
}

/** Steps to k with the Step button. */
async function stepTo(page: Page, k: number): Promise<void> {
  const step = page.getByRole('button', { name: 'Step', exact: true });
  while ((await currentStep(page)) < k) {
    const before = await currentStep(page);
    await step.click();
    await expect.poll(() => currentStep(page)).toBe(before + 1);
  }
}

/**
 * A run with a live sampler change, a rewind and a branch: Euler–Maruyama to step 4, Heun to 8,
 * back to 6, ancestral sampling from there to step 10.
 */
async function walk(page: Page): Promise<void> {
  await waitForFirstFrame(page);
  await stepTo(page, 4);
  await page.getByLabel('Sampler', { exact: true }).selectOption('ode_heun');
  await stepTo(page, 8);
  await page.getByLabel('Timeline').fill('6');
  await expect.poll(() => currentStep(page)).toBe(6);
  await page.getByLabel('Sampler', { exact: true }).selectOption('ancestral');
  await stepTo(page, 10);
}

test('a crashed engine worker restarts and replays the run to the step shown, with a notice', async ({
  page,
  site,
  browser,
}) => {
  // The same run without a crash: the particles at steps 10 and 11.
  const reference = await browser.newPage();
  await reference.goto(`${site.url}${ringRun}`);
  await walk(reference);
  const at10 = await exported(reference);
  await stepTo(reference, 11);
  const at11 = await exported(reference);
  expect(at11).toMatch(/^ring8-step11\.png /);
  await reference.close();

  await page.goto(`${site.url}${ringRun}`);
  await walk(page);
  expect(await exported(page)).toBe(at10);
  const engine = page.workers().find((w) => w.url().includes('/assets/worker-'));
  if (engine === undefined) throw new Error('the engine worker was not found');
  // An uncaught error inside the worker: its onerror reaches the page.
  await engine.evaluate(() => {
    setTimeout(() => {
      throw new Error('injected fault');
    });
  });
  const notice = page.getByRole('status').filter({ hasText: 'The engine restarted' });
  await expect(notice).toContainText('The engine worker stopped (');
  await expect(notice).toContainText('injected fault');
  await expect(notice).toContainText('went on from step 10, the last frame the page held');
  await expect(notice).toContainText('Nothing needs doing');
  expect(await currentStep(page)).toBe(10);
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  // The same particles as without the crash, pixel for pixel.
  expect(await exported(page)).toBe(at10);
  await page.getByRole('button', { name: 'Dismiss: The engine restarted' }).click();
  // The settings are kept and in force: the next step is ancestral sampling's, as without the crash.
  await expect(page.getByLabel('Sampler', { exact: true })).toHaveValue('ancestral');
  await stepTo(page, 11);
  expect(await exported(page)).toBe(at11);
  // The Timeline still reaches back over the steps before the crash: the engine, which went on
  // from step 10, computes them again from step 0, and the page says so.
  await page.getByLabel('Timeline').fill('2');
  await expect.poll(() => currentStep(page)).toBe(2);
  await expect(
    page.getByRole('status').filter({ hasText: 'Computing the steps before the restart' }),
  ).toContainText('went on from step 10');
});

test('the largest batch on the biggest model in four guided panes is refused with a message, and a smaller one plays', async ({
  page,
  site,
}) => {
  const panes = Array.from({ length: 4 }, () => 'ddim:10:vp:uniform:2').join(',');
  await page.goto(`${site.url}#v=2&model=emoji_groups&class=0&guidance=2&batch=64&compare=${panes}`);
  const alert = page.getByRole('alert').filter({ hasText: 'The run stopped' });
  await expect(alert).toContainText(
    'This run would hold 1,572,864 values in one network call (3,072 values per sample, batch 64, × 2 for guidance, 4 panes), ' +
      "over the page's limit of 1,048,576, which keeps the tab from running out of memory. " +
      'Choose a batch of 42 or less, or fewer panes.',
    { timeout: 240_000 },
  );
  // The tab still answers: a smaller batch plays.
  await page.getByLabel('Batch size').fill('2');
  await waitForFirstFrame(page);
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => currentStep(page), { timeout: 120_000 }).toBeGreaterThan(1);
});
