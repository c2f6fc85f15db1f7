/**
 * Compare mode's error plot on an exact mixture (issue 14): how far each pane's particles are from
 * the exact distribution, against the network evaluations spent. In x̃ = x/s every SDE here is
 * x̃ = x₀ + σ·n, so the exact marginal at a pane's current (t, σ) in native coordinates is
 * s(t)·(x₀ + σ·n) with x₀ drawn from the mixture: a reference of N exact x₀ and N normals n, drawn
 * once per seed, serves every pane, every SDE and every step. The distance is the sliced W1
 * (stats.ts) between the pane's particles and that reference; at σ = 0 it is the distance of the
 * samples to the data distribution, the accuracy-vs-cost number of the sampler papers.
 *
 * Two exact sets of N points are not at distance 0: the sampling floor is the sliced W1 between
 * the reference and other exact sets of the same N (several seeds), a band no sampler can beat.
 */
import { sampleMixture, type GaussianMixture } from './mixture';
import { gaussianNoise } from './rng';
import { slicedWasserstein1 } from './stats';

/** Particles per pane for the plot: at 64 the sampling noise would hide the samplers' differences. */
export const ERROR_PARTICLES = 1024;
/** Directions of the sliced distance (fixed, so a distance is reproducible). */
export const ERROR_PROJECTIONS = 64;
/** Exact-vs-exact pairs behind the floor band. */
export const FLOOR_PAIRS = 8;

/** A seed of the reference's own, so it shares nothing with the panes' prior draw or noise. */
function referenceSeed(seed: number, k: number): number {
  return (seed + 0x9e3779b9 * (k + 1)) >>> 0;
}

/** N exact data points x₀ and N standard normals n: the exact marginal at any σ is x₀ + σ·n. */
export interface ExactReference {
  n: number;
  dim: number;
  x0: Float32Array;
  noise: Float32Array;
}

export function exactReference(mixture: GaussianMixture, n: number, seed: number): ExactReference {
  const own = referenceSeed(seed, 0);
  return {
    n,
    dim: mixture.dim,
    x0: sampleMixture(mixture, n, own),
    noise: gaussianNoise(own, 0, 7, n * mixture.dim),
  };
}

/** The reference at (s, σ) in native coordinates: s·(x₀ + σ·n). */
export function referenceAt(ref: ExactReference, scale: number, sigma: number): Float64Array {
  const out = new Float64Array(ref.n * ref.dim);
  for (let e = 0; e < out.length; e++) out[e] = scale * (ref.x0[e] + sigma * ref.noise[e]);
  return out;
}

/** Sliced W1 between `count` particles x (native, count × dim) and the exact marginal at (s, σ). */
export function marginalError(
  ref: ExactReference,
  x: ArrayLike<number>,
  count: number,
  scale: number,
  sigma: number,
): number {
  const exact = referenceAt(ref, scale, sigma);
  return slicedWasserstein1(x, count, exact, ref.n, ref.dim, { projections: ERROR_PROJECTIONS });
}

/** The sampling floor at σ = 0: the lowest and highest W1 of the reference to other exact sets of N. */
export function samplingFloor(
  mixture: GaussianMixture,
  ref: ExactReference,
  seed: number,
  pairs = FLOOR_PAIRS,
): { low: number; high: number } {
  let low = Infinity;
  let high = -Infinity;
  for (let k = 1; k <= pairs; k++) {
    const other = sampleMixture(mixture, ref.n, referenceSeed(seed, k));
    const d = slicedWasserstein1(other, ref.n, ref.x0, ref.n, ref.dim, { projections: ERROR_PROJECTIONS });
    low = Math.min(low, d);
    high = Math.max(high, d);
  }
  return { low, high };
}
