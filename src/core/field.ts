/**
 * The arithmetic a sampler needs, over vectors it never looks inside. A sampler step is a few
 * network calls glued together by element-wise linear combinations (with one coefficient for the
 * batch or one per sample), fresh Gaussian noise and a handful of per-sample reductions; written
 * against this interface, the same sampler code runs on Float32Arrays in the CPU path
 * (`cpuField`) and on GPU buffers that never leave the device (`GpuField` in src/gpu).
 *
 * Every vector has batch × dim float32 elements, row-major (one row per sample).
 */

import type { BrownianPlan } from './brownian';

/** A coefficient: one number for the whole batch, or one per sample (length = batch). */
export type Coef = number | Float64Array;

/** One term c·v of a linear combination. */
export type Term<V> = readonly [Coef, V];

export interface Field<V> {
  readonly batch: number;
  readonly dim: number;
  /** Σ cⱼ·vⱼ as a new vector (terms with c = 0 are skipped; at least one term). */
  combine(terms: readonly Term<V>[]): V;
  /**
   * Standard normal noise, a pure function of (seed, step, stream, element): the same numbers as
   * rng.ts gaussianNoise(seed, step, stream, batch × dim) on every backend.
   */
  noise(seed: number, step: number, stream: number): V;
  /**
   * The Brownian tree's standard-normal increments over one interval of the σ² clock (brownian.ts),
   * the same numbers as brownianNormals(seed, plan, batch × dim) on every backend.
   */
  brownian(seed: number, plan: BrownianPlan): V;
  /**
   * Element by element, m·a + (1 − m)·b with m from `mask` (values in [0, 1]; 1 = take a). The one
   * per-element operation: conditioning by replacement (inpainting) keeps the known part of x̃.
   */
  blend(mask: V, a: V, b: V): V;
  /** Euclidean norm of each sample (batch numbers, read back to the CPU). */
  norms(v: V): Promise<Float64Array>;
  /**
   * The ODE error norm of Hairer et al. (ODE I, II.4 eq. 4.11), worst sample deciding:
   * max over samples of √(mean over elements of (e / (atol + rtol·max(|a|, |b|)))²).
   * +∞ when it is not finite.
   */
  errorNorm(e: V, a: V, b: V, atol: number, rtol: number): Promise<number>;
  /** Whether every element is finite. */
  allFinite(v: V): Promise<boolean>;
  /** A vector holding these values (length batch × dim). */
  upload(values: Float32Array): V;
  /** The values, as a new Float32Array the caller owns. */
  read(v: V): Promise<Float32Array>;
  /**
   * Frees every vector this field made that is not in `keep` (GPU memory goes back to a pool;
   * a no-op on the CPU, where the garbage collector does it). Vectors not kept must not be used
   * again.
   */
  collect(keep: Iterable<V>): void;
}

/** Checks a coefficient's shape once, so backends can index it blindly. */
export function checkCoef(c: Coef, batch: number): void {
  if (typeof c !== 'number' && c.length !== batch) {
    throw new Error(`A per-sample coefficient has ${c.length} entries for a batch of ${batch}.`);
  }
}
