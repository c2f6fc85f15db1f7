/**
 * Section 1, the model alone: onnxruntime-node (1 and 2 threads) against onnxruntime-web WASM in
 * Chromium (1 and 2 threads, cross-origin isolated) on both of its builds — the plain one
 * (`onnxruntime-web/wasm`, what the app's WASM path uses) and the JSEP one (the package's default
 * bundle, which the app keeps for WebGPU) — WebGPU where an adapter exists, and a sweep of
 * session-option variants. Stock options are timed in interleaved rounds (native, browser, native,
 * browser …) so that a background load hits every side alike.
 */
import { budgetFor, sweepBatches, variants, type Scope, type Variant } from './config';
import type { Backend } from './backend';
import type { BenchModel } from './models';
import { summarize, type Summary } from './stats';

export interface Cell {
  model: string;
  backend: string;
  threads: number;
  variant: string;
  batch: number;
  summary?: Summary;
  createMs?: number;
  times?: number[];
  /** Why there is no figure. */
  na?: string;
}

export interface Backends {
  native: Backend[];
  wasm: Backend[];
  jsep: Backend[];
  webgpu: Backend | null;
  webgpuNa: string;
}

const log = (msg: string): void => console.log(`  ${msg}`);

/** Stock options at every batch, `rounds` interleaved rounds over all native and WASM backends. */
async function stockCells(model: BenchModel, backends: Backend[], scope: Scope): Promise<Cell[]> {
  const { quick, batches } = scope;
  const rounds = 2;
  const created = new Map<string, number>();
  for (const b of backends) created.set(b.label, (await b.create('default', model.onnx, {})).createMs);
  const cells: Cell[] = [];
  for (const batch of batches) {
    const samples = new Map<string, number[]>(backends.map((b) => [b.label, []]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? backends : [...backends].reverse();
      for (const b of order) {
        const budget = budgetFor(batch, quick);
        const { times } = await b.time('default', batch, {
          ...budget,
          minRuns: Math.ceil(budget.minRuns / rounds),
          budgetMs: budget.budgetMs / rounds,
        });
        samples.get(b.label)?.push(...times);
      }
    }
    for (const b of backends) {
      const times = samples.get(b.label) ?? [];
      const cell = {
        model: model.id,
        backend: b.label,
        threads: b.threads,
        variant: 'default',
        batch,
        summary: summarize(times),
        createMs: created.get(b.label),
        times,
      };
      log(
        `${b.label.padEnd(8)} b${String(batch).padEnd(3)} default      ${cell.summary.medianMs.toFixed(2)} ms`,
      );
      cells.push(cell);
    }
  }
  for (const b of backends) await b.release('default');
  return cells;
}

function applies(variant: Variant, backend: Backend, model: BenchModel, isBrowser: boolean): string | null {
  if (variant.minThreads !== undefined && backend.threads < variant.minThreads) return 'needs 2 threads';
  if (variant.fp16 && model.fp16 === null) return 'no float16 copy (python3-onnx missing?)';
  if (!isBrowser && variant.native !== true) return 'browser only';
  return null;
}

/** One variant on one backend at one batch; errors become "n/a (message)". */
async function variantCell(
  model: BenchModel,
  backend: Backend,
  variant: Variant,
  batch: number,
  quick: boolean,
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
    const { times } = await backend.time(key, batch, budgetFor(batch, quick));
    await backend.release(key);
    const summary = summarize(times);
    log(
      `${label.padEnd(8)} b${String(batch).padEnd(3)} ${variant.id.padEnd(12)} ${summary.medianMs.toFixed(2)} ms`,
    );
    return { ...base, summary, createMs, times };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(
      `${label.padEnd(8)} b${String(batch).padEnd(3)} ${variant.id.padEnd(12)} n/a: ${message.split('\n')[0]}`,
    );
    return { ...base, na: message.split('\n')[0].slice(0, 200) };
  }
}

/** The variant sweep at `sweepBatches` (those of the run's batches) on every backend it applies to. */
async function sweepCells(model: BenchModel, all: Backends, scope: Scope): Promise<Cell[]> {
  const cells: Cell[] = [];
  const browser = new Set<Backend>(all.wasm);
  const at = sweepBatches.filter((b) => scope.batches.includes(b));
  for (const variant of variants.filter((v) => v.id !== 'default')) {
    for (const backend of [...all.wasm, ...all.native]) {
      const skip = applies(variant, backend, model, browser.has(backend));
      if (skip !== null) continue;
      for (const batch of at) cells.push(await variantCell(model, backend, variant, batch, scope.quick));
    }
  }
  return cells;
}

/** WebGPU (SwiftShader here): batch 1 first; larger batches only when batch 1 is under 2 s. */
async function webgpuCells(model: BenchModel, all: Backends, batches: readonly number[]): Promise<Cell[]> {
  const base = { model: model.id, backend: 'webgpu', threads: 0, variant: 'default' };
  if (all.webgpu === null) return batches.map((batch) => ({ ...base, batch, na: all.webgpuNa }));
  const gpu = all.webgpu;
  const cells: Cell[] = [];
  try {
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
      log(`webgpu   b${String(batch).padEnd(3)} default      ${summary.medianMs.toFixed(2)} ms`);
      cells.push({ ...base, batch, summary, createMs, times });
    }
    await gpu.release('default');
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    for (const batch of batches.filter((b) => !cells.some((c) => c.batch === b)))
      cells.push({ ...base, batch, na: message });
  }
  return cells;
}

export async function modelAlone(model: BenchModel, all: Backends, scope: Scope): Promise<Cell[]> {
  console.log(`model alone: ${model.id} (${model.source})`);
  const stock = await stockCells(model, [...all.native, ...all.wasm, ...all.jsep], scope);
  const sweep = scope.sweep ? await sweepCells(model, all, scope) : [];
  const gpu = await webgpuCells(model, all, scope.batches);
  return [...stock, ...sweep, ...gpu];
}
