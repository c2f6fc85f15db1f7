import { describe, expect, it } from 'vitest';
import {
  BROWNIAN_DEPTH,
  brownianIncrements,
  brownianNormals,
  brownianPlan,
  clockIndex,
  clockValue,
  nodeNormalsCache,
  planDraws,
} from '../../src/core/brownian';
import { brownianNodeNoise } from '../../src/core/rng';

const N = 20_000;
const inc = (seed: number, a: number, b: number, n = N) => brownianIncrements(seed, brownianPlan(a, b), n);
const k = (sigma: number) => clockIndex(sigma);

function meanVar(x: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const mean = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - mean) ** 2;
  return { mean, variance: v / (x.length - 1) };
}

function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const mx = meanVar(x);
  const my = meanVar(y);
  let c = 0;
  for (let i = 0; i < x.length; i++) c += (x[i] - mx.mean) * (y[i] - my.mean);
  return c / (x.length - 1) / Math.sqrt(mx.variance * my.variance);
}

describe('Brownian tree on the σ² clock', () => {
  it('quantises σ² to the nearest clock point, monotonically, within 2e-6 relative', () => {
    let last = -1;
    for (const sigma of [1e-3, 0.01, 0.1, 0.5, 1, 2, 10, 50, 152]) {
      const idx = k(sigma);
      expect(idx).toBeGreaterThan(last);
      last = idx;
      expect(Math.abs(clockValue(idx) / (sigma * sigma) - 1)).toBeLessThan(2e-6);
    }
    expect(k(0)).toBe(0);
    expect(k(1e9)).toBe(2 ** BROWNIAN_DEPTH);
  });

  it('is additive: the increments over [a, b] and [b, c] sum to the one over [a, c]', () => {
    for (const [a, b, c] of [
      [k(0.01), k(0.3), k(40)],
      [k(1), k(1.0001), k(1.0002)],
      [0, k(1), 2 ** BROWNIAN_DEPTH],
      [k(0.5), k(0.5) + 1, k(0.5) + 2],
    ]) {
      const ab = inc(7, a, b, 257);
      const bc = inc(7, b, c, 257);
      const ac = inc(7, a, c, 257);
      for (let e = 0; e < 257; e++) {
        expect(Math.abs(ab[e] + bc[e] - ac[e])).toBeLessThanOrEqual(1e-9 * Math.sqrt(clockValue(c)));
      }
    }
  });

  it('has Var(W(u′) − W(u)) = u′ − u and mean 0, at every scale', () => {
    for (const [lo, hi] of [
      [0.002, 0.003],
      [0.5, 0.51],
      [3, 40],
      [1e-4, 150],
    ]) {
      const a = k(lo);
      const b = k(hi);
      const { mean, variance } = meanVar(inc(3, a, b));
      const span = clockValue(b) - clockValue(a);
      // Sample variance of N normals: relative standard error √(2/N) ≈ 0.01.
      expect(Math.abs(variance / span - 1)).toBeLessThan(0.05);
      expect(Math.abs(mean) / Math.sqrt(span)).toBeLessThan(5 / Math.sqrt(N));
    }
  });

  it('gives uncorrelated increments over disjoint intervals', () => {
    const pairs: [number, number, number, number][] = [
      [0.1, 0.2, 0.2, 0.3],
      [0.1, 0.2, 5, 6],
      [1, 1.01, 1.02, 1.03],
    ];
    for (const [a, b, c, d] of pairs) {
      const x = inc(11, k(a), k(b));
      const y = inc(11, k(c), k(d));
      expect(Math.abs(correlation(x, y))).toBeLessThan(4 / Math.sqrt(N));
    }
    // A nested interval is correlated as √(len inner / len outer): the check can fail.
    const outer = inc(11, k(1), k(2));
    const inner = inc(11, k(1), k(1.5));
    const expected = Math.sqrt(
      (clockValue(k(1.5)) - clockValue(k(1))) / (clockValue(k(2)) - clockValue(k(1))),
    );
    expect(Math.abs(correlation(outer, inner) - expected)).toBeLessThan(0.03);
  });

  it('normalises increments to standard normals, and different seeds give different paths', () => {
    const z = brownianNormals(5, brownianPlan(k(0.2), k(0.25)), N);
    const { mean, variance } = meanVar(z);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(Math.abs(mean)).toBeLessThan(0.04);
    const other = brownianNormals(6, brownianPlan(k(0.2), k(0.25)), N);
    expect(Math.abs(correlation(z, other))).toBeLessThan(0.04);
    expect(Array.from(brownianNormals(5, brownianPlan(k(0.2), k(0.25)), 8))).toEqual(
      Array.from(z.slice(0, 8)),
    );
  });

  it('a sample path does not depend on the batch it is drawn in', () => {
    const plan = brownianPlan(k(0.7), k(0.9));
    const small = brownianIncrements(9, plan, 5);
    const big = brownianIncrements(9, plan, 1000);
    expect(Array.from(small)).toEqual(Array.from(big.slice(0, 5)));
  });

  it('costs at most 1 + 2·depth draws per element, and an empty interval costs none', () => {
    expect(planDraws(brownianPlan(k(1), k(1)))).toBe(0);
    expect(Array.from(brownianNormals(1, brownianPlan(k(1), k(1)), 3))).toEqual([0, 0, 0]);
    for (const [a, b] of [
      [0.01, 0.0101],
      [1, 50],
      [0.3, 0.31],
    ]) {
      expect(planDraws(brownianPlan(k(a), k(b)))).toBeLessThanOrEqual(1 + 2 * BROWNIAN_DEPTH);
    }
    expect(() => brownianPlan(5, 3)).toThrow(/0 ≤ a ≤ b/);
  });

  it('the node cache changes no bit: along a grid, across seeds and counts, and when it evicts', () => {
    const sigmas = [80, 20, 5, 1, 0.3, 0.1, 0.03, 0.01];
    const plans = sigmas.slice(1).map((next, i) => brownianPlan(k(next), k(sigmas[i])));
    // A roomy cache, and one that holds only a few nodes of 300 elements, so it evicts every step.
    const caches = [nodeNormalsCache(), nodeNormalsCache(4 * 300 * 5)];
    for (const count of [300, 7, 300]) {
      for (const seed of [1, 2, 1]) {
        for (const plan of plans) {
          const want = brownianNormals(seed, plan, count, brownianNodeNoise);
          for (const nodes of caches) {
            expect(Array.from(brownianNormals(seed, plan, count, nodes))).toEqual(Array.from(want));
          }
        }
      }
    }
  });
});
