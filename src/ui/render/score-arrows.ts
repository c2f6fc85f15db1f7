/**
 * Arrows of the score ∇ₓ log p_t(x) on a regular grid of the 2D view, exact for analytic
 * mixtures: in scale-free coordinates x̃ = x/s the marginal is the mixture convolved with N(0, σ²I)
 * (Song et al. 2021, eq. 3 with Tweedie's formula), and ∇ₓ log p_t(x) = ∇ₓ̃ log p_σ(x̃) / s.
 */

/** Arrows per side of the 2D view. */
export const ARROWS_PER_SIDE = 17;

export interface ScoreSource {
  /** ∇log p_σ at `batch` points in scale-free coordinates, row-major (batch × 2). */
  scoreAt(xTilde: ArrayLike<number>, sigma: number, batch: number): ArrayLike<number>;
}

export interface Arrow {
  x: number;
  y: number;
  /** Score direction scaled so that the longest arrow of the field has length `maxLength`. */
  dx: number;
  dy: number;
}

/**
 * The centres of an n×n grid over [lo, hi]² (native coordinates), in scale-free coordinates x/s:
 * where the arrows are drawn, row-major (n² × 2).
 */
export function arrowGrid(bounds: readonly [number, number], n: number, scale: number): Float64Array {
  const [lo, hi] = bounds;
  const cell = (hi - lo) / n;
  const points = new Float64Array(n * n * 2);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const k = (r * n + c) * 2;
      points[k] = (lo + (c + 0.5) * cell) / scale;
      points[k + 1] = (lo + (r + 0.5) * cell) / scale;
    }
  }
  return points;
}

/**
 * Arrows at the centres of an n×n grid over [lo, hi]², lengths compressed by a square root so that
 * weak and strong regions stay readable, the longest one `maxLength` long (world units).
 */
export function scoreArrows(
  source: ScoreSource,
  sigma: number,
  scale: number,
  bounds: readonly [number, number],
  n: number,
  maxLength: number,
): Arrow[] {
  const points = arrowGrid(bounds, n, scale);
  return arrowsAt(points, source.scoreAt(points, sigma, n * n), scale, maxLength);
}

/**
 * Arrows at `points` (scale-free, count × 2) for the score there (∇log p_σ in scale-free
 * coordinates, e.g. computed by the engine for a learned model), drawn at x = s·x̃ and scaled as
 * in scoreArrows.
 */
export function arrowsAt(
  points: ArrayLike<number>,
  score: ArrayLike<number>,
  scale: number,
  maxLength: number,
): Arrow[] {
  const count = Math.floor(points.length / 2);
  const norms: number[] = [];
  for (let k = 0; k < count; k++) norms.push(Math.hypot(score[2 * k], score[2 * k + 1]) / scale);
  const largest = Math.max(...norms.filter(Number.isFinite), 0);
  if (largest === 0) return [];
  return norms.map((norm, k) => {
    const length = Number.isFinite(norm) && norm > 0 ? maxLength * Math.sqrt(norm / largest) : 0;
    const unit = norm > 0 ? length / (norm * scale) : 0;
    return {
      x: points[2 * k] * scale,
      y: points[2 * k + 1] * scale,
      dx: score[2 * k] * unit,
      dy: score[2 * k + 1] * unit,
    };
  });
}
