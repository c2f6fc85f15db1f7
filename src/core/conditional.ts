/**
 * The exact conditional of a 2D Gaussian mixture given one coordinate (issue 13, imputation):
 * with the known coordinate a = c and the other b,
 *
 *   p(b | a = c) = Σ_k w_k(c) N(b; μ_k,b + (Σ_k,ba/Σ_k,aa)(c − μ_k,a), Σ_k,bb − Σ_k,ba²/Σ_k,aa),
 *   w_k(c) ∝ π_k N(c; μ_k,a, Σ_k,aa)
 *
 * (the Gaussian conditioning formula per component; Bishop 2006, eq. 2.81–2.82). This is what
 * imputation of b by an unconditional model should sample, and what replacement only approximates
 * (Song et al. 2021, App. I.2).
 */
import type { GaussianMixture } from './mixture';
import { gaussianNoise, uniform } from './rng';

export interface MixtureConditional {
  /** Posterior component weights w_k(c), summing to 1. */
  weights: number[];
  means: number[];
  stds: number[];
  /** The conditional density p(b | a = c) at b. */
  density(b: number): number;
  /** n exact draws of b, sorted ascending (a pure function of the seed). */
  sample(n: number, seed: number): Float64Array;
}

/** p(b | a = value) for a 2D mixture; `axis` is the known coordinate (0: x known, 1: y known). */
export function mixtureConditional(mix: GaussianMixture, axis: 0 | 1, value: number): MixtureConditional {
  if (mix.dim !== 2) throw new Error(`Imputing one coordinate needs 2D data, not ${mix.dim}D.`);
  const other = 1 - axis;
  const parts = mix.weights.map((w, k) => {
    const c = mix.covs[k];
    const entry = (i: number, j: number) =>
      c.kind === 'full' ? c.matrix[2 * i + j] : i === j ? c.diag[i] : 0;
    const saa = entry(axis, axis);
    const sab = entry(axis, other);
    const sbb = entry(other, other);
    const ma = mix.means[k][axis];
    const mb = mix.means[k][other];
    const logWeight = Math.log(w) - 0.5 * Math.log(2 * Math.PI * saa) - (value - ma) ** 2 / (2 * saa);
    return { logWeight, mean: mb + (sab / saa) * (value - ma), std: Math.sqrt(sbb - (sab * sab) / saa) };
  });
  const top = Math.max(...parts.map((p) => p.logWeight));
  const raw = parts.map((p) => Math.exp(p.logWeight - top));
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((w) => w / total);
  const means = parts.map((p) => p.mean);
  const stds = parts.map((p) => p.std);
  return {
    weights,
    means,
    stds,
    density: (b) =>
      weights.reduce(
        (acc, w, k) =>
          acc +
          (w * Math.exp(-((b - means[k]) ** 2) / (2 * stds[k] ** 2))) / (Math.sqrt(2 * Math.PI) * stds[k]),
        0,
      ),
    sample: (n, seed) => {
      const pick = uniform(seed, 0, n);
      const z = gaussianNoise(seed, 0, 1, n);
      return Float64Array.from({ length: n }, (_, i) => {
        let k = 0;
        for (let acc = weights[0]; pick[i] > acc && k < weights.length - 1;) acc += weights[++k];
        return means[k] + stds[k] * z[i];
      }).sort();
    },
  };
}

/**
 * The fraction of `values` in each of `bins` equal bins over [lo, hi] (a value outside counts in
 * the total but in no bin, so the fractions sum to the share inside).
 */
export function histogram(values: ArrayLike<number>, lo: number, hi: number, bins: number): Float64Array {
  const out = new Float64Array(bins);
  if (values.length === 0) return out;
  const width = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const k = Math.floor((values[i] - lo) / width);
    if (k >= 0 && k < bins) out[k] += 1;
  }
  return out.map((c) => c / values.length);
}

/** The exact mass of each bin over [lo, hi] under `density` (Simpson's rule, 16 panels a bin). */
export function binMasses(
  density: (b: number) => number,
  lo: number,
  hi: number,
  bins: number,
): Float64Array {
  const width = (hi - lo) / bins;
  const panels = 16;
  const h = width / panels;
  return Float64Array.from({ length: bins }, (_, k) => {
    const a = lo + k * width;
    let sum = density(a) + density(a + width);
    for (let j = 1; j < panels; j++) sum += (j % 2 === 1 ? 4 : 2) * density(a + j * h);
    return (sum * h) / 3;
  });
}

/** Total variation distance ½Σ|p − q| between two binned distributions. */
export function totalVariation(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let sum = 0;
  for (let k = 0; k < p.length; k++) sum += Math.abs(p[k] - q[k]);
  return sum / 2;
}
