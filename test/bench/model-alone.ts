/**
 * Section 1, the model alone: onnxruntime-node (1 and 2 threads) against onnxruntime-web WASM in
 * Chromium (1 and 2 threads, cross-origin isolated) on both of its builds — the plain one
 * (`onnxruntime-web/wasm`, what the app's WASM path uses) and the JSEP one (the package's default
 * bundle, which the app keeps for WebGPU) — WebGPU where an adapter exists, and a sweep of
 * session-option variants.
 *
 * One browser backend is alive at a time (browser-side.ts). While it is, it is timed in paired
 * rounds against onnxruntime-node at the same thread count (native, browser, browser, native, …),
 * and each session variant against the same page's stock session; a ratio is the median over
 * rounds of the per-round ratio, so load that comes and goes (two cores, shared) hits both sides of
 * it alike. Native variants are paired with native stock the same way, with no browser open.
 */
import { loadavg } from 'node:os';
import { pairedRounds, roundBudget, sweepBatches, variants, type Scope, type Variant } from './config';
import type { Backend } from './backend';
import { wasmPages, type BrowserSide } from './browser-side';
import type { BenchModel } from './models';
import { nativeBackend } from './native';
import { median, summarize, type Summary } from './stats';

/** A ratio measured in paired rounds: speed of this cell relative to `against` (above 1: faster). */
export interface Paired {
  /** "native1" for a stock browser cell, "default" (same backend, stock options) for a variant. */
  against: string;
  /** Median over rounds of time(against) / time(this). */
  ratio: number;
  /** Each round's ratio. */
  rounds: number[];
  /** Median ms per call of `against` over the same rounds. */
  againstMs: number;
}

export interface Cell {
  model: string;
  backend: string;
  threads: number;
  variant: string;
  batch: number;
  summary?: Summary;
  createMs?: number;
  times?: number[];
  paired?: Paired;
  /**
   * Stock browser cells at the first batch, when a sweep ran on the page: the same pairing again
   * after the sweep (a different figure means the page was still tiering up, or the load changed).
   */
  recheck?: Paired;
  /** 1-, 5- and 15-minute load averages when the cell was finished (two cores, shared). */
  load?: number[];
  /** Why there is no figure. */
  na?: string;
}

const log = (msg: string): void => console.log(`  ${msg}`);
const loadNow = (): number[] => loadavg().map((l) => Math.round(l * 100) / 100);
const loadText = (load: number[]): string => `load ${load.map((l) => l.toFixed(1)).join(' ')}`;

interface Side {
  backend: Backend;
  key: string;
}

/**
 * `rounds` rounds of a then b (b then a on odd rounds), each timing one share of the budget; returns
 * each side's times per round.
 */
async function pairedTimes(
  a: Side,
  b: Side,
  batch: number,
  scope: Scope,
): Promise<{ a: number[][]; b: number[][] }> {
  const rounds = pairedRounds(scope.quick);
  const budget = roundBudget(batch, scope.quick, rounds);
  const out = { a: [] as number[][], b: [] as number[][] };
  for (let round = 0; round < rounds; round++) {
    const order: ['a' | 'b', Side][] =
      round % 2 === 0
        ? [
            ['a', a],
            ['b', b],
          ]
        : [
            ['b', b],
            ['a', a],
          ];
    for (const [which, side] of order) {
      out[which].push((await side.backend.time(side.key, batch, budget)).times);
    }
  }
  return out;
}

/** Speed of `mine` relative to `against`, per round and overall (median of the rounds). */
function pairedRatio(againstName: string, against: number[][], mine: number[][]): Paired {
  const rounds = mine.map((times, i) => median(against[i]) / median(times));
  return { against: againstName, ratio: median(rounds), rounds, againstMs: median(against.flat()) };
}

const fmtRounds = (p: Paired): string =>
  `${p.ratio.toFixed(2)} (rounds ${p.rounds.map((r) => r.toFixed(2)).join(' ')})`;

/** Native stock sessions, one per thread count, shared by every pairing. */
interface Natives {
  byThreads: Map<number, Backend>;
  /** Stock native times gathered in every pairing, per "threads:batch". */
  pooled: Map<string, number[]>;
  created: Map<number, number>;
}

async function makeNatives(model: BenchModel): Promise<Natives> {
  const byThreads = new Map<number, Backend>();
  const created = new Map<number, number>();
  for (const threads of [1, 2]) {
    const backend = nativeBackend(threads);
    created.set(threads, (await backend.create('default', model.onnx, {})).createMs);
    byThreads.set(threads, backend);
  }
  return { byThreads, pooled: new Map(), created };
}

/** Stock options on one browser backend at every batch, paired with native at its thread count. */
async function stockCells(model: BenchModel, page: Backend, natives: Natives, scope: Scope): Promise<Cell[]> {
  const native = natives.byThreads.get(page.threads);
  if (native === undefined) throw new Error(`no native backend with ${page.threads} threads`);
  const { createMs } = await page.create('default', model.onnx, {});
  const cells: Cell[] = [];
  for (const batch of scope.batches) {
    const { a, b } = await pairedTimes(
      { backend: native, key: 'default' },
      { backend: page, key: 'default' },
      batch,
      scope,
    );
    const poolKey = `${page.threads}:${batch}`;
    natives.pooled.set(poolKey, [...(natives.pooled.get(poolKey) ?? []), ...a.flat()]);
    const times = b.flat();
    const paired = pairedRatio(native.label, a, b);
    const cell: Cell = {
      model: model.id,
      backend: page.label,
      threads: page.threads,
      variant: 'default',
      batch,
      summary: summarize(times),
      createMs,
      times,
      paired,
      load: loadNow(),
    };
    log(
      `${page.label.padEnd(8)} b${String(batch).padEnd(3)} default      ${median(times).toFixed(2)} ms; ` +
        `${native.label} ${paired.againstMs.toFixed(2)} ms; ${page.label}/${native.label} ${fmtRounds(paired)}; ${loadText(cell.load ?? [])}`,
    );
    cells.push(cell);
  }
  return cells;
}

/** Pairs the page's stock session with native again at `cell`'s batch and records it on the cell. */
async function recheck(cell: Cell, page: Backend, natives: Natives, scope: Scope): Promise<void> {
  const native = natives.byThreads.get(page.threads);
  if (native === undefined) return;
  const { a, b } = await pairedTimes(
    { backend: native, key: 'default' },
    { backend: page, key: 'default' },
    cell.batch,
    scope,
  );
  cell.recheck = pairedRatio(native.label, a, b);
  log(
    `${page.label.padEnd(8)} b${String(cell.batch).padEnd(3)} default      re-checked after the sweep: ` +
      `${median(b.flat()).toFixed(2)} ms; ${native.label} ${cell.recheck.againstMs.toFixed(2)} ms; ` +
      `${page.label}/${native.label} ${fmtRounds(cell.recheck)}; ${loadText(loadNow())}`,
  );
}

function applies(variant: Variant, backend: Backend, model: BenchModel, isBrowser: boolean): string | null {
  if (variant.minThreads !== undefined && backend.threads < variant.minThreads) return 'needs 2 threads';
  if (variant.fp16 && model.fp16 === null) return 'no float16 copy (python3-onnx missing?)';
  if (!isBrowser && variant.native !== true) return 'browser only';
  return null;
}

/**
 * One variant on one backend at one batch, paired with the same backend's stock session ('default',
 * which must exist); errors become "n/a (message)".
 */
async function variantCell(
  model: BenchModel,
  backend: Backend,
  variant: Variant,
  batch: number,
  scope: Scope,
): Promise<Cell> {
  const label = backend.label;
  const base = { model: model.id, backend: label, threads: backend.threads, variant: variant.id, batch };
  const options = variant.staticBatch
    ? { ...variant.options, freeDimensionOverrides: { N: batch } }
    : variant.options;
  const key = `${variant.id}-${batch}`;
  try {
    const { createMs } = await backend.create(
      key,
      variant.fp16 ? (model.fp16 as string) : model.onnx,
      options,
    );
    try {
      // A variant may run kernels the stock session never did: let V8 tier those up first.
      await backend.time(key, batch, {
        warmup: 0,
        minRuns: 2,
        maxRuns: 30,
        budgetMs: scope.quick ? 500 : 1000,
      });
      const { a, b } = await pairedTimes({ backend, key: 'default' }, { backend, key }, batch, scope);
      const times = b.flat();
      const paired = pairedRatio('default', a, b);
      const load = loadNow();
      log(
        `${label.padEnd(8)} b${String(batch).padEnd(3)} ${variant.id.padEnd(12)} ${median(times).toFixed(2)} ms; ` +
          `stock ${paired.againstMs.toFixed(2)} ms; ×${fmtRounds(paired)} vs stock; ${loadText(load)}`,
      );
      return { ...base, summary: summarize(times), createMs, times, paired, load };
    } finally {
      await backend.release(key);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(
      `${label.padEnd(8)} b${String(batch).padEnd(3)} ${variant.id.padEnd(12)} n/a: ${message.split('\n')[0]}`,
    );
    return { ...base, na: message.split('\n')[0].slice(0, 200) };
  }
}

/** The variant sweep on one backend (its stock session open) at `sweepBatches` of the run's batches. */
async function sweepCells(
  model: BenchModel,
  backend: Backend,
  isBrowser: boolean,
  scope: Scope,
): Promise<Cell[]> {
  const cells: Cell[] = [];
  const at = sweepBatches.filter((b) => scope.batches.includes(b));
  for (const variant of variants.filter((v) => v.id !== 'default')) {
    if (applies(variant, backend, model, isBrowser) !== null) continue;
    for (const batch of at) cells.push(await variantCell(model, backend, variant, batch, scope));
  }
  return cells;
}

/** WebGPU (SwiftShader here): batch 1 first; larger batches only when batch 1 is under 2 s. */
async function webgpuCells(
  model: BenchModel,
  side: BrowserSide,
  batches: readonly number[],
): Promise<Cell[]> {
  const base = { model: model.id, backend: 'webgpu', threads: 0, variant: 'default' };
  const cells: Cell[] = [];
  try {
    await side.withPage('webgpu', 1, model.onnx, async ({ backend: gpu, info }) => {
      if (info.adapter === null) {
        for (const batch of batches) cells.push({ ...base, batch, na: 'no WebGPU adapter in this browser' });
        return;
      }
      const { createMs } = await gpu.create('default', model.onnx, {});
      let slow: number | null = null;
      for (const batch of batches) {
        if (slow !== null && slow > 2000) {
          cells.push({
            ...base,
            batch,
            na: `skipped: batch 1 takes ${(slow / 1000).toFixed(1)} s on this adapter`,
          });
          continue;
        }
        const { times } = await gpu.time('default', batch, {
          warmup: 1,
          minRuns: batch === 1 ? 3 : 1,
          maxRuns: 5,
          budgetMs: 0,
        });
        const summary = summarize(times);
        slow ??= summary.medianMs;
        const load = loadNow();
        log(
          `webgpu   b${String(batch).padEnd(3)} default      ${summary.medianMs.toFixed(2)} ms; ${loadText(load)}`,
        );
        cells.push({ ...base, batch, summary, createMs, times, load });
      }
      await gpu.release('default');
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    for (const batch of batches.filter((b) => !cells.some((c) => c.batch === b)))
      cells.push({ ...base, batch, na: message });
  }
  return cells;
}

/** Native stock cells from every pairing's native times (the table's native rows). */
function nativeStockCells(model: BenchModel, natives: Natives, batches: readonly number[]): Cell[] {
  const cells: Cell[] = [];
  for (const [threads, backend] of natives.byThreads) {
    for (const batch of batches) {
      const times = natives.pooled.get(`${threads}:${batch}`) ?? [];
      if (times.length === 0) continue;
      cells.push({
        model: model.id,
        backend: backend.label,
        threads,
        variant: 'default',
        batch,
        summary: summarize(times),
        createMs: natives.created.get(threads),
        times,
        load: loadNow(),
      });
    }
  }
  return cells;
}

export async function modelAlone(model: BenchModel, side: BrowserSide, scope: Scope): Promise<Cell[]> {
  console.log(`model alone: ${model.id} (${model.source}); one browser backend at a time`);
  const natives = await makeNatives(model);
  const browserCells: Cell[] = [];
  for (const { bundle, threads } of wasmPages) {
    const cells = await side.withPage(bundle, threads, model.onnx, async ({ backend }) => {
      const stock = await stockCells(model, backend, natives, scope);
      // The sweep runs on the app's WASM build while its page is warm, against its stock session.
      const sweep = scope.sweep && bundle === 'wasm' ? await sweepCells(model, backend, true, scope) : [];
      if (sweep.length > 0) await recheck(stock[0], backend, natives, scope);
      await backend.release('default');
      return [...stock, ...sweep];
    });
    browserCells.push(...cells);
  }
  const nativeSweep: Cell[] = [];
  if (scope.sweep) {
    for (const backend of natives.byThreads.values()) {
      nativeSweep.push(...(await sweepCells(model, backend, false, scope)));
    }
  }
  for (const backend of natives.byThreads.values()) await backend.release('default');
  const gpu = await webgpuCells(model, side, scope.batches);
  return [...nativeStockCells(model, natives, scope.batches), ...browserCells, ...nativeSweep, ...gpu];
}
