import { describe, expect, it } from 'vitest';
import { gaussianNoise, mulhi32, philox4x32, PRIOR_STEP, seedKey, uniform } from '../../src/core/rng';

const hex = (words: Uint32Array) => Array.from(words, (w) => w.toString(16).padStart(8, '0')).join(' ');

/** Standard normal CDF via erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return 0.5 * (1 + Math.sign(z) * erf);
}

describe('Philox4x32-10', () => {
  it('matches the Random123 known-answer vectors', () => {
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    const ones = 0xffffffff;
    expect(hex(philox4x32([ones, ones, ones, ones], [ones, ones]))).toBe(
      '408f276d 41c83b0e a20bc7c6 6d5451fd',
    );
    expect(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toBe(
      'd16cfe09 94fdcceb 5001e420 24126ea1',
    );
  });

  it('computes the high word of 32×32-bit products exactly', () => {
    const values = [0, 1, 2, 0xffff, 0x10000, 0xd2511f53, 0xcd9e8d57, 0x80000000, 0xffffffff, 0x12345678];
    for (const a of values) {
      for (const b of values) {
        expect(mulhi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
      }
    }
  });

  it('splits seeds up to 2^53 into two key words and rejects unusable seeds', () => {
    expect(seedKey(2 ** 32 + 5)).toEqual([5, 1]);
    expect(seedKey(Number.MAX_SAFE_INTEGER)).toEqual([0xffffffff, 0x1fffff]);
    for (const bad of [-1, 1.5, 2 ** 53, Number.NaN]) expect(() => seedKey(bad)).toThrow(/Seed/);
  });
});

describe('gaussianNoise', () => {
  it('gives element e the same value whatever the count (batch size)', () => {
    const long = gaussianNoise(7, 3, 2, 1001);
    const short = gaussianNoise(7, 3, 2, 13);
    expect(Array.from(short)).toEqual(Array.from(long.subarray(0, 13)));
  });

  it('differs between seeds, steps, streams and the high word of the seed', () => {
    const base = gaussianNoise(1, 0, 0, 8);
    for (const other of [
      gaussianNoise(2, 0, 0, 8),
      gaussianNoise(1, 1, 0, 8),
      gaussianNoise(1, 0, 1, 8),
      gaussianNoise(1, PRIOR_STEP, 0, 8),
      gaussianNoise(2 ** 32 + 1, 0, 0, 8),
    ]) {
      expect(Array.from(other)).not.toEqual(Array.from(base));
    }
  });

  it('has standard normal moments and distribution', () => {
    const n = 200_000;
    const z = gaussianNoise(12345, 0, 0, n);
    let m1 = 0;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    for (const v of z) {
      m1 += v / n;
      m2 += (v * v) / n;
      m3 += (v * v * v) / n;
      m4 += (v * v * v * v) / n;
    }
    // Five standard errors of each moment of N(0,1): var(z)=1, var(z²)=2, var(z³)=15, var(z⁴)=96.
    expect(Math.abs(m1)).toBeLessThan(5 * Math.sqrt(1 / n));
    expect(Math.abs(m2 - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m3)).toBeLessThan(5 * Math.sqrt(15 / n));
    expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    // Kolmogorov–Smirnov against Φ at the 0.1 % level (critical value 1.95/√n).
    const sorted = Float64Array.from(z).sort();
    let ks = 0;
    sorted.forEach((v, i) => {
      const cdf = normalCdf(v);
      ks = Math.max(ks, Math.abs(cdf - i / n), Math.abs(cdf - (i + 1) / n));
    });
    expect(ks).toBeLessThan(1.95 / Math.sqrt(n));
  });

  it('pairs of neighbouring elements are uncorrelated', () => {
    const n = 100_000;
    const z = gaussianNoise(99, 4, 1, n + 1);
    let c = 0;
    for (let i = 0; i < n; i++) c += (z[i] * z[i + 1]) / n;
    expect(Math.abs(c)).toBeLessThan(5 / Math.sqrt(n));
  });
});

describe('uniform', () => {
  it('lies in (0, 1) with mean 1/2 and variance 1/12', () => {
    const n = 100_000;
    const u = uniform(3, 0, n);
    let m = 0;
    let v = 0;
    let outside = 0;
    for (const x of u) {
      if (!(x > 0 && x < 1)) outside++;
      m += x / n;
    }
    expect(outside).toBe(0);
    for (const x of u) v += (x - m) ** 2 / n;
    expect(Math.abs(m - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(v - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n));
    expect(Array.from(uniform(3, 1, 4))).not.toEqual(Array.from(u.subarray(0, 4)));
  });
});
