/**
 * The forward process (issue 12) on the GPU-resident path against the CPU path: the tiny ONNX
 * fixture on WebGPU (SwiftShader in CI) and on WASM, x_t and x̂₀(x_t) at several t from the same
 * clean data and seed, then "Reverse from here" stepping on from that x_t. Same numbers within 1e-4.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedModel } from '../../src/engine/model';
import { loadModel } from '../../src/engine/model';
import type { FrameEvent } from '../../src/engine/protocol';
import { WorkerTrajectory } from '../../src/engine/worker-trajectory';
import { runSettings } from '../helpers/start-request';

const FIXTURES = new URL('/test/fixtures/', location.href).href;
const TOLERANCE = 1e-4;

let gpu: LoadedModel;
let cpu: LoadedModel;

beforeAll(async () => {
  if (!navigator.gpu) {
    throw new Error('navigator.gpu is missing: these tests need WebGPU (SwiftShader will do).');
  }
  cpu = await loadModel('tiny', FIXTURES, 'wasm', () => undefined);
  gpu = await loadModel('tiny', FIXTURES, 'webgpu', () => undefined);
}, 120_000);

afterAll(async () => {
  await gpu?.release();
  await cpu?.release();
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let e = 0; e < a.length; e++)
    worst = Math.max(worst, Math.abs(a[e] - b[e]) / Math.max(1, Math.abs(b[e])));
  return worst;
}

/** Forward frames at each t, then Reverse from the last one and three steps: all frames. */
async function forwardThenReverse(model: LoadedModel, residency: 'gpu' | 'cpu'): Promise<FrameEvent[]> {
  const s = runSettings({ sampler: 'euler_maruyama', steps: 10, seed: 5, batch: 3, residency });
  const trajectory = WorkerTrajectory.create(model, s);
  const dim = model.card.shape.reduce((a, b) => a * b, 1);
  const x0 = Float32Array.from({ length: 3 * dim }, (_, e) => Math.sin(e * 0.7));
  try {
    const frames: FrameEvent[] = [];
    for (const t of [0, 0.3, 0.6, 1, 0.5]) {
      await trajectory.showForward(x0, t);
      frames.push((await trajectory.frame(1, { arrays: true })).frame);
    }
    trajectory.reverseFromForward();
    frames.push((await trajectory.frame(1)).frame);
    for (let k = 0; k < 3; k++) {
      await trajectory.step();
      frames.push((await trajectory.frame(1)).frame);
    }
    return frames;
  } finally {
    trajectory.destroy();
  }
}

describe('forward process, GPU-resident vs CPU', () => {
  it('x_t, x̂₀(x_t) and the reverse steps from there agree', async () => {
    const onGpu = await forwardThenReverse(gpu, 'gpu');
    const onCpu = await forwardThenReverse(cpu, 'cpu');
    expect(onGpu.every((f) => f.onGpu)).toBe(true);
    expect(onCpu.some((f) => f.onGpu)).toBe(false);
    expect(onGpu.length).toBe(onCpu.length);
    for (let k = 0; k < onGpu.length; k++) {
      expect(onGpu[k].sigma).toBeCloseTo(onCpu[k].sigma, 6);
      expect(maxAbsDiff(onGpu[k].x, onCpu[k].x), `frame ${k} x`).toBeLessThan(TOLERANCE);
      expect(maxAbsDiff(onGpu[k].denoised, onCpu[k].denoised), `frame ${k} x̂₀`).toBeLessThan(TOLERANCE);
    }
    // The reverse run starts at the forward t = 0.5 and steps on down from its σ.
    expect(onCpu[5].i).toBe(0);
    expect(onCpu[5].sigma).toBeCloseTo(onCpu[4].sigma, 9);
    expect(onCpu[8].sigma).toBeLessThan(onCpu[5].sigma);
  }, 120_000);
});
