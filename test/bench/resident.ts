/**
 * Section 3, the GPU-resident trajectory: the built engine worker on WebGPU, driven directly with
 * protocol messages, playing as fast as it can in three ways, interleaved in rounds:
 * - `roundtrip`: residency 'cpu' — every network output is read back and the sampler runs in JS
 *   (what in-browser diffusion demos usually do);
 * - `resident`: residency 'gpu', the network operator by operator (graph capture off);
 * - `captured`: residency 'gpu' with onnxruntime's graph capture (the app's default).
 * The GPU modes hand the worker two canvases, as the page does, so their frames are drawn in the
 * worker and carry no arrays; the round trip reads every frame back (the page would then draw it).
 * Reports steps/s (frames over wall time, frames acknowledged as soon as they arrive) and the
 * engine's own split (model ms vs other ms per step). On a machine whose only adapter is SwiftShader
 * the figures say how the paths compare on a CPU rasteriser, not on a GPU: they are labelled so.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './browser';
import { startBenchServer } from './server';
import { median } from './stats';

export const residentModes = ['roundtrip', 'resident', 'captured'] as const;
export type ResidentMode = (typeof residentModes)[number];

export interface ResidentCell {
  model: string;
  batch: number;
  mode: ResidentMode;
  stepsPerSecond: number;
  modelMs: number;
  otherMs: number;
  frames: number;
}

export interface ResidentResults {
  adapter: string;
  cells: ResidentCell[];
  na?: string;
}

interface Target {
  id: string;
  baseUrl: string;
  /** Largest batch worth timing on this adapter (SwiftShader runs MNIST at seconds per call). */
  maxBatch: number;
}

/** What the page runs: one worker, one model, one mode, for a time budget. */
interface PlayRequest {
  workerUrl: string;
  modelId: string;
  baseUrl: string;
  batch: number;
  mode: ResidentMode;
  budgetMs: number;
  maxFrames: number;
}

interface PlayResult {
  adapter: string;
  frames: number;
  elapsedMs: number;
  modelMs: number[];
  otherMs: number[];
  error?: string;
}

/** Runs in the page: the worker protocol by hand (see src/engine/protocol.ts). */
async function playInPage(req: PlayRequest): Promise<PlayResult> {
  const adapter = await navigator.gpu?.requestAdapter();
  const info = adapter?.info;
  const adapterName = info
    ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ')
    : 'none';
  const worker = new Worker(req.workerUrl, { type: 'module' });
  type Event = { type: string; [k: string]: unknown };
  const waiters: ((e: Event) => boolean)[] = [];
  worker.onmessage = (m: MessageEvent<Event>) => {
    for (const w of [...waiters]) if (w(m.data)) waiters.splice(waiters.indexOf(w), 1);
  };
  const until = (match: (e: Event) => boolean, ms: number): Promise<Event> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
      waiters.push((e) => {
        if (e.type === 'error') {
          clearTimeout(timer);
          reject(new Error(String(e.message)));
          return true;
        }
        if (!match(e)) return false;
        clearTimeout(timer);
        resolve(e);
        return true;
      });
    });
  try {
    worker.postMessage({ type: 'init', ep: 'webgpu' });
    const ready = until((e) => e.type === 'ready', 600_000);
    worker.postMessage({ type: 'loadModel', modelId: req.modelId, baseUrl: req.baseUrl });
    await ready;
    if (req.mode !== 'roundtrip') {
      // As the page does on WebGPU: the worker draws the grids into canvases it owns.
      const canvases = [0, 1].map(() => document.createElement('canvas').transferControlToOffscreen());
      worker.postMessage({ type: 'attachViews', x: canvases[0], denoised: canvases[1] }, canvases);
    }
    const runId = 1;
    const modelMs: number[] = [];
    const otherMs: number[] = [];
    let frames = 0;
    let firstAt = 0;
    let lastAt = 0;
    const done = new Promise<void>((resolve) => {
      waiters.push((e) => {
        if (e.type !== 'frame' || e.runId !== runId) return false;
        worker.postMessage({ type: 'frameAck', runId, i: e.i });
        const now = performance.now();
        // The first two frames (the prior and the first step, which also captures the graph) warm up.
        if (Number(e.i) >= 2) {
          frames++;
          const t = e.timings as { modelMs: number; otherMs: number };
          modelMs.push(t.modelMs);
          otherMs.push(t.otherMs);
          lastAt = now;
        } else {
          firstAt = now;
        }
        const over =
          frames >= req.maxFrames || (frames > 0 && now - firstAt > req.budgetMs) || e.done === true;
        if (over) resolve();
        return over;
      });
    });
    worker.postMessage({
      type: 'start',
      runId,
      autoplay: true,
      model: req.modelId,
      sampler: 'ode_heun',
      params: {},
      sde: { kind: 'vp' },
      schedule: 'uniform',
      steps: 10_000,
      seed: 1,
      batch: req.batch,
      classLabel: null,
      guidance: 1,
      denoiseFinal: false,
      stepsPerSecond: 0,
      residency: req.mode === 'roundtrip' ? 'cpu' : 'gpu',
      graphCapture: req.mode === 'captured',
    });
    await done;
    worker.postMessage({ type: 'pause', runId });
    return { adapter: adapterName, frames, elapsedMs: lastAt - firstAt, modelMs, otherMs };
  } catch (e) {
    return { adapter: adapterName, frames: 0, elapsedMs: 0, modelMs: [], otherMs: [], error: String(e) };
  } finally {
    worker.terminate();
  }
}

export async function residentBench(
  root: string,
  siteDir: string,
  models: readonly string[],
  batches: readonly number[],
  quick: boolean,
): Promise<ResidentResults> {
  const assets = join(siteDir, 'assets');
  const workerFile = readdirSync(assets).find((f) => /^worker-.*\.js$/.test(f));
  if (!workerFile) return { adapter: 'none', cells: [], na: `no worker-*.js in ${assets}` };
  writeFileSync(join(siteDir, 'resident-bench.html'), '<!doctype html><title>resident bench</title>\n');
  const server = await startBenchServer(
    [
      { prefix: '/fixtures/', dir: join(root, 'test', 'fixtures') },
      { prefix: '/', dir: siteDir },
    ],
    'no-store',
  );
  const targets: Target[] = [
    { id: 'tiny', baseUrl: `${server.origin}/fixtures/`, maxBatch: 64 },
    ...models.map((id) => ({ id, baseUrl: `${server.origin}/models/`, maxBatch: 1 })),
  ];
  const browser = await launchChromium();
  const cells: ResidentCell[] = [];
  let adapter = 'none';
  try {
    const page = await browser.newPage();
    // tsx compiles playInPage with esbuild's keep-names helper; give the page that helper.
    await page.addInitScript('globalThis.__name = (f) => f;');
    await page.goto(`${server.origin}/resident-bench.html`);
    const rounds = quick ? 1 : 2;
    for (const target of targets) {
      for (const batch of batches.filter((b) => b <= target.maxBatch)) {
        const results = new Map<ResidentMode, PlayResult[]>(residentModes.map((m) => [m, []]));
        for (let round = 0; round < rounds; round++) {
          for (const mode of residentModes) {
            const r = await page.evaluate(playInPage, {
              workerUrl: `${server.origin}/assets/${workerFile}`,
              modelId: target.id,
              baseUrl: target.baseUrl,
              batch,
              mode,
              budgetMs: quick ? 3000 : 6000,
              maxFrames: 400,
            });
            adapter = r.adapter;
            if (r.error) throw new Error(`${target.id} b${batch} ${mode}: ${r.error}`);
            results.get(mode)?.push(r);
          }
        }
        for (const mode of residentModes) {
          const runs = results.get(mode) ?? [];
          cells.push({
            model: target.id,
            batch,
            mode,
            stepsPerSecond: median(runs.map((r) => (r.elapsedMs > 0 ? (1000 * r.frames) / r.elapsedMs : 0))),
            modelMs: median(runs.flatMap((r) => r.modelMs)),
            otherMs: median(runs.flatMap((r) => r.otherMs)),
            frames: runs.reduce((a, r) => a + r.frames, 0),
          });
        }
      }
    }
  } catch (e) {
    return { adapter, cells, na: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  } finally {
    await browser.close();
    await server.close();
  }
  return { adapter, cells };
}

/** The printed section: a table of steps/s and the per-step split, then one ratio per row. */
export function residentReport(results: ResidentResults): string[] {
  const lines = ['', `GPU-resident trajectory vs CPU round trip — WebGPU adapter: ${results.adapter}`];
  if (/swiftshader/i.test(results.adapter)) {
    lines.push('  (SwiftShader is a CPU rasteriser: these figures compare the paths on it, not on a GPU)');
  }
  if (results.na) lines.push(`  n/a: ${results.na}`);
  lines.push('  model  batch  mode       steps/s   model ms  other ms');
  for (const c of results.cells) {
    lines.push(
      `  ${c.model.padEnd(6)} ${String(c.batch).padStart(5)}  ${c.mode.padEnd(9)} ${c.stepsPerSecond
        .toFixed(2)
        .padStart(8)} ${c.modelMs.toFixed(2).padStart(10)} ${c.otherMs.toFixed(2).padStart(9)}`,
    );
  }
  const keys = [...new Set(results.cells.map((c) => `${c.model}|${c.batch}`))];
  for (const key of keys) {
    const [model, batch] = key.split('|');
    const of = (mode: ResidentMode) =>
      results.cells.find((c) => `${c.model}|${c.batch}` === key && c.mode === mode)?.stepsPerSecond ?? 0;
    const ratio = (a: ResidentMode, b: ResidentMode) =>
      of(b) > 0 ? `${a}/${b} = ${(of(a) / of(b)).toFixed(2)}` : `${a}/${b} = n/a`;
    lines.push(
      `  ${model} b${batch}: ${ratio('resident', 'roundtrip')}, ${ratio('captured', 'roundtrip')}, ${ratio('captured', 'resident')}`,
    );
  }
  return lines;
}
