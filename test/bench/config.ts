/** What the benchmark measures and how long it may spend on each measurement. */

/** Batches timed by default (`--batches=1,16` narrows a run). */
export const batches: readonly number[] = [1, 16, 64];

/** What one run covers, from the command line (see run.ts). */
export interface Scope {
  quick: boolean;
  /** Batches to time, a subset of `batches` in practice. */
  batches: readonly number[];
  /** Run the session-option sweep (`--skip-sweep` turns it off). */
  sweep: boolean;
}

export { chromiumArgs, chromiumPath } from '../chromium';

/** How one cell (backend × variant × threads × batch) is timed: warm-up runs, then a time budget. */
export interface TimingBudget {
  warmup: number;
  minRuns: number;
  maxRuns: number;
  budgetMs: number;
}

export function budgetFor(batch: number, quick: boolean): TimingBudget {
  const scale = quick ? 0.4 : 1;
  return {
    warmup: 2,
    minRuns: quick ? 3 : 5,
    maxRuns: 60,
    budgetMs: (batch === 1 ? 600 : 1200) * scale,
  };
}

/** ORT session options as plain data (the subset both onnxruntime-node and -web understand). */
export type SessionOptions = Record<string, unknown>;

/** A way to build a session that may change its speed; measured against `default`. */
export interface Variant {
  id: string;
  /** What it changes, for the report. */
  what: string;
  /** Uses the float16-weights copy of the model. */
  fp16?: boolean;
  /** Pins the batch dimension N to the batch being timed (freeDimensionOverrides). */
  staticBatch?: boolean;
  options: SessionOptions;
  /** Only meaningful with this many threads or more. */
  minThreads?: number;
  /** Also time it on onnxruntime-node (to see whether native gains from it too). */
  native?: boolean;
}

const spinOff = { extra: { session: { 'session.intra_op.allow_spinning': '0' } } };

/** Session-option variants swept for WASM (and, where they apply, native for comparison). */
export const variants: readonly Variant[] = [
  { id: 'default', what: 'stock options (graph optimisation "all")', options: {} },
  {
    id: 'static-batch',
    what: 'freeDimensionOverrides {N: batch}',
    staticBatch: true,
    options: {},
    native: true,
  },
  {
    id: 'opt-extended',
    what: 'graphOptimizationLevel "extended" (no NCHWc layout transform)',
    options: { graphOptimizationLevel: 'extended' },
    native: true,
  },
  { id: 'opt-basic', what: 'graphOptimizationLevel "basic"', options: { graphOptimizationLevel: 'basic' } },
  {
    id: 'opt-disabled',
    what: 'graphOptimizationLevel "disabled"',
    options: { graphOptimizationLevel: 'disabled' },
  },
  {
    id: 'no-spin',
    what: 'session.intra_op.allow_spinning = 0',
    options: spinOff,
    minThreads: 2,
    native: true,
  },
  {
    id: 'no-mem-pattern',
    what: 'enableMemPattern false, enableCpuMemArena false',
    options: { enableMemPattern: false, enableCpuMemArena: false },
  },
  {
    id: 'fp16-weights',
    what: 'float16 weights cast to float32 on load',
    fp16: true,
    options: {},
    native: true,
  },
  { id: 'xnnpack', what: 'executionProviders ["xnnpack"]', options: { executionProviders: ['xnnpack'] } },
];

/** Batches the variant sweep runs at (the stock options run at every batch). */
export const sweepBatches: readonly number[] = [1, 16];
