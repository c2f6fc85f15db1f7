/**
 * Sample statistics for checking samplers against the truth: moments, their standard errors, the
 * exact moments of a Gaussian mixture, and the sliced Wasserstein-1 and -2 distances (Rabin et al.
 * 2011). Point sets are row-major n × dim arrays.
 */
import type { GaussianMixture } from './mixture';
import { gaussianNoise } from './rng';

export type Points = ArrayLike<number>;

export function mean(points: Points, n: number, dim: number): Float64Array {
  checkShape(points, n, dim);
  const m = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) m[j] += points[i * dim + j] / n;
  return m;
}

/** Unbiased sample covariance (divides by n − 1), dim × dim row-major. */
export function covariance(points: Points, n: number, dim: number): Float64Array {
  if (n < 2) throw new Error(`A covariance needs at least 2 points (got ${n}).`);
  const m = mean(points, n, dim);
  const c = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < dim; a++) {
      const da = points[i * dim + a] - m[a];
      for (let b = 0; b < dim; b++) c[a * dim + b] += (da * (points[i * dim + b] - m[b])) / (n - 1);
    }
  }
  return c;
}

/**
 * Standard errors of the sample mean and of each covariance entry, from the sample itself
 * (the covariance entry is a mean of products (x_a − m_a)(x_b − m_b), whose spread we measure).
 */
export function momentStandardErrors(
  points: Points,
  n: number,
  dim: number,
): { mean: Float64Array; cov: Float64Array } {
  const m = mean(points, n, dim);
  const c = covariance(points, n, dim);
  const meanSe = new Float64Array(dim);
  const covSe = new Float64Array(dim * dim);
  for (let a = 0; a < dim; a++) meanSe[a] = Math.sqrt(c[a * dim + a] / n);
  for (let a = 0; a < dim; a++) {
    for (let b = 0; b < dim; b++) {
      let sumSq = 0;
      for (let i = 0; i < n; i++) {
        const product = (points[i * dim + a] - m[a]) * (points[i * dim + b] - m[b]);
        sumSq += (product - c[a * dim + b]) ** 2;
      }
      covSe[a * dim + b] = Math.sqrt(sumSq / (n - 1) / n);
    }
  }
  return { mean: meanSe, cov: covSe };
}

/** Mean and standard error of a list of numbers. */
export function meanWithStandardError(values: ArrayLike<number>): { mean: number; se: number } {
  const n = values.length;
  if (n < 2) throw new Error(`A standard error needs at least 2 values (got ${n}).`);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const m = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i] - m) ** 2;
  return { mean: m, se: Math.sqrt(sq / (n - 1) / n) };
}

/** Exact mean and covariance of a Gaussian mixture: Σ π_k μ_k and Σ π_k (Σ_k + μ_kμ_kᵀ) − μμᵀ. */
export function mixtureMoments(mix: GaussianMixture): { mean: Float64Array; cov: Float64Array } {
  const { dim, weights, means, covs } = mix;
  const m = new Float64Array(dim);
  const c = new Float64Array(dim * dim);
  weights.forEach((w, k) => {
    for (let a = 0; a < dim; a++) {
      m[a] += w * means[k][a];
      for (let b = 0; b < dim; b++) {
        const cov = covs[k];
        const inner = cov.kind === 'full' ? cov.matrix[a * dim + b] : a === b ? cov.diag[a] : 0;
        c[a * dim + b] += w * (inner + means[k][a] * means[k][b]);
      }
    }
  });
  for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) c[a * dim + b] -= m[a] * m[b];
  return { mean: m, cov: c };
}

/**
 * ∫₀¹ cost(F_A⁻¹(u) − F_B⁻¹(u)) du for two 1D empirical distributions, exactly: the quantile
 * functions are step functions, so the integral is a sum over the merged steps (sorted inputs;
 * sizes may differ).
 */
function quantileIntegral(sortedA: Float64Array, sortedB: Float64Array, cost: (d: number) => number): number {
  const nA = sortedA.length;
  const nB = sortedB.length;
  let i = 0;
  let j = 0;
  let u = 0;
  let total = 0;
  while (i < nA && j < nB) {
    const nextA = (i + 1) / nA;
    const nextB = (j + 1) / nB;
    const next = Math.min(nextA, nextB);
    total += (next - u) * cost(sortedA[i] - sortedB[j]);
    u = next;
    if (nextA <= next) i++;
    if (nextB <= next) j++;
  }
  return total;
}

/** Squared W2 between two 1D empirical distributions: ∫ (F_A⁻¹ − F_B⁻¹)² du (sorted inputs). */
export function wasserstein2Squared1d(sortedA: Float64Array, sortedB: Float64Array): number {
  return quantileIntegral(sortedA, sortedB, (d) => d ** 2);
}

/** W1 between two 1D empirical distributions: ∫ |F_A⁻¹ − F_B⁻¹| du (sorted inputs). */
export function wasserstein1d(sortedA: Float64Array, sortedB: Float64Array): number {
  return quantileIntegral(sortedA, sortedB, Math.abs);
}

export interface SlicedOptions {
  /** Number of random directions (default 128). */
  projections?: number;
  /** Seed of the directions (default 0), so a distance is reproducible. */
  seed?: number;
}

/**
 * The mean over unit directions θ of `distance1d(θᵀA, θᵀB)`; the directions are normalised
 * Gaussian draws from rng.ts, so they are uniform on the sphere and the same for every call
 * with the same options.
 */
function meanOverSlices(
  a: Points,
  nA: number,
  b: Points,
  nB: number,
  dim: number,
  opts: SlicedOptions,
  distance1d: (sortedA: Float64Array, sortedB: Float64Array) => number,
): number {
  checkShape(a, nA, dim);
  checkShape(b, nB, dim);
  const projections = opts.projections ?? 128;
  const directions = gaussianNoise(opts.seed ?? 0, 0, 0, projections * dim);
  let total = 0;
  for (let p = 0; p < projections; p++) {
    const theta = directions.subarray(p * dim, (p + 1) * dim);
    const norm = Math.hypot(...theta);
    const project = (pts: Points, n: number) => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += pts[i * dim + j] * theta[j];
        out[i] = dot / norm;
      }
      return out.sort();
    };
    total += distance1d(project(a, nA), project(b, nB));
  }
  return total / projections;
}

/** A sliced distance between point sets A (nA × dim) and B (nB × dim). */
export type SlicedDistance = (
  a: Points,
  nA: number,
  b: Points,
  nB: number,
  dim: number,
  opts?: SlicedOptions,
) => number;

/** Sliced W2: √(mean over unit directions θ of W2²(θᵀA, θᵀB)). */
export const slicedWasserstein2: SlicedDistance = (a, nA, b, nB, dim, opts = {}) =>
  Math.sqrt(meanOverSlices(a, nA, b, nB, dim, opts, wasserstein2Squared1d));

/** Sliced W1: the mean over unit directions θ of W1(θᵀA, θᵀB); less swayed by a few far points than W2. */
export const slicedWasserstein1: SlicedDistance = (a, nA, b, nB, dim, opts = {}) =>
  meanOverSlices(a, nA, b, nB, dim, opts, wasserstein1d);

function checkShape(points: Points, n: number, dim: number): void {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(dim) || dim < 1 || points.length < n * dim) {
    throw new Error(`Point set has ${points.length} numbers, fewer than ${n} points × ${dim} dimensions.`);
  }
}
