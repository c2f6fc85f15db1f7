/**
 * Every sampler against exact distributions: two 2D Gaussian mixtures (exact denoiser and samples
 * from core/mixture.ts) and a 784-dimensional diagonal Gaussian, on VP and VE; plus registry checks.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sigmaGrid } from '../../src/core/grids';
import {
  MixtureDenoiser,
  mixtureFromAnalytic,
  sampleMixture,
  type AnalyticMixture,
} from '../../src/core/mixture';
import { gaussianNoise } from '../../src/core/rng';
import { getSampler, samplerIds, samplers } from '../../src/core/samplers/registry';
import { makeSde } from '../../src/core/sde';
import type { Params, SdeKind } from '../../src/core/types';
import { gaussianDenoiser, priorSample, runTrajectory, slicedWasserstein2d } from './samplers-support';

describe('registry', () => {
  it('finds every sampler by id and names a bad id with the valid ones', () => {
    for (const id of samplerIds) expect(getSampler(id).id).toBe(id);
    expect(new Set(samplerIds).size).toBe(samplers.length);
    expect(() => getSampler('euler_maruyamma')).toThrow(/"euler_maruyamma".*euler_maruyama.*dpmpp_2m/);
  });

  it('has the stable ids of the design', () => {
    expect([...samplerIds].sort()).toEqual(
      [
        'euler_maruyama',
        'reverse_diffusion',
        'ancestral',
        'pc',
        'annealed_langevin',
        'ode_euler',
        'ode_heun',
        'ode_rk45',
        'ddim',
        'dpmpp_2m',
      ].sort(),
    );
  });

  it.each(samplers.map((s) => [s.id, s] as const))(
    '%s declares params with defaults in range',
    (_id, sampler) => {
      expect(sampler.cite.length).toBeGreaterThan(5);
      expect(sampler.description.length).toBeGreaterThan(20);
      for (const p of sampler.params) {
        expect(p.help.length).toBeGreaterThan(10);
        if (p.kind === 'number' || p.kind === 'int') {
          expect(p.default).toBeGreaterThanOrEqual(p.min);
          expect(p.default).toBeLessThanOrEqual(p.max);
          if (p.kind === 'int') expect(Number.isInteger(p.default)).toBe(true);
        } else if (p.kind === 'choice') {
          expect(p.choices).toContain(p.default);
        }
      }
    },
  );
});

/** Grid steps per sampler ("generous" for its order) and the params the 2D tests use. */
const plans: Record<string, { steps: number; params?: Params }> = {
  euler_maruyama: { steps: 400 },
  reverse_diffusion: { steps: 400 },
  ancestral: { steps: 400 },
  // per-sample corrector norms make the step depend on x, which skews 2D targets: see pc.ts
  pc: { steps: 300, params: { stepNorm: 'batch' } },
  annealed_langevin: { steps: 300 },
  ode_euler: { steps: 100 },
  ode_heun: { steps: 50 },
  ode_rk45: { steps: 50 },
  ddim: { steps: 400, params: { eta: 0.5 } },
  dpmpp_2m: { steps: 100 },
};

const kinds: SdeKind[] = ['vp', 've'];

function loadMixture(name: string) {
  const card = JSON.parse(readFileSync(`models/${name}.json`, 'utf8')) as { analytic: AnalyticMixture };
  return mixtureFromAnalytic(card.analytic, name);
}

const N = 600;

describe.each(['ring8', 'unequal2'])('2D mixture %s', (name) => {
  const mixture = loadMixture(name);
  describe.each(kinds)('on %s', (kind) => {
    const sde = makeSde({ kind });
    const sigmaEnd = sde.sigma(sde.tEnd);
    /** Exact samples of p at the last grid σ: data plus σ_end noise. */
    const truth = (seed: number) => {
      const z = gaussianNoise(seed, 1, 9, 2 * N);
      return sampleMixture(mixture, N, seed).map((v, k) => v + sigmaEnd * z[k]);
    };
    const reference = truth(100);
    let floor = 0;
    for (let s = 0; s < 3; s++) floor += slicedWasserstein2d(truth(10 + 2 * s), truth(11 + 2 * s)) / 3;

    it.each(samplerIds)('%s matches mean, covariance and sliced Wasserstein', async (id) => {
      const plan = plans[id];
      const run = await runTrajectory(getSampler(id), {
        sde,
        sigmas: sigmaGrid(sde, 'uniform', plan.steps),
        x: priorSample(sde, N, 2, 1),
        batch: N,
        denoiser: new MixtureDenoiser(mixture),
        params: plan.params,
      });
      expectMomentsMatch(run.x, reference);
      expect(slicedWasserstein2d(run.x, reference)).toBeLessThan(1.5 * floor);
    });
  });
});

/** Sample mean and covariance of two 2D clouds agree within 4.5 standard errors of their difference. */
function expectMomentsMatch(a: Float32Array, b: Float32Array): void {
  const ma = moments(a);
  const mb = moments(b);
  for (let j = 0; j < 2; j++) {
    const se = Math.sqrt((ma.cov[2 * j] + mb.cov[2 * j]) / N); // cov = [xx, xy, yy]
    expect(Math.abs(ma.mean[j] - mb.mean[j])).toBeLessThan(4.5 * se);
  }
  for (let e = 0; e < 3; e++) {
    const se = Math.sqrt((ma.covVar[e] + mb.covVar[e]) / N);
    expect(Math.abs(ma.cov[e] - mb.cov[e])).toBeLessThan(4.5 * se);
  }
}

/** Mean, covariance entries (xx, xy, yy) and the variance of each entry's summand. */
function moments(x: Float32Array) {
  const n = x.length / 2;
  const mean = [0, 0];
  for (let i = 0; i < n; i++) for (let j = 0; j < 2; j++) mean[j] += x[2 * i + j] / n;
  const pairs = [
    [0, 0],
    [0, 1],
    [1, 1],
  ];
  const cov = [0, 0, 0];
  const second = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    pairs.forEach(([p, q], e) => {
      const v = (x[2 * i + p] - mean[p]) * (x[2 * i + q] - mean[q]);
      cov[e] += v / n;
      second[e] += (v * v) / n;
    });
  }
  return { mean, cov, covVar: cov.map((c, e) => second[e] - c * c) };
}

describe.each(kinds)('784-dimensional diagonal Gaussian on %s', (kind) => {
  const dim = 784;
  const batch = 64;
  const mean = Array.from({ length: dim }, (_, k) => 0.5 * Math.sin(k));
  const std = Array.from({ length: dim }, (_, k) => 0.1 + (0.9 * (k % 28)) / 27);
  const sde = makeSde({ kind });
  const sigmaEnd = sde.sigma(sde.tEnd);

  it.each(samplerIds)('%s matches every coordinate mean and variance', async (id) => {
    const plan = plans[id];
    const run = await runTrajectory(getSampler(id), {
      sde,
      sigmas: sigmaGrid(sde, 'uniform', plan.steps),
      x: priorSample(sde, batch, dim, 2),
      batch,
      denoiser: gaussianDenoiser(mean, std),
      params: id === 'pc' ? {} : plan.params,
    });
    let ratioSum = 0;
    for (let k = 0; k < dim; k++) {
      const variance = std[k] ** 2 + sigmaEnd ** 2;
      let m = 0;
      for (let b = 0; b < batch; b++) m += run.x[b * dim + k] / batch;
      let v = 0;
      for (let b = 0; b < batch; b++) v += (run.x[b * dim + k] - m) ** 2 / (batch - 1);
      expect(Math.abs(m - mean[k])).toBeLessThan(5.5 * Math.sqrt(variance / batch));
      expect(Math.abs(v / variance - 1)).toBeLessThan(5.5 * Math.sqrt(2 / (batch - 1)));
      ratioSum += v / variance;
    }
    // all coordinates together: the mean variance ratio within 5 standard errors of 1
    expect(Math.abs(ratioSum / dim - 1)).toBeLessThan(5 * Math.sqrt(2 / ((batch - 1) * dim)));
  });
});
