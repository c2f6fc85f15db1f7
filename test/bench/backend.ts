/** One interface over the runtimes being compared: onnxruntime-node and onnxruntime-web in a page. */
import type { SessionOptions, TimingBudget } from './config';

export interface TimedRuns {
  times: number[];
}

export interface Backend {
  /** e.g. "native2", "wasm1", "webgpu". */
  readonly label: string;
  readonly threads: number;
  /** Creates a session under `key`; returns how long creation took. */
  create(key: string, modelPath: string, options: SessionOptions): Promise<{ createMs: number }>;
  time(key: string, batch: number, budget: TimingBudget): Promise<TimedRuns>;
  release(key: string): Promise<void>;
}

/** Deterministic x in [-1, 1] (an LCG: benchmarks need values, not randomness), `count` values. */
export function benchInput(count: number): Float32Array {
  const data = new Float32Array(count);
  let state = 12345;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    data[i] = state / 2147483648 - 1;
  }
  return data;
}

/** Input metadata as onnxruntime reports it: a dimension is a number, or a name when symbolic. */
export interface InputMeta {
  readonly name: string;
  readonly shape?: ReadonlyArray<number | string>;
}

/**
 * One sample's shape [C, H, W] from the model's own input "x" (shape [N, C, H, W], N symbolic):
 * the shipped models differ (MNIST 1×28×28, emoji 3×32×32), so the input is sized per model.
 */
export function sampleShapeOf(inputs: readonly InputMeta[]): number[] {
  const x = inputs.find((m) => m.name === 'x');
  const dims = x?.shape?.slice(1) ?? [];
  if (dims.length === 0 || dims.some((d) => typeof d !== 'number' || d <= 0))
    throw new Error(
      `the model's input "x" has shape [${(x?.shape ?? []).join(', ')}], not [N, C, H, W] with fixed C, H, W`,
    );
  return dims as number[];
}
