/**
 * 200 seeded random actions on the built site (WASM path), then: no page error, no console error,
 * and the page still plays. The seed is printed; `FUZZ_SEED=<n>` replays a run, and
 * scripts/fuzz.ts runs the 1,000-action version.
 */
import { currentStep, expect, test, waitForFirstFrame } from './fixtures';
import { fuzzPage } from './fuzz-actions';

const seed = Number(process.env.FUZZ_SEED ?? 20261203);

test(`200 random actions leave no error and a page that plays (seed ${seed})`, async ({
  page,
  site,
  consoleErrors,
}) => {
  console.log(`fuzz seed ${seed}`);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(`${site.url}#steps=40`);
  await waitForFirstFrame(page);
  // Timing decides which controls exist when (a run loading, a step in flight), so a seed does not
  // always replay the same actions: every run keeps its own log, with times, for a failure.
  const lines: string[] = [];
  const started = Date.now();
  let log: string[];
  try {
    log = await fuzzPage(page, {
      seed,
      actions: 200,
      onAction: (k, d) => lines.push(`${((Date.now() - started) / 1000).toFixed(1)} s  ${k + 1}. ${d}`),
    });
  } finally {
    await test.info().attach(`fuzz actions (seed ${seed})`, {
      body: lines.join('\n'),
      contentType: 'text/plain',
    });
  }
  expect(consoleErrors, log.slice(-10).join('\n')).toEqual([]);
  // Still plays: a fresh link applies, and Play makes frames advance.
  await page.goto(`${site.url}#model=ring8&steps=50&speed=120&seed=1`);
  await waitForFirstFrame(page);
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => currentStep(page)).toBeGreaterThan(5);
  expect(consoleErrors).toEqual([]);
});
