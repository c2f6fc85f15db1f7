/**
 * Soak: consecutive 1,000-step runs on the built site (WASM path), then, after the first run and
 * after the last, the page's JS heap (after a forced GC), DOM node count and the engine worker's
 * memory, and their change. A heap snapshot at both points splits the heap's change into V8's
 * compiled code (functions optimised as they get hot: it grows while the page warms up, whatever
 * the page keeps) and everything else (the page's own objects, strings and arrays).
 * Usage: npm run build && npx tsx scripts/soak.ts [model] [batch] [runs]
 *   e.g. npx tsx scripts/soak.ts ring8 16 10   ·   npx tsx scripts/soak.ts mnist 16 10
 */
import { chromium, type CDPSession, type Page } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../test/chromium';
import { subPath, tinyModelOverrides } from '../test/e2e/fixtures';
import { startStaticServer } from '../test/e2e/static-server';

if (process.argv.includes('--help')) {
  console.log(
    'Usage: npm run build && npx tsx scripts/soak.ts [model (ring8)] [batch (16)] [runs of 1,000 steps (10)]',
  );
  process.exit(0);
}
const model = process.argv[2] ?? 'ring8';
const batch = Number(process.argv[3] ?? 16);
const runs = Number(process.argv[4] ?? 10);

interface Sample {
  heapMB: number;
  domNodes: number;
  /** The engine worker's memory (JS heap and WebAssembly), from measureUserAgentSpecificMemory. */
  workerMB: number;
}

interface HeapSplit {
  /** V8 compiled code: instruction streams, bytecode, feedback (snapshot node type "code"). */
  codeMB: number;
  /** Everything else V8 holds for the page's JavaScript (not Blink's native objects). */
  objectsMB: number;
  /** Bytes per constructor or kind, for the largest changes. */
  byName: Map<string, number>;
}

async function measure(page: Page): Promise<Sample> {
  return page.evaluate(async () => {
    (globalThis as unknown as { gc?: () => void }).gc?.();
    const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
    type Breakdown = { bytes: number; attribution: { scope: string }[] };
    const measureAll = (
      performance as unknown as {
        measureUserAgentSpecificMemory?: () => Promise<{ breakdown: Breakdown[] }>;
      }
    ).measureUserAgentSpecificMemory;
    let workerBytes = NaN;
    if (crossOriginIsolated && measureAll) {
      const result = await measureAll.call(performance);
      workerBytes = result.breakdown
        .filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope'))
        .reduce((sum, b) => sum + b.bytes, 0);
    }
    return {
      heapMB: (memory?.usedJSHeapSize ?? NaN) / 2 ** 20,
      domNodes: document.getElementsByTagName('*').length,
      workerMB: workerBytes / 2 ** 20,
    };
  });
}

async function heapSplit(cdp: CDPSession): Promise<HeapSplit> {
  await cdp.send('HeapProfiler.collectGarbage');
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  const snapshot = JSON.parse(chunks.join('')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const split: HeapSplit = { codeMB: 0, objectsMB: 0, byName: new Map() };
  for (let k = 0; k < snapshot.nodes.length; k += fields.length) {
    const type = types[snapshot.nodes[k + typeAt]];
    const size = snapshot.nodes[k + sizeAt] / 2 ** 20;
    if (type === 'native' || type === 'synthetic') continue; // Blink's objects, roots
    if (type === 'code') split.codeMB += size;
    else split.objectsMB += size;
    const name =
      type === 'object' || type === 'closure' ? snapshot.strings[snapshot.nodes[k + nameAt]] : `(${type})`;
    split.byName.set(name, (split.byName.get(name) ?? 0) + size);
  }
  return split;
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

const change = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;
const mb = (v: number) => `${v.toFixed(2)} MB`;

const site = await startStaticServer({ root: 'dist', base: subPath, overrides: tinyModelOverrides() });
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: [
    ...chromiumArgs,
    '--js-flags=--expose-gc',
    '--enable-precise-memory-info',
    '--enable-blink-features=ForceEagerMeasureMemory',
  ],
});
try {
  const page = await (await browser.newContext({ serviceWorkers: 'block' })).newPage();
  const cdp = await page.context().newCDPSession(page);
  await page.goto(`${site.url}#model=${model}&batch=${batch}&steps=1000&speed=120&seed=1`);
  await page
    .getByTestId('run-status')
    .filter({ hasText: /^paused$/ })
    .waitFor({ timeout: 240_000 });
  const samples: Sample[] = [];
  const splits: HeapSplit[] = [];
  const started = Date.now();
  for (let k = 1; k <= runs; k++) {
    await runToEnd(page, k + 1);
    const s = await measure(page);
    samples.push(s);
    if (k === 1 || k === runs) splits.push(await heapSplit(cdp));
    console.log(
      `run ${k}: ${(k * 1000).toLocaleString('en-US')} steps, heap ${s.heapMB.toFixed(1)} MB, ${s.domNodes} DOM nodes, ` +
        `worker ${s.workerMB.toFixed(1)} MB`,
    );
  }
  const [first, last] = [samples[0], samples[samples.length - 1]];
  const [a, b] = [splits[0], splits[splits.length - 1]];
  console.log(
    `${model}, batch ${batch}, 1,000 vs ${(runs * 1000).toLocaleString('en-US')} steps ` +
      `(${((Date.now() - started) / 60_000).toFixed(1)} min):\n` +
      `  JS heap ${mb(first.heapMB)} → ${mb(last.heapMB)} (${change(first.heapMB, last.heapMB)})\n` +
      `    compiled code ${mb(a.codeMB)} → ${mb(b.codeMB)} (${change(a.codeMB, b.codeMB)}); ` +
      `objects ${mb(a.objectsMB)} → ${mb(b.objectsMB)} (${change(a.objectsMB, b.objectsMB)})\n` +
      `  DOM nodes ${first.domNodes} → ${last.domNodes} (${change(first.domNodes, last.domNodes)})\n` +
      `  worker ${mb(first.workerMB)} → ${mb(last.workerMB)} (${change(first.workerMB, last.workerMB)})`,
  );
  const names = new Set([...a.byName.keys(), ...b.byName.keys()]);
  const grown = [...names]
    .map((n) => ({ n, d: (b.byName.get(n) ?? 0) - (a.byName.get(n) ?? 0) }))
    .sort((p, q) => Math.abs(q.d) - Math.abs(p.d))
    .slice(0, 5);
  console.log(`  largest changes: ${grown.map((g) => `${g.n} ${(g.d * 1024).toFixed(0)} kB`).join(', ')}`);
} finally {
  await browser.close();
  await site.close();
}
