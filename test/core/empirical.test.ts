import { describe, expect, it } from 'vitest';
import { EmpiricalDenoiser } from '../../src/core/empirical';
import { MixtureDenoiser, mixtureFromAnalytic } from '../../src/core/mixture';
import { gaussianNoise } from '../../src/core/rng';
import { asSigma } from '../../src/core/types';

/** N points and a batch of queries around them, 2-D or 3-D. */
function scene(count: number, batch: number, dim: number, seed: number) {
  const points = gaussianNoise(seed, 0, 0, count * dim).map((v) => 1.5 * v);
  const queries = gaussianNoise(seed, 0, 1, batch * dim).map((v) => 2 * v);
  return { points, queries };
}

/** The same points as an analytic mixture: equal weights, zero covariance. */
function asMixture(points: Float32Array, dim: number): MixtureDenoiser {
  const count = points.length / dim;
  const means = Array.from({ length: count }, (_, k) => Array.from(points.subarray(k * dim, (k + 1) * dim)));
  return new MixtureDenoiser(
    mixtureFromAnalytic({
      weights: new Array<number>(count).fill(1),
      means,
      covs: means.map(() => new Array<number>(dim).fill(0)),
    }),
  );
}

describe('EmpiricalDenoiser: the exact denoiser of a finite point set', () => {
  it.each([
    [2, 0.02],
    [2, 0.3],
    [2, 1],
    [2, 20],
    [3, 0.5],
  ])(
    'equals the mixture of N equal-weight components of variance σ² (dim %i, σ = %f) to 1e-9',
    (dim, sigma) => {
      const { points, queries } = scene(60, 200, dim, 7);
      const exact = asMixture(points, dim);
      const ours = new EmpiricalDenoiser(points, dim);
      const d = ours.denoise64(queries, sigma, 200);
      const score = exact.scoreAt(queries, sigma, 200);
      for (let e = 0; e < d.length; e++) {
        expect(Math.abs(d[e] - (queries[e] + sigma * sigma * score[e]))).toBeLessThan(1e-9);
      }
      const ourScore = ours.scoreAt(queries, sigma, 200);
      for (let e = 0; e < d.length; e++) {
        expect(Math.abs(ourScore[e] - score[e])).toBeLessThan(
          (1e-9 * Math.max(1, Math.abs(score[e]))) / sigma ** 2,
        );
      }
    },
  );

  it('its float32 denoise agrees with the mixture denoiser to float32 rounding', async () => {
    const { points, queries } = scene(40, 100, 2, 8);
    const sigma = asSigma(0.4);
    const a = await new EmpiricalDenoiser(points, 2).denoise(queries, sigma, 100);
    const b = await asMixture(points, 2).denoise(queries, sigma, 100);
    for (let e = 0; e < a.length; e++)
      expect(Math.abs(a[e] - b[e])).toBeLessThan(1e-6 * Math.max(1, Math.abs(b[e])));
  });

  it('memorises at small σ (returns the nearest point) and averages all points at large σ', () => {
    const { points } = scene(30, 1, 2, 9);
    const ours = new EmpiricalDenoiser(points, 2);
    const near = Float64Array.from(points).map((v, e) => v + (e % 2 ? 0.01 : -0.01));
    const d = ours.denoise64(near, 0.01, 30);
    for (let e = 0; e < d.length; e++) expect(d[e]).toBeCloseTo(points[e], 6);
    const atZero = ours.denoise64(near, 0, 30);
    for (let e = 0; e < d.length; e++) expect(atZero[e]).toBe(points[e]);
    const centroid = [0, 1].map((j) => points.filter((_, e) => e % 2 === j).reduce((s, v) => s + v, 0) / 30);
    const far = ours.denoise64([0.3, -0.2], 1e4, 1);
    expect(far[0]).toBeCloseTo(centroid[0], 6);
    expect(far[1]).toBeCloseTo(centroid[1], 6);
  });

  it('stays finite far from every point at a tiny σ (log-sum-exp)', () => {
    const ours = new EmpiricalDenoiser([0, 0, 1, 0], 2);
    const d = ours.denoise64([100, 3], 1e-3, 1);
    expect([...d]).toEqual([1, 0]);
  });

  it('says what is wrong with its input', () => {
    expect(() => new EmpiricalDenoiser([], 2)).toThrow(/one or more whole 2-D points/);
    expect(() => new EmpiricalDenoiser([0, 0, 1], 2)).toThrow(/one or more whole 2-D points/);
    expect(() => new EmpiricalDenoiser([0, NaN], 2)).toThrow(/finite/);
    expect(() => new EmpiricalDenoiser([0, 0], 2).denoise64([0, 0, 0], 1, 1)).toThrow(/3 values for 1 × 2/);
  });
});
