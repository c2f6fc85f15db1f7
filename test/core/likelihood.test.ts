/**
 * Likelihoods through the probability-flow ODE against closed forms: the Hutchinson–Skilling
 * estimator on a linear field of known trace, the finite-difference step on an exact float32
 * denoiser, and log p of the analytic mixtures at the ODE's smallest σ (Song et al. 2021, eq. 39).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCard } from '../../src/core/card';
import { cpuField } from '../../src/core/field-cpu';
import { FD_RELATIVE_STEP, hutchinsonDivergence, probeVectors } from '../../src/core/hutchinson';
import {
  bitsPerDim,
  dequantize,
  exactDivergence,
  logLikelihood,
  probeDivergence,
} from '../../src/core/likelihood';
import { MixtureDenoiser, mixtureFromAnalytic, sampleMixture } from '../../src/core/mixture';
import { makeSde } from '../../src/core/sde';
import { meanWithStandardError } from '../../src/core/stats';
import { encode } from '../../src/core/encode';
import { strictField } from './strict-field';
import { asTime, type Denoiser, type SdeConfig } from '../../src/core/types';

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const mixtureOf = (id: string) =>
  new MixtureDenoiser(mixtureFromAnalytic(parseCard(readJson(`models/${id}.json`), id).analytic!, id));

/** A linear denoiser D(x̃) = A x̃ (same A for every σ and sample). */
function linearDenoiser(matrix: number[][]): Denoiser {
  const dim = matrix.length;
  return {
    dim,
    async denoise(x: Float32Array, _sigma, batch) {
      const out = new Float32Array(x.length);
      for (let b = 0; b < batch; b++) {
        for (let i = 0; i < dim; i++) {
          let sum = 0;
          for (let j = 0; j < dim; j++) sum += matrix[i][j] * x[b * dim + j];
          out[b * dim + i] = sum;
        }
      }
      return out;
    },
  };
}

describe('Hutchinson–Skilling trace estimator', () => {
  // g = x̃ − A x̃ has Jacobian I − A, trace dim − tr A = 5 − 1.9 = 3.1 (off-diagonals add variance only).
  const matrix = [
    [0.5, 0.8, -0.3, 0, 0.2],
    [0.1, -0.4, 0.6, 0.9, 0],
    [0.7, 0, 0.3, -0.5, 0.4],
    [0, 0.2, -0.6, 1.2, 0.3],
    [-0.8, 0.5, 0, 0.1, 0.3],
  ];
  const trace = 5 - (0.5 - 0.4 + 0.3 + 1.2 + 0.3);

  it.each(['rademacher', 'gaussian'] as const)('is unbiased with %s probes', async (kind) => {
    const batch = 3;
    const field = cpuField(batch, 5);
    const x = field.upload(Float32Array.from({ length: 15 }, (_, e) => Math.sin(e + 1)));
    const denoiser = linearDenoiser(matrix);
    const probes = probeVectors(batch, 5, kind, 4000, 11);
    const method = hutchinsonDivergence(
      field,
      (v, s) => denoiser.denoise(v, s as never, batch),
      probes.map((p) => field.upload(p)),
    );
    const { values, nfe } = await method.estimate(x, 0.3);
    expect(nfe).toBe(2 * 4000);
    for (let b = 0; b < batch; b++) {
      const perProbe = Array.from({ length: 4000 }, (_, k) => values[b * 4000 + k]);
      const { mean, se } = meanWithStandardError(perProbe);
      expect(se).toBeGreaterThan(0.01);
      expect(Math.abs(mean - trace)).toBeLessThan(4 * se);
    }
    // The basis probes give the trace itself (exact for a linear field up to float32 rounding).
    const basis = hutchinsonDivergence(
      field,
      (v, s) => denoiser.denoise(v, s as never, batch),
      probeVectors(batch, 5, 'basis', 0, 0).map((p) => field.upload(p)),
      { sumProbes: true },
    );
    const exact = await basis.estimate(x, 0.3);
    for (const v of exact.values) expect(v).toBeCloseTo(trace, 4);
  });

  it('Rademacher probes have the variance 2·Σ_{i≠j} S_ij² of the theory (S = sym. part of J)', async () => {
    const field = cpuField(1, 5);
    const x = field.upload(new Float32Array(5));
    const denoiser = linearDenoiser(matrix);
    const count = 4000;
    const probes = probeVectors(1, 5, 'rademacher', count, 5).map((p) => field.upload(p));
    const { values } = await hutchinsonDivergence(
      field,
      (v, s) => denoiser.denoise(v, s as never, 1),
      probes,
    ).estimate(x, 1);
    let theory = 0;
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) if (i !== j) theory += 2 * ((matrix[i][j] + matrix[j][i]) / 2) ** 2;
    const mean = values.reduce((a, b) => a + b, 0) / count;
    const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (count - 1);
    expect(variance / theory).toBeGreaterThan(0.9);
    expect(variance / theory).toBeLessThan(1.1);
  });
});

describe('finite-difference step for float32 networks', () => {
  const mixture = mixtureOf('ring8');
  // Points on the ring, at and between the modes (there D turns fastest: the responsibilities switch).
  const points = Float32Array.from({ length: 128 }, (_, e) => {
    const angle = (Math.floor(e / 2) * Math.PI) / 32;
    return 2 * (e % 2 === 0 ? Math.cos(angle) : Math.sin(angle));
  });

  /** Worst error of the basis-probe FD divergence of g against the closed form (g's is ≤ dim = 2). */
  async function worstError(sigma: number, relativeStep: number): Promise<number> {
    const field = cpuField(64, 2);
    const x = field.upload(points.map((v, e) => v + sigma * Math.cos(e)));
    const probes = probeVectors(64, 2, 'basis', 0, 0).map((p) => field.upload(p));
    const method = hutchinsonDivergence(field, (v, s) => mixture.denoise(v, s as never, 64), probes, {
      sumProbes: true,
      relativeStep,
    });
    const { values } = await method.estimate(x, sigma);
    const exact = mixture.divergence(x, sigma, 64).map((d) => 2 - d);
    return Math.max(...values.map((v, b) => Math.abs(v - exact[b]) / 2));
  }

  // Measured worst errors at h = 0.01σ: 4e-4 (σ = 0.01), 3e-3 (σ = 0.1, between modes), 1e-5 (σ = 1).
  it.each([0.01, 0.05, 0.1, 0.3, 1, 10, 150])(
    'at σ = %s the chosen step is accurate in float32',
    async (sigma) => {
      expect(await worstError(sigma, FD_RELATIVE_STEP)).toBeLessThan(5e-3);
    },
  );

  it('a much smaller step drowns in float32 rounding, a much larger one in truncation', async () => {
    const chosen = await worstError(0.01, FD_RELATIVE_STEP);
    expect(await worstError(0.01, 1e-5)).toBeGreaterThan(10 * chosen);
    expect(await worstError(0.05, 1)).toBeGreaterThan(10 * (await worstError(0.05, FD_RELATIVE_STEP)));
  });
});

describe('log p through the probability-flow ODE on the exact mixtures', () => {
  const ids = ['ring8', 'anisotropic3', 'unequal2', 'grid25'];
  const sdes: SdeConfig[] = [{ kind: 'vp' }, { kind: 'subvp' }, { kind: 've', sigmaMin: 0.01, sigmaMax: 50 }];

  /** log p_ε(x) in closed form: the mixture at σ(ε), in native coordinates (x̃ = x/s(ε)). */
  function exactLogp(mixture: MixtureDenoiser, x: Float32Array, sdeConfig: SdeConfig, batch: number) {
    const sde = makeSde(sdeConfig);
    const scale = sde.scale(sde.tEnd);
    return mixture
      .logDensity(
        x.map((v) => v / scale),
        sde.sigma(sde.tEnd),
        batch,
      )
      .map((l) => l - mixture.dim * Math.log(scale));
  }

  function points(mixture: MixtureDenoiser, batch: number): Float32Array {
    const x = sampleMixture(mixture.mixture, batch, 9);
    x[0] += 0.3; // one point off the data, where the density is low
    return x;
  }

  // The ODE itself, with the exact density at σmax as the prior: measured errors ≤ 2e-4 nats.
  it.each(ids.flatMap((id) => sdes.map((sde) => [id, sde] as const)))(
    '%s (%o), exact divergence and exact p at σmax: within 0.02 nats at σ(ε)',
    async (id, sdeConfig) => {
      const mixture = mixtureOf(id);
      const batch = 6;
      const x = points(mixture, batch);
      const sigmaMax = makeSde(sdeConfig).sigma(asTime(1));
      const result = await logLikelihood(cpuField(batch, 2), mixture, x, exactDivergence(mixture, batch), {
        sde: sdeConfig,
        prior: async (xT) => mixture.logDensity(xT, sigmaMax, batch),
      });
      const exact = exactLogp(mixture, x, sdeConfig, batch);
      for (let b = 0; b < batch; b++) expect(Math.abs(result.logp[b] - exact[b])).toBeLessThan(0.02);
      expect(result.nfe).toBeGreaterThan(20);
    },
  );

  // With the Gaussian prior a user gets: the prior ignores the data's mean at σmax, which costs
  // up to ~|x_T||μ|/σmax² (measured: 7e-3 nats on unequal2 under VP, 2e-2 under VE with σmax = 50).
  it.each(ids)('%s on its own SDE with the Gaussian prior: within 0.02 nats', async (id) => {
    const mixture = mixtureOf(id);
    const batch = 6;
    const x = points(mixture, batch);
    const sdeConfig: SdeConfig = { kind: 'vp' };
    const result = await logLikelihood(cpuField(batch, 2), mixture, x, exactDivergence(mixture, batch), {
      sde: sdeConfig,
    });
    const exact = exactLogp(mixture, x, sdeConfig, batch);
    for (let b = 0; b < batch; b++) expect(Math.abs(result.logp[b] - exact[b])).toBeLessThan(0.02);
  });

  it('the Hutchinson estimate brackets the exact value with its ± band', async () => {
    const mixture = mixtureOf('anisotropic3');
    const batch = 4;
    const x = sampleMixture(mixture.mixture, batch, 2);
    const sdeConfig: SdeConfig = { kind: 'vp' };
    const field = cpuField(batch, 2);
    const probes = probeDivergence(field, mixture, { kind: 'rademacher', count: 16, seed: 1 });
    const result = await logLikelihood(field, mixture, x, probes, { sde: sdeConfig });
    const exact = exactLogp(mixture, x, sdeConfig, batch);
    for (let b = 0; b < batch; b++) {
      expect(result.stdErr[b]).toBeGreaterThan(0);
      expect(Math.abs(result.logp[b] - exact[b])).toBeLessThan(4 * result.stdErr[b] + 0.02);
    }
    // Finite differences per dimension (2 probes) are the exact trace: no band, same 0.02 nats.
    const basisProbes = probeDivergence(field, mixture, { kind: 'basis', count: 0, seed: 0 });
    const basis = await logLikelihood(field, mixture, x, basisProbes, { sde: sdeConfig });
    for (let b = 0; b < batch; b++) expect(Math.abs(basis.logp[b] - exact[b])).toBeLessThan(0.02);
  });
});

describe('bits per dimension on the 8-bit scale', () => {
  it('dequantises each value inside its own 1/256 bin of the range', () => {
    const range: [number, number] = [-1, 1];
    const bytes = Float32Array.from([0, 1, 127, 128, 254, 255]);
    const values = bytes.map((k) => (k / 255) * 2 - 1);
    const deq = dequantize(values, range, 3);
    deq.forEach((v, e) => {
      const position = ((v + 1) / 2) * 256;
      expect(position).toBeGreaterThanOrEqual(bytes[e]);
      expect(position).toBeLessThan(bytes[e] + 1);
    });
  });

  it('a uniform density over the range is 8 bits per dimension', () => {
    // p = 1/2 per dimension on [−1, 1]: −log p = dim·ln 2, so 1 bit + 7 = 8.
    expect(bitsPerDim(784 * Math.log(0.5), 784, [-1, 1])).toBeCloseTo(8, 12);
    expect(bitsPerDim(0, 10, [0, 1])).toBeCloseTo(8, 12);
  });
});

describe('memory on a pooling backend', () => {
  it('the solvers keep what they need and free the rest when asked to collect', async () => {
    const mixture = mixtureOf('anisotropic3');
    const batch = 4;
    const field = strictField(batch, 2);
    const x = field.upload(sampleMixture(mixture.mixture, batch, 5));
    const retain = () => [x];
    // The mixture's denoiser returns fresh arrays the field has not made: wrap them as uploads.
    const denoiser = {
      dim: 2,
      denoise: async (v: Float32Array, s: never) => field.upload(await mixture.denoise(v, s, batch)),
    };
    const probes = probeDivergence(field, denoiser, { kind: 'rademacher', count: 2, seed: 3 });
    const result = await logLikelihood(field, denoiser, x, probes, { sde: { kind: 'vp' }, retain });
    expect(Number.isFinite(result.logp[0])).toBe(true);
    // What is left: x, the two probes and the last state and slope, the prior's inputs at most.
    expect(field.live).toBeLessThan(12);
    const encoded = await encode(
      field,
      denoiser,
      x,
      { kind: 'vp' },
      { method: 'ode_heun', steps: 20, schedule: 'uniform' },
      { retain },
    );
    expect(await field.allFinite(encoded.latent)).toBe(true);
  });
});
