/**
 * The forward (noising) process on real data, and the exact marginal density of a Gaussian mixture
 * under it. Every process here has q(x_t | x₀) = N(s(t)x₀, s(t)²σ(t)²I) (Song et al. 2021, eq. 29
 * and Appendix B; for VP it is Ho et al. 2020, eq. 4 with √ᾱ = s and 1 − ᾱ = s²σ²), so one draw is
 *
 *   x_t = s(t)·x₀ + s(t)·σ(t)·z,  z ~ N(0, I);  in the loop's coordinates x̃_t = x_t/s = x₀ + σ(t)·z.
 *
 * z is the run's own noise at a fixed address (seed, FORWARD_NOISE_STEP, FORWARD_NOISE_STREAM): one z
 * per seed for every t, so scrubbing t moves each sample smoothly from x₀ towards pure noise, and each
 * frame is an exact draw from q(x_t | x₀). Written against Field, so it runs on the CPU and on GPU
 * buffers alike.
 */
import type { Field } from './field';
import type { GaussianMixture } from './mixture';
import { MixtureDenoiser, sampleMixture } from './mixture';
import { PRIOR_STEP } from './rng';
import { TOY_NAMES, toyPoints, type ToyName } from './toy-data';
import { asSigma, asTime, type Sde, type Sigma, type Time } from './types';

/** The forward noise's address: the prior's step word with stream 1 (the prior uses stream 0). */
export const FORWARD_NOISE_STEP = PRIOR_STEP;
export const FORWARD_NOISE_STREAM = 1;

/** Where the forward process is at time t: σ(t), s(t) and x̃_t = x₀ + σ(t)·z (a new vector). */
export interface ForwardState<V> {
  t: Time;
  sigma: Sigma;
  scale: number;
  xTilde: V;
}

/** The forward noise z of a seed (standard normal, batch × dim, the same on every backend). */
export function forwardNoise<V>(field: Field<V>, seed: number): V {
  return field.noise(seed, FORWARD_NOISE_STEP, FORWARD_NOISE_STREAM);
}

/**
 * x̃_t = x₀ + σ(t)·z for t ∈ [0, 1] (clamped): the forward process from clean data x₀ (x̃ = x
 * coordinates, batch × dim) with the seed's forward noise. Native x_t = scale·x̃_t.
 */
export function forwardNoised<V>(field: Field<V>, sde: Sde, x0: V, t: number, seed: number): ForwardState<V> {
  const time = asTime(Math.min(1, Math.max(0, t)));
  const sigma = sde.sigma(time);
  const scale = sde.scale(time);
  const xTilde =
    sigma > 0
      ? field.combine([
          [1, x0],
          [sigma, forwardNoise(field, seed)],
        ])
      : field.combine([[1, x0]]);
  return { t: time, sigma, scale, xTilde };
}

/** A data seed apart from the run's noise seeds: clean samples never share numbers with a step's noise. */
export function dataSeed(seed: number): number {
  return (seed ^ 0x5eed_da7a) >>> 0;
}

/**
 * n clean samples of a 2D model's data: exact samples of an analytic mixture, or the training
 * generator's samples of a learned toy (card id `toy_<name>`). A pure function of the seed; null
 * when the model has no data the page can draw.
 */
export function pointData(
  modelId: string,
  mixture: GaussianMixture | null,
  n: number,
  seed: number,
): Float32Array | null {
  if (mixture !== null) return sampleMixture(mixture, n, dataSeed(seed));
  const name = modelId.replace(/^toy_/, '');
  if (modelId.startsWith('toy_') && TOY_NAMES.includes(name as ToyName))
    return toyPoints(name as ToyName, n, dataSeed(seed));
  return null;
}

/**
 * Clean images from a model's examples file (uint8, `count` × dim; byte b ↦ lo + (hi − lo)·b/255):
 * sample j of the batch is example (j + seed·batch) mod count, so a seed picks which ones show.
 */
export function exampleBatch(
  bytes: Uint8Array,
  count: number,
  dim: number,
  range: readonly [number, number],
  batch: number,
  seed: number,
): Float32Array {
  if (bytes.length !== count * dim) {
    throw new Error(`The examples file has ${bytes.length} bytes, not ${count} × ${dim}.`);
  }
  const [lo, hi] = range;
  const out = new Float32Array(batch * dim);
  const offset = ((seed % count) * batch) % count;
  for (let j = 0; j < batch; j++) {
    const k = (offset + j) % count;
    for (let e = 0; e < dim; e++) out[j * dim + e] = lo + ((hi - lo) * bytes[k * dim + e]) / 255;
  }
  return out;
}

/**
 * log p_t(x) of a Gaussian mixture's forward marginal in native coordinates at `count` points
 * (row-major): each component is N(s·μ_k, s²(Σ_k + σ²I)), so log p_t(x) = log p_σ(x/s) − d·log s,
 * with p_σ = Σ π_k N(μ_k, Σ_k + σ²I) the mixture in x̃ (MixtureDenoiser.logDensity).
 */
export function marginalLogDensity(
  mixture: MixtureDenoiser,
  sigma: number,
  scale: number,
  x: ArrayLike<number>,
  count: number,
): Float64Array {
  const tilde = new Float64Array(count * mixture.dim);
  for (let e = 0; e < tilde.length; e++) tilde[e] = x[e] / scale;
  const log = mixture.logDensity(tilde, asSigma(sigma), count);
  const shift = mixture.dim * Math.log(scale);
  for (let b = 0; b < count; b++) log[b] -= shift;
  return log;
}

/**
 * p_t on a cells × cells grid over [lo, hi]² (2D), row 0 at the top (y = hi), the value at each
 * cell's centre: what the 2D view draws as a heat map under the particles.
 */
export function marginalDensityGrid(
  mixture: MixtureDenoiser,
  sigma: number,
  scale: number,
  bounds: readonly [number, number],
  cells: number,
): Float64Array {
  if (mixture.dim !== 2) throw new Error(`A density map needs 2D data, not ${mixture.dim}D.`);
  const [lo, hi] = bounds;
  const step = (hi - lo) / cells;
  const points = new Float64Array(cells * cells * 2);
  for (let r = 0; r < cells; r++) {
    for (let c = 0; c < cells; c++) {
      points[2 * (r * cells + c)] = lo + (c + 0.5) * step;
      points[2 * (r * cells + c) + 1] = hi - (r + 0.5) * step;
    }
  }
  return marginalLogDensity(mixture, sigma, scale, points, cells * cells).map(Math.exp);
}
