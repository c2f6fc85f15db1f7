/**
 * The GPU-resident trajectory against the CPU path: the tiny ONNX fixture loaded by the engine's
 * own loader on WebGPU (SwiftShader in CI; x̃, x̂₀ and history stay in GPU buffers, sampler
 * arithmetic and noise in WGSL) and on WASM (Float32Arrays, the fallback and the reference). For
 * every sampler, ten steps with a live swap to another sampler after the fifth must give the same
 * frames within 1e-4, with classifier-free guidance (a doubled network batch) and without.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplerIds } from '../../src/core/samplers/registry';
import type { LoadedModel } from '../../src/engine/model';
import { loadModel } from '../../src/engine/model';
import type { FrameEvent, RunSettings } from '../../src/engine/protocol';
import { WorkerTrajectory } from '../../src/engine/worker-trajectory';
import { runSettings } from '../helpers/start-request';

const FIXTURES = new URL('/test/fixtures/', location.href).href;
const TOLERANCE = 1e-4;
const STEPS = 10;
const SWAP_AFTER = 5;

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

/** Ten steps of `sampler`, batch 3, with guidance (a doubled network batch). */
const settings = (sampler: string, overrides: Partial<RunSettings> = {}) =>
  runSettings({ sampler, steps: STEPS, seed: 11, batch: 3, guidance: 2, ...overrides });

/** max |a − b| / max(1, |b|): absolute for values of order one, relative for large ones. */
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let e = 0; e < a.length; e++)
    worst = Math.max(worst, Math.abs(a[e] - b[e]) / Math.max(1, Math.abs(b[e])));
  return worst;
}

/** Frames 0…STEPS of one trajectory, swapping to `swapTo` after SWAP_AFTER steps. */
async function play(model: LoadedModel, s: RunSettings, swapTo: string): Promise<FrameEvent[]> {
  const trajectory = WorkerTrajectory.create(model, s);
  try {
    const frames = [(await trajectory.frame(1)).frame];
    for (let k = 1; k <= STEPS; k++) {
      if (k === SWAP_AFTER + 1) trajectory.setSampler(swapTo, {});
      await trajectory.step();
      const { frame, finite } = await trajectory.frame(1);
      expect(finite).toBe(true);
      frames.push(frame);
    }
    return frames;
  } finally {
    trajectory.destroy();
  }
}

async function compare(
  s: RunSettings,
  swapTo: string,
  reference: 'webgpu' | 'wasm' = 'webgpu',
  tolerance = TOLERANCE,
): Promise<void> {
  const onGpu = await play(gpu, { ...s, residency: 'gpu' }, swapTo);
  const onCpu = await play(reference === 'wasm' ? cpu : gpu, { ...s, residency: 'cpu' }, swapTo);
  expect(onGpu.every((f) => f.onGpu)).toBe(true);
  expect(onCpu.some((f) => f.onGpu)).toBe(false);
  // RK45 picks its own step sizes from an error norm that is accumulated in float32 on the GPU, so
  // its frames can sit at slightly different σ (relative 1e-6): compare them along the curve, moving
  // the CPU frame to the GPU frame's σ with the slope between the CPU's last two frames.
  const worst = onGpu.map((f, k) =>
    Math.max(maxAbsDiff(f.x, onCpu[k].x), maxAbsDiff(f.denoised, onCpu[k].denoised)),
  );
  for (let k = 0; k <= STEPS; k++) {
    expect(onGpu[k].i).toBe(onCpu[k].i);
    expect(onGpu[k].nfe).toBe(onCpu[k].nfe);
    // RK45 chooses its steps from an error norm, which the GPU reduces in float32.
    expect(Math.abs(onGpu[k].sigma - onCpu[k].sigma)).toBeLessThanOrEqual(1e-6 * onCpu[k].sigma);
  }
  expect(
    Math.max(...worst),
    `${s.sampler} → ${swapTo}: max |GPU − CPU| per frame ${worst.map((w) => w.toExponential(1)).join(' ')}`,
  ).toBeLessThanOrEqual(tolerance);
  // The Update rule's numbers: the same lines with the same coefficients on both paths (the
  // corrector's ε comes from norms the GPU reduces in float32, RK45's h from its error norm).
  for (let k = 0; k <= STEPS; k++) {
    const [g, c] = [onGpu[k].trace, onCpu[k].trace];
    expect(g === null, `frame ${k}`).toBe(c === null);
    if (g === null || c === null) continue;
    expect(g.lines.map((l) => [l.name, l.terms.map((t) => t.symbol)])).toEqual(
      c.lines.map((l) => [l.name, l.terms.map((t) => t.symbol)]),
    );
    g.lines.forEach((line, j) =>
      line.terms.forEach((term, n) => {
        const [a, b] = [term.coef, c.lines[j].terms[n].coef].map((v) => (typeof v === 'number' ? [v] : v));
        expect(a.length).toBe(b.length);
        a.forEach((v, q) =>
          expect(Math.abs(v - b[q])).toBeLessThanOrEqual(1e-4 * Math.max(1e-12, Math.abs(b[q]))),
        );
      }),
    );
  }
  console.log(
    `${s.sampler} → ${swapTo} vs ${reference}: max rel. diff ${Math.max(...worst).toExponential(2)}`,
  );
}

describe('GPU-resident trajectory = CPU trajectory', () => {
  it('loads the network with a GPU-resident path on WebGPU and none on WASM', () => {
    expect(gpu.backend.ep).toBe('webgpu');
    expect(gpu.gpu).not.toBeNull();
    expect(cpu.gpu).toBeNull();
  });

  samplerIds.forEach((sampler, j) => {
    const swapTo = samplerIds[(j + 1) % samplerIds.length];
    it(`${sampler} then ${swapTo}, guided (w = 2)`, async () => {
      await compare(settings(sampler), swapTo);
    });
  });

  it('unconditional, on the VE process with a Karras grid', async () => {
    await compare(
      settings('euler_maruyama', { classLabel: null, sde: { kind: 've' }, schedule: 'karras' }),
      'ode_heun',
    );
  });

  it("agrees with the WASM network too, up to the backends' float32 differences (1e-3)", async () => {
    // Both the network (WebGPU vs WASM kernels, ~1e-5 per call) and the path differ here; w = 2
    // triples the network's share of x̂₀, and ten steps accumulate it.
    await compare(settings('euler_maruyama'), 'dpmpp_2m', 'wasm', 1e-3);
  });

  it('runs a 2D points network at batch sizes whose vectors are not a multiple of 16 bytes', async () => {
    const models = new URL('/models/', location.href).href;
    const toy = await loadModel('toy_two_moons', models, 'webgpu', () => undefined);
    try {
      for (const batch of [1, 3]) {
        const s = settings('euler_maruyama', { model: 'toy_two_moons', classLabel: null, batch });
        const resident = await play(toy, { ...s, residency: 'gpu' }, 'ode_heun');
        const roundTrip = await play(toy, { ...s, residency: 'cpu' }, 'ode_heun');
        expect(resident.every((f) => f.onGpu && f.x.length === 2 * batch)).toBe(true);
        for (let k = 0; k <= STEPS; k++) {
          expect(maxAbsDiff(resident[k].x, roundTrip[k].x)).toBeLessThanOrEqual(TOLERANCE);
        }
      }
    } finally {
      await toy.release();
    }
  });

  it('replays the network through graph capture with the same frames as operator by operator', async () => {
    const s = settings('ode_heun', { batch: 2 });
    const captured = await play(gpu, { ...s, graphCapture: true }, 'ancestral');
    const uncaptured = await play(gpu, { ...s, graphCapture: false }, 'ancestral');
    for (let k = 0; k <= STEPS; k++) {
      expect(maxAbsDiff(captured[k].x, uncaptured[k].x)).toBeLessThanOrEqual(1e-6);
      expect(maxAbsDiff(captured[k].denoised, uncaptured[k].denoised)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('residency "cpu" on WebGPU keeps the CPU path and gives the same frames', async () => {
    const s = settings('pc');
    const roundTrip = await play(gpu, { ...s, residency: 'cpu' }, 'ddim');
    const resident = await play(gpu, s, 'ddim');
    expect(roundTrip.some((f) => f.onGpu)).toBe(false);
    for (let k = 0; k <= STEPS; k++) {
      expect(maxAbsDiff(roundTrip[k].x, resident[k].x)).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});
