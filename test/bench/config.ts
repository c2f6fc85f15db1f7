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

/**
 * Paired comparisons (browser against native, a variant against stock options) alternate between
 * the two sides in this many rounds; each side's time budget is split across them, and the ratio
 * is the median over rounds of the per-round ratio, so load that comes and goes hits both alike.
 */
export function pairedRounds(quick: boolean): number {
  return quick ? 3 : 4;
}

/** One side's budget in one of `rounds` paired rounds: a share of budgetFor, at least 2 runs. */
export function roundBudget(batch: number, quick: boolean, rounds: number): TimingBudget {
  const whole = budgetFor(batch, quick);
  return {
    warmup: 1,
    minRuns: Math.max(2, Math.ceil(whole.minRuns / rounds) + 1),
    maxRuns: Math.ceil(whole.maxRuns / rounds),
    // Twice the single-cell budget in all: one round is too short to see load come and go.
    budgetMs: (2 * whole.budgetMs) / rounds,
  };
}

/**
 * How long a fresh page runs the model at batch 1 before it is timed: V8 has to tier the WASM code
 * up, which takes 2–5 s on an idle machine and half a minute or more under load (the compiles run
 * on the renderer's ThreadPool threads and compete with the page's own WASM threads, which spin).
 * The page runs one-second windows, each followed by a `pauseMs` rest that leaves the compiles a
 * core, and stops once the last `flatWindows` windows are no faster (by `tolerance`) than the best
 * window before them and — where /proc shows them (Linux) — the renderer's ThreadPool threads used
 * under `quietCompileMs` of CPU in each of those windows; not before `minMs`, not after `maxMs`.
 */
export interface WarmPlan {
  minMs: number;
  maxMs: number;
  windowMs: number;
  pauseMs: number;
  flatWindows: number;
  tolerance: number;
  quietCompileMs: number;
}

export function warmPlan(quick: boolean): WarmPlan {
  const common = { windowMs: 1000, pauseMs: 200, tolerance: 0.03, quietCompileMs: 30 };
  return quick
    ? { ...common, minMs: 5000, maxMs: 40_000, flatWindows: 3 }
    : { ...common, minMs: 8000, maxMs: 90_000, flatWindows: 4 };
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

/**
 * Spinning off, as onnxruntime reads it: `extra` is flattened with dots into session config keys,
 * here "session.intra_op.allow_spinning". (The WASM build runs every session on one global thread
 * pool made at start-up, so this key only reaches per-session pools: onnxruntime-node's, not the
 * browser's. Measured: the same CPU time per call on WASM with or without it.)
 */
const spinOff = { extra: { session: { intra_op: { allow_spinning: '0' } } } };

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
    what: 'graphOptimizationLevel "extended" (no NCHWc layout transform; WASM has none to make)',
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
    // onnxruntime-web turns both off unless asked (session-options.ts passes !!option);
    // onnxruntime-node leaves both on, so there this would be the stock session.
    id: 'mem-pattern',
    what: "enableMemPattern true, enableCpuMemArena true (onnxruntime-node's defaults; off on web)",
    options: { enableMemPattern: true, enableCpuMemArena: true },
  },
  {
    id: 'fp16-weights',
    what: 'float16 weights cast to float32 on load',
    fp16: true,
    options: {},
    native: true,
  },
  {
    id: 'xnnpack',
    what: 'executionProviders ["xnnpack"] (not in onnxruntime-web 1.30\'s bundles)',
    options: { executionProviders: ['xnnpack'] },
  },
];

/** Batches the variant sweep runs at (the stock options run at every batch). */
export const sweepBatches: readonly number[] = [1, 16];
