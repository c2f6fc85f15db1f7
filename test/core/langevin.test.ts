/** Langevin correctors on cases small enough to compute by hand. */
import { describe, expect, it } from 'vitest';
import { cpuField } from '../../src/core/field-cpu';
import { langevinCorrectorMove } from '../../src/core/samplers/langevin';
import { getSampler } from '../../src/core/samplers/registry';
import { makeSde } from '../../src/core/sde';
import { asSigma } from '../../src/core/types';
import { StepRecorder, tracedCtx } from '../../src/core/trace';
import type { Params, Sde, Sigma, StepCtx } from '../../src/core/types';
import { gaussianDenoiser } from './samplers-support';

/** A field and a recording update on it, as a corrector move needs. */
function recording(batch: number, dim: number) {
  const field = cpuField(batch, dim);
  const recorder = new StepRecorder(field);
  return { field, update: recorder.update.bind(recorder) };
}

/** Equal to float32 precision of the inputs (relative 1e-6). */
function expectRelative(actual: number | undefined, expected: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(1e-6 * Math.abs(expected));
}

describe('Langevin corrector move (Song et al. 2021, Alg. 4)', () => {
  const x = Float32Array.from([1, 2, 3, -1]);
  const score = Float32Array.from([-1, -2, 0.5, 0]); // ‖s₁‖ = √5, ‖s₂‖ = 0.5
  const z = Float32Array.from([0.6, 0.8, 3, 4]); // ‖z₁‖ = 1, ‖z₂‖ = 5

  it('by default takes one ε = 2α(r·mean‖z‖/mean‖s‖)² from batch-mean norms', async () => {
    const move = await langevinCorrectorMove(recording(2, 2), x, score, z, {
      snr: 0.16,
      alpha: 0.9,
      scale: 1,
    });
    const eps = 1.8 * ((0.16 * 3) / ((Math.sqrt(5) + 0.5) / 2)) ** 2; // mean ‖z‖ = 3
    expectRelative(move.stepSizes[0], eps);
    expectRelative(move.stepSizes[1], eps);
    const noise = Math.sqrt(2 * eps);
    const expected = [
      1 - eps + 0.6 * noise,
      2 - 2 * eps + 0.8 * noise,
      3 + 0.5 * eps + 3 * noise,
      -1 + 4 * noise,
    ];
    expected.forEach((v, k) => expect(move.x[k]).toBeCloseTo(v, 5));
  });

  it('with per-sample norms takes ε = 2α(r‖z‖/‖s‖)² per sample and moves x by ε·s + √(2ε)·z', async () => {
    const move = await langevinCorrectorMove(recording(2, 2), x, score, z, {
      snr: 0.16,
      alpha: 0.9,
      scale: 1,
      norm: 'sample',
    });
    // ε₁ = 1.8·(0.16/√5)² = 0.009216, ε₂ = 1.8·(0.16·5/0.5)² = 4.608
    expectRelative(move.stepSizes[0], 0.009216);
    expectRelative(move.stepSizes[1], 4.608);
    const r1 = Math.sqrt(2 * 0.009216);
    const r2 = Math.sqrt(2 * 4.608); // 3.0357…
    const expected = [1 - 0.009216 + 0.6 * r1, 2 - 0.018432 + 0.8 * r1, 3 + 2.304 + 3 * r2, -1 + 4 * r2];
    expected.forEach((v, k) => expect(move.x[k]).toBeCloseTo(v, 5));
  });

  it('reports step sizes in native units: ε = s²·ε̃', async () => {
    const move = await langevinCorrectorMove(
      recording(1, 2),
      Float32Array.from([0, 0]),
      Float32Array.from([2, 0]),
      Float32Array.from([0, 1]),
      { snr: 0.5, alpha: 1, scale: 0.1 },
    );
    // ε̃ = 2(0.5·1/2)² = 0.125; native ε = 0.01·0.125
    expectRelative(move.stepSizes[0], 0.00125);
    expect(move.x[0]).toBeCloseTo(0.25, 6);
    expect(move.x[1]).toBeCloseTo(0.5, 6);
  });
});

/** A one-point step context on N(0, 1) data, whose score at σ is −x̃/(1 + σ²), with fixed noise. */
function gaussianCtx(sde: Sde, sigmaNext: Sigma, sigmas: Sigma[], params: Params, z: Float32Array): StepCtx {
  const denoiser = gaussianDenoiser([0, 0], [1, 1]);
  return tracedCtx({
    sde,
    sigmaNext,
    sigmas,
    params,
    history: [],
    field: cpuField(z.length / 2, 2),
    denoise: (x, s) => denoiser.denoise(x, s, x.length / 2),
    noise: () => z,
    increment: () => z,
  }).ctx;
}

describe('pc corrector on a Gaussian (hand-computed score)', () => {
  it('uses α = 1 − β_i on VP and keeps native x under the "none" predictor', async () => {
    const sde = makeSde({ kind: 'vp' });
    const [sigma, sigmaNext] = [asSigma(2), asSigma(1.5)];
    const z = Float32Array.from([0.6, 0.8]);
    const x = Float32Array.from([1, -2]);
    const params = { predictor: 'none', corrector: 'langevin', snr: 0.16, correctorSteps: 1 };
    const ctx = gaussianCtx(sde, sigmaNext, [sigma, sigmaNext], params, z);
    const result = await getSampler('pc').step({ i: 0, sigma, xTilde: x }, ctx);
    const s = sde.scale(sde.timeOf(sigma));
    const sNext = sde.scale(sde.timeOf(sigmaNext));
    const alpha = (s / sNext) ** 2; // 1 − β_i with √(1 − β_i) = s(t)/s(t_next)
    const xPred = [(1 * s) / sNext, (-2 * s) / sNext]; // native x unchanged
    const scoreNative = xPred.map((v) => -v / (1 + 1.5 ** 2) / sNext);
    const epsilon = 2 * alpha * (0.16 / Math.hypot(...scoreNative)) ** 2; // ‖z‖ = 1
    expectRelative(result.info?.epsilon, epsilon);
    const expected = xPred.map(
      (v, k) => (v * sNext + epsilon * scoreNative[k] + Math.sqrt(2 * epsilon) * z[k]) / sNext,
    );
    expected.forEach((v, k) => expect(result.xTilde[k]).toBeCloseTo(v, 5));
    expect(result.nfe).toBe(1);
  });

  describe('on VE (α = 1), with score −x̃/2: ‖s₁‖ = 1, ‖s₂‖ = 0.5, ‖z₁‖ = 1, ‖z₂‖ = 2', () => {
    const sde = makeSde({ kind: 've' });
    const [sigma, sigmaNext] = [asSigma(3), asSigma(1)];
    const z = Float32Array.from([1, 0, 0, 2]);
    const x = Float32Array.from([2, 0, 0, 1]);
    const stepPc = (params: Params) =>
      getSampler('pc').step(
        { i: 0, sigma, xTilde: x },
        gaussianCtx(sde, sigmaNext, [sigma, sigmaNext], params, z),
      );

    it('uses batch-mean norms by default: ε = 2(0.2·1.5/0.75)² = 0.32 for both samples', async () => {
      const result = await stepPc({ predictor: 'none', snr: 0.2 });
      expectRelative(result.info?.epsilon, 0.32);
      expect(result.xTilde[0]).toBeCloseTo(2 - 0.32 + Math.sqrt(0.64), 5);
      expect(result.xTilde[3]).toBeCloseTo(1 - 0.16 + 2 * Math.sqrt(0.64), 5);
    });

    it('with per-sample norms reports the batch mean of ε₁ = 0.08 and ε₂ = 1.28', async () => {
      const result = await stepPc({ predictor: 'none', snr: 0.2, stepNorm: 'sample' });
      expectRelative(result.info?.epsilon, (0.08 + 1.28) / 2);
      expect(result.xTilde[0]).toBeCloseTo(2 - 0.08 + Math.sqrt(0.16), 5);
      expect(result.xTilde[3]).toBeCloseTo(1 - 0.64 + 2 * Math.sqrt(2.56), 5);
    });
  });

  it('with the ode_euler predictor and no corrector equals ode_euler', async () => {
    const sde = makeSde({ kind: 'vp' });
    const [sigma, sigmaNext] = [asSigma(4), asSigma(2)];
    const x = Float32Array.from([1, 3]);
    const ctx = gaussianCtx(
      sde,
      sigmaNext,
      [sigma, sigmaNext],
      { predictor: 'ode_euler', corrector: 'none' },
      x,
    );
    const state = { i: 0, sigma, xTilde: x };
    const composed = await getSampler('pc').step(state, ctx);
    const plain = await getSampler('ode_euler').step(state, ctx);
    expect(Array.from(composed.xTilde)).toEqual(Array.from(plain.xTilde));
    // D = x̃/17, x̃' = D + (2/4)(x̃ − D)
    expect(composed.xTilde[0]).toBeCloseTo(1 / 17 + 0.5 * (16 / 17), 6);
  });
});

describe('annealed Langevin (Song & Ermon 2019, Alg. 1)', () => {
  it('moves at σ_next with α = ε·σ_next²/σ_L², x̃ ← x̃ + (α/2)∇log p + √α z', async () => {
    const sde = makeSde({ kind: 've' });
    const sigmas = [asSigma(2), asSigma(0.5), asSigma(0.1)];
    const z = Float32Array.from([1, -1]);
    const ctx = gaussianCtx(sde, sigmas[1], sigmas, { epsilon: 1e-4, steps: 1 }, z);
    const result = await getSampler('annealed_langevin').step(
      { i: 0, sigma: sigmas[0], xTilde: Float32Array.from([1, 2]) },
      ctx,
    );
    const alpha = (1e-4 * 0.25) / 0.01; // 0.0025
    expectRelative(result.info?.alpha, alpha);
    expect(result.sigma).toBe(0.5);
    // score at σ = 0.5 on N(0, 1): −x̃/1.25
    expect(result.xTilde[0]).toBeCloseTo(1 - (alpha / 2) * 0.8 + Math.sqrt(alpha), 6);
    expect(result.xTilde[1]).toBeCloseTo(2 - (alpha / 2) * 1.6 - Math.sqrt(alpha), 6);
    expect(result.nfe).toBe(1);
  });

  it('rejects a step size outside its range with a message naming the parameter', async () => {
    const sde = makeSde({ kind: 've' });
    const ctx = gaussianCtx(sde, asSigma(1), [asSigma(2), asSigma(1)], { epsilon: 5 }, new Float32Array(2));
    const state = { i: 0, sigma: asSigma(2), xTilde: new Float32Array(2) };
    await expect(getSampler('annealed_langevin').step(state, ctx)).rejects.toThrow(/ε.*from 1e-7 to 0\.001/);
  });
});
