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

/** Deterministic x in [-1, 1] (an LCG: benchmarks need values, not randomness). */
export function benchInput(batch: number): Float32Array {
  const data = new Float32Array(batch * 784);
  let state = 12345;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    data[i] = state / 2147483648 - 1;
  }
  return data;
}
