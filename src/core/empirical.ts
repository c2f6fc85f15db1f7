/**
 * The exact denoiser of a finite point set {p_1 … p_N}: the optimum of the denoising objective on
 * those points. At noise level σ the data is (1/N) Σ_k N(p_k, σ²I), so
 *
 *   D(x̃, σ) = E[x₀ | x̃] = Σ_k softmax_k(−|x̃ − p_k|² / 2σ²) p_k,
 *
 * the Gaussian mixture of N equal-weight components of covariance 0 seen at σ. Sampling with it
 * reproduces the points themselves (it memorises); a trained network generalises.
 *
 * The softmax drops −|x̃|²/2σ², which is the same for every k: logit_k = (x̃·p_k − |p_k|²/2)/σ².
 * A log-sum-exp shift by the largest logit keeps it finite at any σ, and terms more than
 * NEGLIGIBLE_LOGIT below the top are skipped (each weighs less than e^−40 ≈ 4·10⁻¹⁸ of the top).
 */
import type { Denoiser, Sigma } from './types';

const NEGLIGIBLE_LOGIT = 40;

export class EmpiricalDenoiser implements Denoiser {
  readonly count: number;
  private readonly points: Float64Array;
  /** |p_k|² / 2. */
  private readonly halfNorms: Float64Array;
  private readonly logits: Float64Array;
  /** Separate x and y coordinates: the 2-D fast path. */
  private readonly xs: Float64Array | null;
  private readonly ys: Float64Array | null;

  /** `points` is row-major count × dim. */
  constructor(
    points: ArrayLike<number>,
    readonly dim: number,
  ) {
    if (!Number.isInteger(dim) || dim < 1)
      throw new Error(`Point dimension ${dim} must be a whole number ≥ 1.`);
    const count = points.length / dim;
    if (!Number.isInteger(count) || count < 1) {
      throw new Error(
        `An empirical denoiser needs one or more whole ${dim}-D points (got ${points.length} numbers).`,
      );
    }
    this.count = count;
    this.points = Float64Array.from(points);
    if (this.points.some((v) => !Number.isFinite(v))) {
      throw new Error('An empirical denoiser needs finite point coordinates.');
    }
    this.halfNorms = new Float64Array(count);
    for (let k = 0; k < count; k++) {
      let sq = 0;
      for (let j = 0; j < dim; j++) sq += this.points[k * dim + j] ** 2;
      this.halfNorms[k] = sq / 2;
    }
    this.logits = new Float64Array(count);
    this.xs = dim === 2 ? this.points.filter((_, e) => e % 2 === 0) : null;
    this.ys = dim === 2 ? this.points.filter((_, e) => e % 2 === 1) : null;
  }

  async denoise(xTilde: Float32Array, sigma: Sigma, batch: number): Promise<Float32Array> {
    return Float32Array.from(this.denoise64(xTilde, sigma, batch));
  }

  /** D(x̃, σ) in double precision for `batch` points x̃ (row-major batch × dim). */
  denoise64(xTilde: ArrayLike<number>, sigma: number, batch: number): Float64Array {
    const { dim, count, points, halfNorms } = this;
    if (xTilde.length !== batch * dim) {
      throw new Error(`Empirical denoiser got ${xTilde.length} values for ${batch} × ${dim}.`);
    }
    if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`Noise level σ = ${sigma} must be ≥ 0.`);
    const out = new Float64Array(batch * dim);
    if (this.xs && this.ys && sigma > 0) {
      this.denoise2d(xTilde, sigma, batch, this.xs, this.ys, out);
      return out;
    }
    const logits = this.logits;
    const precision = sigma > 0 ? 1 / (sigma * sigma) : 1;
    for (let b = 0; b < batch; b++) {
      const row = b * dim;
      let top = -Infinity;
      for (let k = 0; k < count; k++) {
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += xTilde[row + j] * points[k * dim + j];
        // At σ = 0 the limit is the nearest point: the largest x̃·p − |p|²/2 without the 1/σ².
        const logit = (dot - halfNorms[k]) * precision;
        logits[k] = logit;
        if (logit > top) top = logit;
      }
      if (sigma === 0) {
        const nearest = logits.indexOf(top);
        for (let j = 0; j < dim; j++) out[row + j] = points[nearest * dim + j];
        continue;
      }
      let total = 0;
      const floor = top - NEGLIGIBLE_LOGIT;
      for (let k = 0; k < count; k++) {
        if (logits[k] < floor) continue;
        const weight = Math.exp(logits[k] - top);
        total += weight;
        for (let j = 0; j < dim; j++) out[row + j] += weight * points[k * dim + j];
      }
      for (let j = 0; j < dim; j++) out[row + j] /= total;
    }
    return out;
  }

  /** denoise64 for dim 2 and σ > 0, the same sums with the coordinates in separate arrays. */
  private denoise2d(
    xTilde: ArrayLike<number>,
    sigma: number,
    batch: number,
    xs: Float64Array,
    ys: Float64Array,
    out: Float64Array,
  ): void {
    const { count, halfNorms, logits } = this;
    const precision = 1 / (sigma * sigma);
    for (let b = 0; b < batch; b++) {
      const x = xTilde[2 * b];
      const y = xTilde[2 * b + 1];
      let top = -Infinity;
      for (let k = 0; k < count; k++) {
        const logit = (x * xs[k] + y * ys[k] - halfNorms[k]) * precision;
        logits[k] = logit;
        if (logit > top) top = logit;
      }
      const floor = top - NEGLIGIBLE_LOGIT;
      let total = 0;
      let sumX = 0;
      let sumY = 0;
      for (let k = 0; k < count; k++) {
        if (logits[k] < floor) continue;
        const weight = Math.exp(logits[k] - top);
        total += weight;
        sumX += weight * xs[k];
        sumY += weight * ys[k];
      }
      out[2 * b] = sumX / total;
      out[2 * b + 1] = sumY / total;
    }
  }

  /** ∇log p_σ(x̃) = (D(x̃, σ) − x̃)/σ² (Tweedie), for drawing the exact score next to a learned one. */
  scoreAt(xTilde: ArrayLike<number>, sigma: number, batch = 1): Float64Array {
    if (!(sigma > 0)) throw new Error(`The score needs σ > 0 (got ${sigma}).`);
    const d = this.denoise64(xTilde, sigma, batch);
    for (let e = 0; e < d.length; e++) d[e] = (d[e] - xTilde[e]) / (sigma * sigma);
    return d;
  }
}
