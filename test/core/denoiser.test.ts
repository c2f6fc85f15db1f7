import { describe, expect, it } from 'vitest';
import type { ModelCard, Parameterization } from '../../src/core/card';
import { NetworkDenoiser, type NetworkFn } from '../../src/core/denoiser';
import { makeSde } from '../../src/core/sde';
import { asSigma, asTime, type SdeConfig } from '../../src/core/types';

/** Data N(μ, diag(v)) in 3 dimensions: its exact denoiser is μ + v/(v + σ²)(x̃ − μ). */
const dim = 3;
const variances = [0.5, 0.1, 2];
const exactDenoised = (mu: number[], xTilde: number, j: number, sigma: number) =>
  mu[j] + (variances[j] / (variances[j] + sigma * sigma)) * (xTilde - mu[j]);

const trainedSde: SdeConfig = { kind: 'vp', betaMin: 0.1, betaMax: 20 };
const vp = makeSde(trainedSde);

function card(parameterization: Parameterization, classes?: string[]): ModelCard {
  return {
    id: 'fake',
    title: 'fake',
    task: 'points',
    shape: [dim],
    range: [-3, 3],
    parameterization,
    sde: trainedSde,
    timeInput: 't01',
    license: 'MIT',
    onnx: 'fake.onnx',
    ...(classes ? { classes, nullClass: classes.length } : {}),
  };
}

/**
 * The exact network of a VP model trained on N(μ_y, v), for each parameterisation, in native
 * coordinates x = α(x₀ + σn): ε = n, x₀, v = αε − α σ x₀ (Salimans & Ho 2022), score ∇ₓ log p_t.
 */
function exactNetwork(kind: Parameterization, meanOfClass: (y: number) => number[]) {
  const calls: number[] = [];
  const network: NetworkFn = async (x, t, y, batch) => {
    calls.push(batch);
    const out = new Float32Array(x.length);
    for (let b = 0; b < batch; b++) {
      const alpha = vp.scale(asTime(t[b]));
      const sigma = vp.sigma(asTime(t[b]));
      const mu = meanOfClass(y ? Number(y[b]) : -1);
      for (let j = 0; j < dim; j++) {
        const e = b * dim + j;
        const xTilde = x[e] / alpha;
        const d = exactDenoised(mu, xTilde, j, sigma);
        const eps = (xTilde - d) / sigma;
        const values: Record<Parameterization, number> = {
          eps,
          x0: d,
          v: alpha * eps - alpha * sigma * d,
          score: (d - xTilde) / (sigma * sigma) / alpha,
        };
        out[e] = values[kind];
      }
    }
    return out;
  };
  return { network, calls };
}

const mu0 = [0.5, -1, 2];
const xTilde = Float32Array.of(1, 0.2, -0.7, -2, 3, 0.4);

describe('NetworkDenoiser parameterisations', () => {
  it.each(['eps', 'x0', 'v', 'score'] as Parameterization[])(
    '%s gives the exact Gaussian denoiser',
    async (kind) => {
      const { network } = exactNetwork(kind, () => mu0);
      const denoiser = new NetworkDenoiser(network, card(kind));
      for (const sigma of [0.02, 0.3, 1, 8, 60]) {
        const d = await denoiser.denoise(xTilde, asSigma(sigma), 2);
        for (let e = 0; e < xTilde.length; e++) {
          const expected = exactDenoised(mu0, xTilde[e], e % dim, sigma);
          expect(Math.abs(d[e] - expected)).toBeLessThan(2e-4 * (1 + Math.abs(expected)));
        }
      }
    },
  );

  it('feeds the network t = t(σ) and x = s(t)·x̃', async () => {
    let seen: { x: Float32Array; t: Float32Array } | null = null;
    const denoiser = new NetworkDenoiser(async (x, t) => {
      seen = { x, t };
      return new Float32Array(x.length);
    }, card('eps'));
    const sigma = asSigma(2.5);
    await denoiser.denoise(xTilde, sigma, 2);
    const t = vp.timeOf(sigma);
    expect(seen!.t[1]).toBeCloseTo(t, 6);
    expect(seen!.x[4]).toBeCloseTo(vp.scale(t) * xTilde[4], 6);
  });
});

describe('classifier-free guidance', () => {
  const means: Record<number, number[]> = { 0: [1, 1, 1], 1: [-1, 0, 2], 2: [0, 0, 0] };
  const sigma = asSigma(0.9);
  const expectedFor = (mu: number[]) => Array.from(xTilde, (x, e) => exactDenoised(mu, x, e % dim, sigma));

  it('w = 0 is unconditional, w = 1 conditional, w = 3 extrapolates, with one call on a doubled batch', async () => {
    const { network, calls } = exactNetwork('eps', (y) => means[y]);
    const classes = ['a', 'b'];
    const uncond = expectedFor(means[2]);
    const cond = [...expectedFor(means[0]).slice(0, 3), ...expectedFor(means[1]).slice(3)];
    for (const w of [0, 1, 3]) {
      calls.length = 0;
      const denoiser = new NetworkDenoiser(network, card('eps', classes), {
        classLabels: [0, 1],
        guidance: w,
      });
      const d = await denoiser.denoise(xTilde, sigma, 2);
      d.forEach((v, e) => expect(v).toBeCloseTo(uncond[e] + w * (cond[e] - uncond[e]), 4));
      expect(calls).toEqual([w === 0 || w === 1 ? 2 : 4]);
    }
  });

  it('without class labels a conditional model draws from its null class', async () => {
    const { network } = exactNetwork('eps', (y) => means[y]);
    const d = await new NetworkDenoiser(network, card('eps', ['a', 'b'])).denoise(xTilde, sigma, 2);
    d.forEach((v, e) => expect(v).toBeCloseTo(expectedFor(means[2])[e], 4));
  });

  it('a single class label applies to every sample', async () => {
    const { network } = exactNetwork('eps', (y) => means[y]);
    const denoiser = new NetworkDenoiser(network, card('eps', ['a', 'b']), { classLabels: 1 });
    const d = await denoiser.denoise(xTilde, sigma, 2);
    d.forEach((v, e) => expect(v).toBeCloseTo(expectedFor(means[1])[e], 4));
  });
});

describe('errors a user can meet', () => {
  const { network } = exactNetwork('eps', () => mu0);

  it('names a class that does not exist and the valid range', async () => {
    const denoiser = new NetworkDenoiser(network, card('eps', ['a', 'b']), { classLabels: 5 });
    await expect(denoiser.denoise(xTilde, asSigma(1), 2)).rejects.toThrow(/no class 5: choose 0 to 1/);
  });

  it('refuses class labels for an unconditional model', () => {
    expect(() => new NetworkDenoiser(network, card('eps'), { classLabels: 0 })).toThrow(/has no classes/);
  });

  it('says the ONNX file does not match its card when the output has the wrong size', async () => {
    const denoiser = new NetworkDenoiser(async (x) => new Float32Array(x.length + 1), card('eps'));
    await expect(denoiser.denoise(xTilde, asSigma(1), 2)).rejects.toThrow(/does not match its card/);
  });
});
