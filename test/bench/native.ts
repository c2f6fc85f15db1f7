/** The onnxruntime-node backend: the native CPU reference the browser is compared against. */
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';
import type { SessionOptions, TimingBudget } from './config';
import { benchInput, sampleShapeOf, type Backend, type TimedRuns } from './backend';

type Session = ort.InferenceSession;

function feedsFor(session: Session, batch: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  const shape = sampleShapeOf(session.inputMetadata);
  const count = batch * shape.reduce((a, b) => a * b, 1);
  for (const name of session.inputNames) {
    if (name === 'x') feeds.x = new ort.Tensor('float32', benchInput(count), [batch, ...shape]);
    else if (name === 't') feeds.t = new ort.Tensor('float32', new Float32Array(batch).fill(0.5), [batch]);
    else if (name === 'y') feeds.y = new ort.Tensor('int64', new BigInt64Array(batch).fill(3n), [batch]);
    else throw new Error(`unexpected model input "${name}" (expected x, t, y)`);
  }
  return feeds;
}

async function runOnce(session: Session, batch: number): Promise<number> {
  const start = performance.now();
  const outputs = await session.run(feedsFor(session, batch));
  const eps = outputs[session.outputNames[0]];
  const data = eps.data as Float32Array;
  const elapsed = performance.now() - start;
  const expected = batch * sampleShapeOf(session.inputMetadata).reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new Error(`output has ${data.length} values, expected ${expected}`);
  return elapsed;
}

/** onnxruntime-node with `threads` intra-op threads (inter-op 1, sequential execution). */
export function nativeBackend(threads: number): Backend {
  const sessions = new Map<string, Session>();
  return {
    label: `native${threads}`,
    threads,
    async create(key: string, modelPath: string, options: SessionOptions) {
      const start = performance.now();
      const session = await ort.InferenceSession.create(modelPath, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        ...(options as ort.InferenceSession.SessionOptions),
      });
      sessions.set(key, session);
      return { createMs: performance.now() - start };
    },
    async time(key: string, batch: number, budget: TimingBudget): Promise<TimedRuns> {
      const session = sessions.get(key);
      if (!session) throw new Error(`no session "${key}"`);
      for (let i = 0; i < budget.warmup; i++) await runOnce(session, batch);
      const times: number[] = [];
      const start = performance.now();
      while (
        times.length < budget.maxRuns &&
        (times.length < budget.minRuns || performance.now() - start < budget.budgetMs)
      ) {
        times.push(await runOnce(session, batch));
      }
      return { times };
    },
    async release(key: string) {
      await sessions.get(key)?.release();
      sessions.delete(key);
    },
  };
}
