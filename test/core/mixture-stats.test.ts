import { describe, expect, it } from 'vitest';
import { mixtureFromAnalytic, sampleMixture } from '../../src/core/mixture';
import { gaussianNoise } from '../../src/core/rng';
import {
  covariance,
  meanWithStandardError,
  slicedWasserstein1,
  slicedWasserstein2,
  wasserstein1d,
  wasserstein2Squared1d,
} from '../../src/core/stats';

describe('1D Wasserstein-2', () => {
  it('equals the mean squared difference of sorted values for equal sizes', () => {
    const a = Float64Array.of(0, 1, 3);
    const b = Float64Array.of(1, 1, 5);
    expect(wasserstein2Squared1d(a, b)).toBeCloseTo((1 + 0 + 4) / 3, 14);
  });

  it('integrates quantile functions exactly for different sizes', () => {
    // A = {0, 2} (each mass 1/2), B = {1} (mass 1): W2² = ½·1 + ½·1 = 1.
    expect(wasserstein2Squared1d(Float64Array.of(0, 2), Float64Array.of(1))).toBeCloseTo(1, 14);
    // A = {0, 1, 2}, B = {0, 2}: u∈(0,⅓): 0; (⅓,½): 1; (½,⅔): 1; (⅔,1): 0 ⇒ ⅓.
    expect(wasserstein2Squared1d(Float64Array.of(0, 1, 2), Float64Array.of(0, 2))).toBeCloseTo(1 / 3, 14);
  });
});

describe('1D Wasserstein-1', () => {
  it('equals the mean absolute difference of sorted values for equal sizes', () => {
    expect(wasserstein1d(Float64Array.of(0, 1, 3), Float64Array.of(1, 1, 5))).toBeCloseTo(
      (1 + 0 + 2) / 3,
      14,
    );
  });

  it('integrates quantile functions exactly for different sizes', () => {
    // A = {0, 2}, B = {1}: |0 − 1|·½ + |2 − 1|·½ = 1.
    expect(wasserstein1d(Float64Array.of(0, 2), Float64Array.of(1))).toBeCloseTo(1, 14);
    // A = {0, 1, 2}, B = {0, 2}: u∈(⅓,½): |1 − 0|, (½,⅔): |1 − 2|, zero elsewhere ⇒ ⅙ + ⅙.
    expect(wasserstein1d(Float64Array.of(0, 1, 2), Float64Array.of(0, 2))).toBeCloseTo(1 / 3, 14);
  });
});

describe('sliced Wasserstein-1', () => {
  // A translate by c moves every projection by θ·c, so W1 along θ is |θ·c| exactly; the mean over
  // uniform directions is |c|·E|cos∠(θ, c)|: 2/π in 2D, 1/2 in 3D. 4000 directions: about 1 % error.
  it.each([
    [2, 2 / Math.PI],
    [3, 1 / 2],
  ])('of a point set and its translate by c is |c|·E|cos| in %i dimensions', (dim, meanAbsCos) => {
    const n = 500;
    const a = Float64Array.from(gaussianNoise(4, 0, 0, n * dim));
    const b = a.map((v, e) => (e % dim === 0 ? v + 0.6 : v));
    const sw = slicedWasserstein1(a, n, b, n, dim, { projections: 4000 });
    expect(Math.abs(sw - 0.6 * meanAbsCos)).toBeLessThan(0.01);
    expect(slicedWasserstein1(a, n, a, n, dim)).toBe(0);
  });

  it('counts a far outlier by its mass: one of n points moved by d adds |d|/n along θ (W2: ≈ |d|/√n)', () => {
    const n = 100;
    const a = Float64Array.from(gaussianNoise(5, 0, 0, n * 2));
    const b = a.slice();
    b[0] += 100;
    const opts = { projections: 4000 };
    expect(Math.abs(slicedWasserstein1(a, n, b, n, 2, opts) - (100 / n) * (2 / Math.PI))).toBeLessThan(0.01);
    expect(slicedWasserstein2(a, n, b, n, 2, opts)).toBeGreaterThan(5);
  });
});

describe('sliced Wasserstein-2', () => {
  it('of a point set and its translate by c is |c|·√(mean cos²) = |c|/√dim for many directions', () => {
    const n = 500;
    const dim = 3;
    const a = Float64Array.from(gaussianNoise(1, 0, 0, n * dim));
    const shift = [0.6, 0, 0];
    const b = a.map((v, e) => v + shift[e % dim]);
    const sw = slicedWasserstein2(a, n, b, n, dim, { projections: 4000 });
    // E[(θ·c)²] = |c|²/dim for θ uniform on the sphere; 4000 directions give ~2 % error.
    expect(sw).toBeCloseTo(0.6 / Math.sqrt(3), 1);
    expect(slicedWasserstein2(a, n, a, n, dim)).toBe(0);
  });

  it('between Gaussians N(0, I) and N(0, 4I) is the 1D distance |1 − 2| along every direction', () => {
    const unit = mixtureFromAnalytic({ weights: [1], means: [[0, 0]], covs: [[1, 1]] });
    const wide = mixtureFromAnalytic({ weights: [1], means: [[0, 0]], covs: [[4, 4]] });
    const n = 4000;
    const x = sampleMixture(unit, n, 1);
    const same = slicedWasserstein2(x, n, sampleMixture(unit, 3000, 2), 3000, 2);
    const other = slicedWasserstein2(x, n, sampleMixture(wide, 3000, 3), 3000, 2);
    expect(same).toBeLessThan(0.08);
    expect(Math.abs(other - 1)).toBeLessThan(0.08);
  });
});

describe('moments', () => {
  it('covariance of a known set and the standard error of a mean', () => {
    const pts = [0, 0, 2, 0, 0, 2, 2, 2];
    expect(Array.from(covariance(pts, 4, 2))).toEqual([4 / 3, 0, 0, 4 / 3]);
    const { mean, se } = meanWithStandardError([1, 2, 3, 4]);
    expect(mean).toBe(2.5);
    expect(se).toBeCloseTo(Math.sqrt(5 / 3 / 4), 14);
  });
});
