/**
 * Soak: consecutive 1,000-step runs on the built site (WASM path), then the page's JS heap (after
 * a forced GC) and DOM node count after the first run and after the last, and their change.
 * Usage: npm run build && npx tsx scripts/soak.ts [model] [batch] [runs]
 *   e.g. npx tsx scripts/soak.ts ring8 16 10   ·   npx tsx scripts/soak.ts mnist 16 10
 */
import { chromium, type Page } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../test/chromium';
import { subPath, tinyModelOverrides } from '../test/e2e/fixtures';
import { startStaticServer } from '../test/e2e/static-server';

const model = process.argv[2] ?? 'ring8';
const batch = Number(process.argv[3] ?? 16);
const runs = Number(process.argv[4] ?? 10);

interface Sample {
  heapMB: number;
  domNodes: number;
}

async function measure(page: Page): Promise<Sample> {
  return page.evaluate(() => {
    (globalThis as unknown as { gc?: () => void }).gc?.();
    const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
    return {
      heapMB: (memory?.usedJSHeapSize ?? NaN) / 2 ** 20,
      domNodes: document.getElementsByTagName('*').length,
    };
  });
}

async function runToEnd(page: Page, seed: number): Promise<void> {
  await page.evaluate((s) => {
    location.hash = location.hash.replace(/seed=\d+/, `seed=${s}`);
  }, seed);
  await page
    .getByTestId('run-status')
    .filter({ hasText: /^paused$/ })
    .waitFor({ timeout: 240_000 });
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page
    .getByTestId('run-status')
    .filter({ hasText: /^done$/ })
    .waitFor({ timeout: 1_800_000 });
}

const site = await startStaticServer({ root: 'dist', base: subPath, overrides: tinyModelOverrides() });
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: [...chromiumArgs, '--js-flags=--expose-gc', '--enable-precise-memory-info'],
});
try {
  const page = await (await browser.newContext({ serviceWorkers: 'block' })).newPage();
  await page.goto(`${site.url}#model=${model}&batch=${batch}&steps=1000&speed=120&seed=1`);
  await page
    .getByTestId('run-status')
    .filter({ hasText: /^paused$/ })
    .waitFor({ timeout: 240_000 });
  const samples: Sample[] = [];
  const started = Date.now();
  for (let k = 1; k <= runs; k++) {
    await runToEnd(page, k + 1);
    samples.push(await measure(page));
    const s = samples[samples.length - 1];
    console.log(
      `run ${k}: ${(k * 1000).toLocaleString('en-US')} steps, heap ${s.heapMB.toFixed(1)} MB, ${s.domNodes} DOM nodes`,
    );
  }
  const [first, last] = [samples[0], samples[samples.length - 1]];
  const change = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;
  console.log(
    `${model}, batch ${batch}: heap ${first.heapMB.toFixed(1)} → ${last.heapMB.toFixed(1)} MB (${change(first.heapMB, last.heapMB)}), ` +
      `DOM nodes ${first.domNodes} → ${last.domNodes} (${change(first.domNodes, last.domNodes)}) ` +
      `after 1,000 vs ${(runs * 1000).toLocaleString('en-US')} steps, ${((Date.now() - started) / 60_000).toFixed(1)} min`,
  );
} finally {
  await browser.close();
  await site.close();
}
