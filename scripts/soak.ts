/**
 * Soak: consecutive 1,000-step runs on the built site (WASM path). After every run: the page's JS
 * heap (after forced GCs), DOM node count and the engine worker's memory, and a heap snapshot that
 * splits the heap into V8's compiled code (functions optimised as they get hot: it grows while the
 * page warms up, whatever the page keeps) and everything else (the page's own objects, strings and
 * arrays; ArrayBuffer contents apart). Each run's line gives its change from run 1, so a soak
 * stopped early still reports.
 * With --no-jit V8 only interprets (no Sparkplug, Maglev or TurboFan code): this tells the
 * compilers' warm-up, which grows the heap for the first ~10 runs, from a leak of the page's.
 * With --gpu the page's engine is told to use WebGPU whatever the adapter (SwiftShader here), and
 * each line also gives, at the run's last frame, the GPU buffers the worker's fields hold (a
 * GPU-resident frame's gpuBuffers) and the buffers and bytes alive on the whole device, whoever made
 * them (deviceBuffers, deviceBufferBytes: onnxruntime's, the fields', the painter's): each must come
 * back to the same number after every run. Use a network model (exact mixtures never run on the
 * GPU); the tiny test network is served as `tiny`.
 * Usage: npm run build && npx tsx scripts/soak.ts [model] [batch] [runs] [--gpu] [--no-jit]
 *   e.g. npx tsx scripts/soak.ts ring8 16 10   ·   npx tsx scripts/soak.ts mnist 16 10
 *        npx tsx scripts/soak.ts tiny 16 10 --gpu
 */
import { chromium, type CDPSession, type Page } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../test/chromium';
import { subPath, tinyModelOverrides } from '../test/e2e/fixtures';
import { startStaticServer } from '../test/e2e/static-server';

if (process.argv.includes('--help')) {
  console.log(
    'Usage: npm run build && npx tsx scripts/soak.ts [model (ring8)] [batch (16)] [runs of 1,000 steps (10)] ' +
      '[--gpu: WebGPU, and count GPU buffers] [--no-jit: V8 interpreter only]',
  );
  process.exit(0);
}
const gpu = process.argv.includes('--gpu');
const noJit = process.argv.includes('--no-jit');
const [model = 'ring8', batchArg = '16', runsArg = '10'] = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('--'));
const batch = Number(batchArg);
const runs = Number(runsArg);

interface Sample {
  heapMB: number;
  domNodes: number;
  /** The engine worker's memory (JS heap and WebAssembly), from measureUserAgentSpecificMemory. */
  workerMB: number;
  /** With --gpu: the last GPU-resident frame's gpuBuffers (NaN when none came). */
  gpuBuffers: number;
  /** With --gpu: the same frame's deviceBuffers and deviceBufferBytes (NaN when none came). */
  deviceBuffers: number;
  deviceBufferBytes: number;
}

/** What watchEngine keeps of the last GPU-resident frame. */
interface GpuCounts {
  gpuBuffers?: number;
  deviceBuffers?: number;
  deviceBufferBytes?: number;
}

interface HeapSplit {
  /** V8 compiled code: instruction streams, bytecode, feedback (snapshot node type "code"). */
  codeMB: number;
  /** Everything else V8 holds for the page's JavaScript (not Blink's native objects). */
  objectsMB: number;
  /** ArrayBuffer contents (outside V8's heap: frames' arrays, images). */
  buffersMB: number;
  /** Bytes per constructor or kind, for the largest changes. */
  byName: Map<string, number>;
}

async function measure(page: Page): Promise<Sample> {
  return page.evaluate(async () => {
    // Several full collections, a task apart: objects freed by a finaliser or a pending promise
    // only go on the second or third.
    for (let k = 0; k < 3; k++) {
      (globalThis as unknown as { gc?: () => void }).gc?.();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const counts = (globalThis as unknown as { soakGpuCounts?: GpuCounts }).soakGpuCounts;
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
      gpuBuffers: counts?.gpuBuffers ?? NaN,
      deviceBuffers: counts?.deviceBuffers ?? NaN,
      deviceBufferBytes: counts?.deviceBufferBytes ?? NaN,
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
  const split: HeapSplit = { codeMB: 0, objectsMB: 0, buffersMB: 0, byName: new Map() };
  for (let k = 0; k < snapshot.nodes.length; k += fields.length) {
    const type = types[snapshot.nodes[k + typeAt]];
    const size = snapshot.nodes[k + sizeAt] / 2 ** 20;
    if (type === 'native' && snapshot.strings[snapshot.nodes[k + nameAt]] === 'system / JSArrayBufferData') {
      split.buffersMB += size;
      continue;
    }
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

/**
 * Runs in the page before its scripts (--gpu): the engine's init asks for WebGPU, and the last
 * GPU-resident frame's counts (GpuCounts) are kept on globalThis.soakGpuCounts.
 */
function watchEngine(): void {
  type Post = (this: Worker, message: unknown, transfer?: Transferable[]) => void;
  const proto = Worker.prototype as unknown as { postMessage: Post };
  const post = proto.postMessage;
  const watched = new WeakSet<Worker>();
  proto.postMessage = function (message, transfer) {
    if (!watched.has(this)) {
      watched.add(this);
      this.addEventListener('message', (e: MessageEvent<GpuCounts & { type?: string }>) => {
        if (e.data?.type === 'frame' && typeof e.data.gpuBuffers === 'number') {
          const { gpuBuffers, deviceBuffers, deviceBufferBytes } = e.data;
          (globalThis as unknown as { soakGpuCounts: GpuCounts }).soakGpuCounts = {
            gpuBuffers,
            deviceBuffers,
            deviceBufferBytes,
          };
        }
      });
    }
    const request = message as { type?: string; ep?: string } | null;
    const sent = request?.type === 'init' && request.ep === 'auto' ? { ...request, ep: 'webgpu' } : message;
    post.call(this, sent, transfer);
  };
}

const change = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)} %`;
const mb = (v: number) => `${v.toFixed(2)} MB`;

const site = await startStaticServer({ root: 'dist', base: subPath, overrides: tinyModelOverrides() });
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: [
    ...chromiumArgs,
    `--js-flags=--expose-gc${noJit ? ' --no-sparkplug --no-maglev --no-opt' : ''}`,
    '--enable-precise-memory-info',
    '--enable-blink-features=ForceEagerMeasureMemory',
  ],
});
try {
  const page = await (await browser.newContext({ serviceWorkers: 'block' })).newPage();
  const cdp = await page.context().newCDPSession(page);
  if (gpu) await page.addInitScript(watchEngine);
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
    const split = await heapSplit(cdp);
    samples.push(s);
    splits.push(split);
    const [s1, h1] = [samples[0], splits[0]];
    const gpuLine = gpu
      ? `, GPU buffers: fields ${s.gpuBuffers}, device ${s.deviceBuffers} (${s.deviceBufferBytes} bytes)`
      : '';
    console.log(
      `run ${k}: ${(k * 1000).toLocaleString('en-US')} steps ` +
        `(${((Date.now() - started) / 60_000).toFixed(1)} min), heap ${mb(s.heapMB)} (${change(s1.heapMB, s.heapMB)}; ` +
        `code ${mb(split.codeMB)} ${change(h1.codeMB, split.codeMB)}, ` +
        `objects ${mb(split.objectsMB)} ${change(h1.objectsMB, split.objectsMB)}; ` +
        `array buffers ${mb(split.buffersMB)}), ` +
        `${s.domNodes} DOM nodes (${change(s1.domNodes, s.domNodes)}), ` +
        `worker ${mb(s.workerMB)} (${change(s1.workerMB, s.workerMB)})${gpuLine}`,
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
      `    array buffers ${mb(a.buffersMB)} → ${mb(b.buffersMB)}\n` +
      `  DOM nodes ${first.domNodes} → ${last.domNodes} (${change(first.domNodes, last.domNodes)})\n` +
      `  worker ${mb(first.workerMB)} → ${mb(last.workerMB)} (${change(first.workerMB, last.workerMB)})` +
      (gpu
        ? `\n  GPU buffers: fields ${samples.map((x) => x.gpuBuffers).join(', ')}; ` +
          `device ${samples.map((x) => x.deviceBuffers).join(', ')} ` +
          `(${samples.map((x) => x.deviceBufferBytes).join(', ')} bytes)`
        : ''),
  );
  if (runs >= 4) {
    // Whether the heap has stopped growing: the second half of the runs alone.
    const h = Math.floor(runs / 2);
    const [mid, midSplit] = [samples[h - 1], splits[h - 1]];
    console.log(
      `  runs ${h} → ${runs}: JS heap ${mb(mid.heapMB)} → ${mb(last.heapMB)} (${change(mid.heapMB, last.heapMB)}), ` +
        `compiled code ${change(midSplit.codeMB, b.codeMB)}, objects ${change(midSplit.objectsMB, b.objectsMB)}`,
    );
  }
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
