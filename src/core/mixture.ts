/**
 * Exact denoiser of a Gaussian mixture p₀ = Σ π_k N(μ_k, Σ_k) in any dimension. At noise level σ
 * the data is p_σ = Σ π_k N(μ_k, Σ_k + σ²I), and E[x₀ | x̃] = Σ r_k [μ_k + Σ_k(Σ_k + σ²I)⁻¹(x̃ − μ_k)]
 * = x̃ + σ² ∇log p_σ(x̃) (Tweedie's formula; Efron 2011). Diagonal covariances take a fast path.
 */
import { gaussianNoise, uniform } from './rng';
import type { Denoiser, Sigma } from './types';

export type Covariance = { kind: 'diag'; diag: Float64Array } | { kind: 'full'; matrix: Float64Array };

export interface GaussianMixture {
  readonly dim: number;
  readonly weights: readonly number[];
  readonly means: readonly Float64Array[];
  readonly covs: readonly Covariance[];
}

/** The "analytic" block of a model card: covs[k] is a dim×dim matrix or a vector of variances. */
export interface AnalyticMixture {
  weights: number[];
  means: number[][];
  covs: (number[][] | number[])[];
}

/** Component k's factorisation of Σ_k + σ²I: what responsibilities and the score need. */
interface Factor {
  logNorm: number;
  /** tr A⁻¹, for the Laplacian of log p_σ. */
  traceInverse: number;
  /** Returns A⁻¹(x − μ) into `out` and the quadratic form (x − μ)ᵀA⁻¹(x − μ). */
  solve(centered: Float64Array, out: Float64Array): number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Lower Cholesky factor of a symmetric positive definite n×n matrix (row-major), or null. */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > 0)) return null;
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
  }
  return l;
}

function diagFactor(diag: Float64Array, sigma: number, weight: number): Factor {
  const variance = diag.map((d) => d + sigma * sigma);
  let logDet = 0;
  for (const v of variance) logDet += Math.log(v);
  return {
    logNorm: Math.log(weight) - 0.5 * (logDet + diag.length * LOG_2PI),
    traceInverse: variance.reduce((sum, v) => sum + 1 / v, 0),
    solve(centered, out) {
      let quad = 0;
      for (let j = 0; j < centered.length; j++) {
        out[j] = centered[j] / variance[j];
        quad += centered[j] * out[j];
      }
      return quad;
    },
  };
}

function fullFactor(matrix: Float64Array, dim: number, sigma: number, weight: number): Factor {
  const a = matrix.slice();
  for (let j = 0; j < dim; j++) a[j * dim + j] += sigma * sigma;
  const l = cholesky(a, dim);
  if (!l) throw new Error(`Mixture covariance + σ²I is not positive definite at σ = ${sigma}.`);
  let logDet = 0;
  for (let j = 0; j < dim; j++) logDet += 2 * Math.log(l[j * dim + j]);
  return {
    logNorm: Math.log(weight) - 0.5 * (logDet + dim * LOG_2PI),
    traceInverse: inverseFrobenius(l, dim),
    solve(centered, out) {
      let quad = 0;
      for (let i = 0; i < dim; i++) {
        let sum = centered[i];
        for (let k = 0; k < i; k++) sum -= l[i * dim + k] * out[k];
        out[i] = sum / l[i * dim + i];
        quad += out[i] * out[i];
      }
      for (let i = dim - 1; i >= 0; i--) {
        let sum = out[i];
        for (let k = i + 1; k < dim; k++) sum -= l[k * dim + i] * out[k];
        out[i] = sum / l[i * dim + i];
      }
      return quad;
    },
  };
}

/** ‖L⁻¹‖²_F = tr((LLᵀ)⁻¹) for a lower-triangular L, column by column of L⁻¹ (forward substitution). */
function inverseFrobenius(l: Float64Array, dim: number): number {
  const column = new Float64Array(dim);
  let sum = 0;
  for (let c = 0; c < dim; c++) {
    column.fill(0);
    for (let i = c; i < dim; i++) {
      let v = i === c ? 1 : 0;
      for (let k = c; k < i; k++) v -= l[i * dim + k] * column[k];
      column[i] = v / l[i * dim + i];
      sum += column[i] * column[i];
    }
  }
  return sum;
}

/** Builds a mixture from a card's "analytic" block, checking shapes, weights and covariances. */
export function mixtureFromAnalytic(analytic: AnalyticMixture, source = 'mixture'): GaussianMixture {
  const { weights, means, covs } = analytic;
  const bad = (what: string): never => {
    throw new Error(`${source}: analytic mixture ${what}. Fix the "analytic" block of the model card.`);
  };
  if (weights.length === 0 || means.length !== weights.length || covs.length !== weights.length) {
    bad(`needs as many means and covs as weights (got ${weights.length}, ${means.length}, ${covs.length})`);
  }
  if (weights.some((w) => !(w > 0))) bad('weights must all be positive');
  const total = weights.reduce((s, w) => s + w, 0);
  const dim = means[0].length;
  if (dim === 0 || means.some((m) => m.length !== dim)) bad('means must all have the same, non-zero length');
  const covariances = covs.map((c, k): Covariance => {
    if (c.length === dim && c.every((row) => Array.isArray(row) && row.length === dim)) {
      const matrix = Float64Array.from((c as number[][]).flat());
      if (!cholesky(matrix, dim)) bad(`covariance ${k} is not symmetric positive definite`);
      return { kind: 'full', matrix };
    }
    if (c.length === dim && c.every((v) => typeof v === 'number' && v >= 0)) {
      return { kind: 'diag', diag: Float64Array.from(c as number[]) };
    }
    return bad(`covariance ${k} must be a ${dim}×${dim} matrix or ${dim} non-negative variances`);
  });
  return {
    dim,
    weights: weights.map((w) => w / total),
    means: means.map((m) => Float64Array.from(m)),
    covs: covariances,
  };
}

/** Exact D(x̃, σ), ∇log p_σ and log p_σ of a Gaussian mixture; factorisations cached per σ. */
export class MixtureDenoiser implements Denoiser {
  readonly dim: number;
  private readonly cache = new Map<number, Factor[]>();

  constructor(readonly mixture: GaussianMixture) {
    this.dim = mixture.dim;
  }

  async denoise(xTilde: Float32Array, sigma: Sigma, batch: number): Promise<Float32Array> {
    const score = new Float64Array(batch * this.dim);
    this.evaluate(Float64Array.from(xTilde), sigma, batch, score, null);
    const out = new Float32Array(batch * this.dim);
    for (let e = 0; e < out.length; e++) out[e] = xTilde[e] + sigma * sigma * score[e];
    return out;
  }

  /** ∇log p_σ(x̃) for each of `batch` points (x̃ coordinates), row-major. */
  scoreAt(xTilde: ArrayLike<number>, sigma: number, batch = 1): Float64Array {
    const score = new Float64Array(batch * this.dim);
    this.evaluate(Float64Array.from(xTilde), sigma, batch, score, null);
    return score;
  }

  /** log p_σ(x̃) for each of `batch` points. */
  logDensity(xTilde: ArrayLike<number>, sigma: number, batch = 1): Float64Array {
    const out = new Float64Array(batch);
    this.evaluate(Float64Array.from(xTilde), sigma, batch, null, out);
    return out;
  }

  /**
   * The divergence of the denoiser, ∇·D(x̃, σ) = dim + σ²·Δ log p_σ(x̃), exactly: with s_k =
   * −A_k⁻¹(x̃ − μ_k) and responsibilities r_k, the Hessian of log p_σ is Σ r_k(s_k s_kᵀ − A_k⁻¹) −
   * (Σ r_k s_k)(Σ r_k s_k)ᵀ, whose trace is the Laplacian. One number per point.
   */
  divergence(xTilde: ArrayLike<number>, sigma: number, batch = 1): Float64Array {
    const laplacian = new Float64Array(batch);
    this.evaluate(
      Float64Array.from(xTilde),
      sigma,
      batch,
      new Float64Array(batch * this.dim),
      null,
      laplacian,
    );
    return laplacian.map((l) => this.dim + sigma * sigma * l);
  }

  /**
   * Per point: log N_k, responsibilities r_k (log-sum-exp), score −Σ r_k A_k⁻¹(x̃ − μ_k), log p_σ
   * and, when asked (with the score), the Laplacian of log p_σ.
   */
  private evaluate(
    x: Float64Array,
    sigma: number,
    batch: number,
    score: Float64Array | null,
    logDensity: Float64Array | null,
    laplacian: Float64Array | null = null,
  ): void {
    const factors = this.factorsAt(sigma);
    const { dim } = this;
    const { means } = this.mixture;
    const count = factors.length;
    const centered = new Float64Array(dim);
    const solved = factors.map(() => new Float64Array(dim));
    const logs = new Float64Array(count);
    for (let b = 0; b < batch; b++) {
      const offset = b * dim;
      let top = -Infinity;
      for (let k = 0; k < count; k++) {
        const mean = means[k];
        for (let j = 0; j < dim; j++) centered[j] = x[offset + j] - mean[j];
        logs[k] = factors[k].logNorm - 0.5 * factors[k].solve(centered, solved[k]);
        if (logs[k] > top) top = logs[k];
      }
      let sum = 0;
      for (let k = 0; k < count; k++) {
        logs[k] = Math.exp(logs[k] - top);
        sum += logs[k];
      }
      if (logDensity) logDensity[b] = top + Math.log(sum);
      if (!score) continue;
      let secondMoment = 0;
      for (let k = 0; k < count; k++) {
        const r = logs[k] / sum;
        if (r === 0) continue;
        const v = solved[k];
        let squared = 0;
        for (let j = 0; j < dim; j++) {
          score[offset + j] -= r * v[j];
          squared += v[j] * v[j];
        }
        secondMoment += r * (squared - factors[k].traceInverse);
      }
      if (!laplacian) continue;
      let meanSquared = 0;
      for (let j = 0; j < dim; j++) meanSquared += score[offset + j] ** 2;
      laplacian[b] = secondMoment - meanSquared;
    }
  }

  private factorsAt(sigma: number): Factor[] {
    const cached = this.cache.get(sigma);
    if (cached) return cached;
    const { weights, covs, dim } = this.mixture;
    const factors = covs.map((c, k) =>
      c.kind === 'diag'
        ? diagFactor(c.diag, sigma, weights[k])
        : fullFactor(c.matrix, dim, sigma, weights[k]),
    );
    if (this.cache.size >= 16) this.cache.delete(this.cache.keys().next().value as number);
    this.cache.set(sigma, factors);
    return factors;
  }
}

/** n exact samples of the mixture (n × dim, row-major), a pure function of the seed. */
export function sampleMixture(mix: GaussianMixture, n: number, seed: number): Float32Array {
  const { dim } = mix;
  const pick = uniform(seed, 0, n);
  const normals = gaussianNoise(seed, 0, 1, n * dim);
  const roots = mix.covs.map((c) => (c.kind === 'diag' ? null : cholesky(c.matrix, dim)));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let acc = mix.weights[0]; pick[i] > acc && k < mix.weights.length - 1;) acc += mix.weights[++k];
    const c = mix.covs[k];
    const root = roots[k];
    for (let j = 0; j < dim; j++) {
      let v = mix.means[k][j];
      if (c.kind === 'diag') v += Math.sqrt(c.diag[j]) * normals[i * dim + j];
      else if (root) for (let m = 0; m <= j; m++) v += root[j * dim + m] * normals[i * dim + m];
      out[i * dim + j] = v;
    }
  }
  return out;
}
