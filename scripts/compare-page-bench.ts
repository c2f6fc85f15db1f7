/**
 * Compare mode's cost in the page's engine (the built site, WASM): ms per step of one pane, and
 * ms per tick of a 2-pane and a 4-pane comparison, MNIST at batch 16, every pane on one grid so
 * that each tick is one network call. Measured as wall time between the Step counter's values
 * while playing at full speed (steps 5 → 5 + ticks), so it includes everything the page does; the
 * figure of merit is the per-sample ratio (ms per tick / K) / (ms per step of one pane). Rounds
 * rotate the configurations so load from other processes hits them alike; medians are printed.
 * A benchmark, not a test: it prints and never fails. Needs `npm run build` first.
 * Run: npx tsx scripts/compare-page-bench.ts [rounds=3] [ticks=30]
 */
import { chromium, type Page } from '@playwright/test';
import { chromiumArgsWithoutWebGpu, chromiumPath } from '../test/chromium';
import { startStaticServer } from '../test/e2e/static-server';

const rounds = Number(process.argv[2] ?? 3);
const ticks = Number(process.argv[3] ?? 30);
const samplers = ['euler_maruyama', 'ddim', 'dpmpp_2m', 'reverse_diffusion'];
const pane = (s: string) => `${s}:200:vp:uniform:2`;
const hashFor = (k: number): string =>
  k === 1
    ? 'v=2&model=mnist&batch=16&steps=200&speed=120&sampler=euler_maruyama'
    : `v=2&model=mnist&batch=16&speed=120&compare=${samplers.slice(0, k).map(pane).join(',')}`;

async function stepNow(page: Page): Promise<number> {
  return Number(await page.getByLabel('Step counter').getAttribute('data-step'));
}

/** Wall ms per step (tick) between steps `from` and `from + ticks` of a playing run. */
async function measure(page: Page, url: string): Promise<{ ms: number; shareMs: number[] }> {
  await page.goto('about:blank');
  await page.goto(url);
  await page.getByTestId('run-status').filter({ hasText: 'paused' }).waitFor({ timeout: 600_000 });
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  const from = 5;
  while ((await stepNow(page)) < from) await page.waitForTimeout(5);
  const began = Date.now();
  const start = await stepNow(page);
  while ((await stepNow(page)) < start + ticks) await page.waitForTimeout(5);
  const ms = (Date.now() - began) / ((await stepNow(page)) - start || 1);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const shareMs: number[] = [];
  for (const el of await page.locator('[data-testid^="pane-ms-"]').all())
    shareMs.push(Number(await el.getAttribute('data-ms')));
  return { ms, shareMs };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await startStaticServer({ root: 'dist', base: '/' });
// Without WebGPU: the WASM path, whatever the machine has.
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgsWithoutWebGpu });
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
const counts = [1, 2, 4];
const results = new Map<number, number[]>(counts.map((k) => [k, []]));
const shares = new Map<number, number[]>(counts.map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const k of r % 2 === 0 ? counts : [...counts].reverse()) {
    const { ms, shareMs } = await measure(page, `${server.url}#${hashFor(k)}`);
    results.get(k)?.push(ms);
    if (shareMs.length > 0) shares.get(k)?.push(median(shareMs));
    console.info(`round ${r + 1}, ${k} pane(s): ${ms.toFixed(1)} ms per tick`);
  }
}
const one = median(results.get(1) ?? []);
for (const k of counts) {
  const ms = median(results.get(k) ?? []);
  const share = shares.get(k) ?? [];
  console.info(
    `${k} pane(s): ${ms.toFixed(1)} ms/tick, per-sample ratio ${(ms / k / one).toFixed(2)}` +
      (share.length > 0 ? `, pane network share ${median(share).toFixed(1)} ms/step` : ''),
  );
}
await browser.close();
await server.close();
