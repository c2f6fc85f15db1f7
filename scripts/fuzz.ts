/**
 * The long random-use run (issue: random use): N seeded random actions (default 1,000) on the
 * built site, WASM path, through test/e2e/fuzz-actions.ts; then checks for page and console errors
 * and that the page still plays. Prints the seed (replay with the same one) and the result.
 * Usage: npm run build && npx tsx scripts/fuzz.ts [actions] [seed]
 */
import { chromium } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../test/chromium';
import { subPath, tinyModelOverrides } from '../test/e2e/fixtures';
import { fuzzPage } from '../test/e2e/fuzz-actions';
import { startStaticServer } from '../test/e2e/static-server';

const usage =
  'Usage: npm run build && npx tsx scripts/fuzz.ts [actions (default 1000)] [seed (default: from the clock)]';
if (process.argv.includes('--help')) {
  console.log(usage);
  process.exit(0);
}
const actions = Number(process.argv[2] ?? 1000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
if (!(Number.isInteger(actions) && actions > 0 && Number.isInteger(seed))) {
  console.error(usage);
  process.exit(2);
}
console.log(`fuzz: ${actions} actions, seed ${seed}`);

const site = await startStaticServer({ root: 'dist', base: subPath, overrides: tinyModelOverrides() });
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
const errors: string[] = [];
let skipped = 0;
const started = Date.now();
try {
  const context = await browser.newContext({
    serviceWorkers: 'block',
    viewport: { width: 1440, height: 900 },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${site.url}#steps=40`);
  await page.getByTestId('run-status').filter({ hasText: 'paused' }).waitFor({ timeout: 240_000 });
  const log = await fuzzPage(page, {
    seed,
    actions,
    onAction: (k, description) => {
      if (description.startsWith('skipped')) skipped++;
      if ((k + 1) % 100 === 0) console.log(`${k + 1} actions, ${errors.length} errors; last: ${description}`);
    },
  });
  await page.goto(`${site.url}#model=ring8&steps=50&speed=120&seed=1`);
  await page.getByTestId('run-status').filter({ hasText: 'paused' }).waitFor({ timeout: 240_000 });
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForFunction(
    () => Number(document.querySelector('[aria-label="Step counter"]')?.getAttribute('data-step')) > 5,
    undefined,
    { timeout: 60_000 },
  );
  console.log(`still plays: yes`);
  console.log(`last actions:\n  ${log.slice(-5).join('\n  ')}`);
} finally {
  await browser.close();
  await site.close();
}
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
console.log(
  `seed ${seed}: ${actions} actions (${skipped} skipped: control gone mid-action) in ${minutes} min`,
);
console.log(`page + console errors: ${errors.length}`);
for (const e of errors.slice(0, 20)) console.log(`  ${e}`);
process.exit(errors.length === 0 ? 0 : 1);
