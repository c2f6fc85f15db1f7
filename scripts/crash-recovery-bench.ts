/**
 * How long the built page takes to be back where it was after its engine worker crashes (faults,
 * issue 16), measured side by side in one page: a run of `model` (WASM, batch `batch`) played to
 * step K and paused; an error thrown inside the worker; then
 *  - recover: from the crash to the notice "The engine restarted" — a fresh worker, the model
 *    loaded again, and the run going on from the last frame the page holds (no step computed);
 *  - recompute: the Timeline moved to step 1, before that frame, which makes the engine compute the
 *    run again from step 0 up to K — the work every crash cost when replay always began at step 0.
 * The first is what a crash costs now; the sum is what it cost before.
 * Usage: npm run build && npx tsx scripts/crash-recovery-bench.ts [model (mnist)] [K (40)] [batch (16)]
 */
import { chromium, type Page } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../test/chromium';
import { subPath, tinyModelOverrides } from '../test/e2e/fixtures';
import { startStaticServer } from '../test/e2e/static-server';

const [model = 'mnist', stepsArg = '40', batchArg = '16'] = process.argv.slice(2);
const target = Number(stepsArg);
const batch = Number(batchArg);

const stepShown = async (page: Page): Promise<number> =>
  Number(await page.getByLabel('Step counter').getAttribute('data-step'));

async function waitFor(page: Page, check: () => Promise<boolean>, what: string): Promise<void> {
  const began = Date.now();
  while (!(await check())) {
    if (Date.now() - began > 30 * 60_000) throw new Error(`gave up waiting for ${what}`);
    await page.waitForTimeout(50);
  }
}

const site = await startStaticServer({ root: 'dist', base: subPath, overrides: tinyModelOverrides() });
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
try {
  const page = await (await browser.newContext({ serviceWorkers: 'block' })).newPage();
  await page.goto(
    `${site.url}#v=2&model=${model}&batch=${batch}&steps=${Math.max(100, 2 * target)}` +
      '&sampler=euler_maruyama&speed=120&seed=1',
  );
  await page
    .getByTestId('run-status')
    .filter({ hasText: 'paused' })
    .waitFor({ timeout: 10 * 60_000 });
  const playedAt = Date.now();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await waitFor(page, async () => (await stepShown(page)) >= target, `step ${target}`);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.getByTestId('run-status').filter({ hasText: 'paused' }).waitFor();
  // Frames already on their way when Pause was pressed still arrive: wait until the step holds.
  let reached = await stepShown(page);
  for (let still = 0; still < 10;) {
    await page.waitForTimeout(100);
    const now = await stepShown(page);
    still = now === reached ? still + 1 : 0;
    reached = now;
  }
  const playMs = Date.now() - playedAt;

  const engine = page.workers().find((w) => w.url().includes('/assets/worker-'));
  if (engine === undefined) throw new Error('the engine worker was not found');
  const crashedAt = Date.now();
  await engine.evaluate(() => {
    setTimeout(() => {
      throw new Error('injected fault');
    });
  });
  const restarted = page.getByRole('status').filter({ hasText: 'The engine restarted' });
  await restarted.waitFor({ timeout: 30 * 60_000 });
  const recoverMs = Date.now() - crashedAt;
  const message = await restarted.innerText();
  const back = await stepShown(page);
  if (back !== reached)
    throw new Error(`the run is at step ${back}, not back at step ${reached}: ${message}`);
  await page.getByRole('button', { name: 'Dismiss: The engine restarted' }).click();

  const rewoundAt = Date.now();
  await page.getByLabel('Timeline').fill('1');
  // The page shows step 1 at once; the engine's answer follows its work. A Step waits behind it in
  // the engine's queue, so step 2's frame marks the end of the recompute (plus one step).
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await waitFor(page, async () => (await stepShown(page)) === 2, 'the step after the rewind');
  const recomputeMs = Date.now() - rewoundAt;

  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(`${model}, batch ${batch}, Euler–Maruyama, WASM: played to step ${reached} in ${s(playMs)}`);
  console.log(
    `  crash → back at step ${reached} (fresh worker, model loaded, no step computed): ${s(recoverMs)}`,
  );
  console.log(
    `  rewind to step 1 → the run computed again from step 0 to ${reached}, then one step: ${s(recomputeMs)}`,
  );
  console.log(
    `  a crash cost before (recover + recompute) ÷ now (recover): ${((recoverMs + recomputeMs) / recoverMs).toFixed(1)}×`,
  );
  console.log(`  notice: ${message.replace(/\s+/g, ' ').slice(0, 400)}`);
} finally {
  await browser.close();
  await site.close();
}
