/**
 * The forward (noising) process on real data, and the exact marginal density of a Gaussian mixture
 * under it. Every process here has q(x_t | x₀) = N(s(t)x₀, s(t)²σ(t)²I) (Song et al. 2021, eq. 29
 * and Appendix B; for VP it is Ho et al. 2020, eq. 4 with √ᾱ = s and 1 − ᾱ = s²σ²), so
 *
 *   x_t = s(t)·x₀ + s(t)·σ(t)·z,  z ~ N(0, I);  in the loop's coordinates x̃_t = x_t/s = x₀ + σ(t)·z.
 *
 * The noise is the run's observation path (inpaint.ts `forwardNoised`, shared with SDEdit and
 * inpainting): x̃(u) = x₀ + W_obs(u) on the clock u = σ², one Brownian path per seed, independent
 * of the path that drives the reverse SDE. So scrubbing t walks one sample path of the forward SDE,
 * each frame is an exact draw from q(x_t | x₀), and "Reverse from here" at t is SDEdit at t₀ = t.
 * Written against Field, so it runs on the CPU and on GPU buffers alike.
 */
import type { Field } from './field';
import { forwardNoised } from './inpaint';
import type { GaussianMixture } from './mixture';
import { MixtureDenoiser, sampleMixture } from './mixture';
import { TOY_NAMES, toyPoints, type ToyName } from './toy-data';
import { asSigma, asTime, type Sde, type Sigma, type Time } from './types';

/** Where the forward process is at time t: σ(t), s(t) and x̃_t = x₀ + W_obs(σ(t)²) (a new vector). */
export interface ForwardState<V> {
  t: Time;
  sigma: Sigma;
  scale: number;
  xTilde: V;
}

/**
 * The forward process at t ∈ [0, 1] (clamped) from clean data x₀ (x̃ = x coordinates,
 * batch × dim) with the seed's observation path. Native x_t = scale·x̃_t.
 */
export function forwardAt<V>(field: Field<V>, sde: Sde, x0: V, t: number, seed: number): ForwardState<V> {
  const time = asTime(Math.min(1, Math.max(0, t)));
  const sigma = sde.sigma(time);
  return { t: time, sigma, scale: sde.scale(time), xTilde: forwardNoised(field, x0, sigma, seed) };
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
 * Chosen images from a model's examples file (same byte map as exampleBatch): example k of
 * `indices`, in order; an index outside 0 … count − 1 is refused with the range.
 */
export function exampleImages(
  bytes: Uint8Array,
  count: number,
  dim: number,
  range: readonly [number, number],
  indices: readonly number[],
): Float32Array {
  if (bytes.length !== count * dim) {
    throw new Error(`The examples file has ${bytes.length} bytes, not ${count} × ${dim}.`);
  }
  const [lo, hi] = range;
  const out = new Float32Array(indices.length * dim);
  indices.forEach((k, j) => {
    if (!Number.isInteger(k) || k < 0 || k >= count) {
      throw new Error(`There is no real example ${k}: this model ships examples 0 to ${count - 1}.`);
    }
    for (let e = 0; e < dim; e++) out[j * dim + e] = lo + ((hi - lo) * bytes[k * dim + e]) / 255;
  });
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

/**
 * RMS distance per element between x̃ = x/s(t) and x₀, for each sample, averaged over the batch:
 * how far a state is from the clean data it was noised from, in data units.
 */
export function distanceToOrigin(
  x: Float32Array,
  scale: number,
  origin: Float32Array,
  batch: number,
): number {
  if (x.length !== origin.length || batch < 1 || x.length === 0) return NaN;
  const dim = x.length / batch;
  let total = 0;
  for (let b = 0; b < batch; b++) {
    let sq = 0;
    for (let e = b * dim; e < (b + 1) * dim; e++) sq += (x[e] / scale - origin[e]) ** 2;
    total += Math.sqrt(sq / dim);
  }
  return total / batch;
}
