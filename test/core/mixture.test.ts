import { describe, expect, it } from 'vitest';
import { MixtureDenoiser, mixtureFromAnalytic, sampleMixture } from '../../src/core/mixture';
import { covariance, mean, mixtureMoments, momentStandardErrors } from '../../src/core/stats';
import { asSigma } from '../../src/core/types';

const normalPdf = (x: number, m: number, v: number) =>
  Math.exp(-((x - m) ** 2) / (2 * v)) / Math.sqrt(2 * Math.PI * v);

/** A 2D mixture with a correlated component, used against brute-force integration. */
const mixture2d = mixtureFromAnalytic({
  weights: [0.6, 0.4],
  means: [
    [-1, 0.5],
    [1, -0.5],
  ],
  covs: [
    [
      [0.3, 0.1],
      [0.1, 0.2],
    ],
    [0.05, 0.4],
  ],
});

/** Density of mixture2d at x₀ (brute force, no library code). */
function prior2d(x: number, y: number): number {
  const a = 0.3;
  const b = 0.1;
  const d = 0.2;
  const det = a * d - b * b;
  const dx = x + 1;
  const dy = y - 0.5;
  const quad = (d * dx * dx - 2 * b * dx * dy + a * dy * dy) / det;
  const first = Math.exp(-0.5 * quad) / (2 * Math.PI * Math.sqrt(det));
  const second = normalPdf(x, 1, 0.05) * normalPdf(y, -0.5, 0.4);
  return 0.6 * first + 0.4 * second;
}

describe('MixtureDenoiser against numerical integration', () => {
  it('1D: D(x̃, σ) = ∫x₀ p₀(x₀) N(x̃; x₀, σ²) dx₀ / ∫p₀ N', async () => {
    const mix = mixtureFromAnalytic({ weights: [0.3, 0.7], means: [[-2], [1.5]], covs: [[0.25], [[0.04]]] });
    const denoiser = new MixtureDenoiser(mix);
    for (const sigma of [0.05, 0.5, 2, 10]) {
      for (const xTilde of [-3, -0.2, 0.4, 2.5]) {
        let num = 0;
        let den = 0;
        for (let x0 = -8; x0 <= 8; x0 += 1e-4) {
          const w =
            (0.3 * normalPdf(x0, -2, 0.25) + 0.7 * normalPdf(x0, 1.5, 0.04)) *
            normalPdf(xTilde, x0, sigma ** 2);
          num += x0 * w;
          den += w;
        }
        const [d] = await denoiser.denoise(Float32Array.of(xTilde), asSigma(sigma), 1);
        expect(d).toBeCloseTo(num / den, 4);
        const [logP] = denoiser.logDensity([xTilde], sigma);
        expect(Math.exp(logP)).toBeCloseTo(den * 1e-4, 6);
      }
    }
  });

  it('2D with a full covariance: posterior mean by grid integration', async () => {
    const denoiser = new MixtureDenoiser(mixture2d);
    const h = 0.01;
    for (const sigma of [0.3, 1.5]) {
      for (const [px, py] of [
        [0.2, 0.1],
        [-1.5, 1.2],
      ]) {
        let num0 = 0;
        let num1 = 0;
        let den = 0;
        for (let x = -5; x <= 5; x += h) {
          for (let y = -5; y <= 5; y += h) {
            const w = prior2d(x, y) * Math.exp(-((px - x) ** 2 + (py - y) ** 2) / (2 * sigma * sigma));
            num0 += x * w;
            num1 += y * w;
            den += w;
          }
        }
        const d = await denoiser.denoise(Float32Array.of(px, py), asSigma(sigma), 1);
        expect(d[0]).toBeCloseTo(num0 / den, 4);
        expect(d[1]).toBeCloseTo(num1 / den, 4);
      }
    }
  });

  it('its density at σ integrates to 1', () => {
    const denoiser = new MixtureDenoiser(mixture2d);
    const h = 0.02;
    const pts: number[] = [];
    for (let x = -7; x <= 7; x += h) for (let y = -7; y <= 7; y += h) pts.push(x, y);
    const logs = denoiser.logDensity(pts, 0.5, pts.length / 2);
    const total = logs.reduce((sum, l) => sum + Math.exp(l) * h * h, 0);
    expect(total).toBeCloseTo(1, 4);
  });
});

describe("Tweedie's formula", () => {
  it('D(x̃, σ) = x̃ + σ²∇log p_σ(x̃), with the gradient by finite differences', async () => {
    const denoiser = new MixtureDenoiser(mixture2d);
    const eps = 1e-5;
    for (const sigma of [0.1, 0.7, 3]) {
      const point = [0.3, -0.8];
      const d = await denoiser.denoise(Float32Array.from(point), asSigma(sigma), 1);
      for (let j = 0; j < 2; j++) {
        const plus = [...point];
        const minus = [...point];
        plus[j] += eps;
        minus[j] -= eps;
        const grad = (denoiser.logDensity(plus, sigma)[0] - denoiser.logDensity(minus, sigma)[0]) / (2 * eps);
        expect(d[j]).toBeCloseTo(point[j] + sigma * sigma * grad, 4);
        expect(denoiser.scoreAt(point, sigma)[j]).toBeCloseTo(grad, 4);
      }
    }
  });
});

describe('diagonal covariances', () => {
  it('a 784-dimensional Gaussian gives the closed form μ + d/(d + σ²)(x̃ − μ) for a batch', async () => {
    const dim = 784;
    const means = Array.from({ length: dim }, (_, j) => Math.sin(j));
    const variances = Array.from({ length: dim }, (_, j) => 0.01 + (j % 7) / 10);
    const denoiser = new MixtureDenoiser(
      mixtureFromAnalytic({ weights: [1], means: [means], covs: [variances] }),
    );
    const batch = 3;
    const x = Float32Array.from({ length: batch * dim }, (_, e) => Math.cos(e) * 2);
    const sigma = 0.8;
    const d = await denoiser.denoise(x, asSigma(sigma), batch);
    for (let e = 0; e < x.length; e += 97) {
      const j = e % dim;
      const expected = means[j] + (variances[j] / (variances[j] + sigma ** 2)) * (x[e] - means[j]);
      expect(d[e]).toBeCloseTo(expected, 5);
    }
  });

  it('a diagonal covariance and the same matrix given in full agree', async () => {
    const diag = mixtureFromAnalytic({
      weights: [1, 2],
      means: [
        [0, 1, 2],
        [1, 0, -1],
      ],
      covs: [
        [0.1, 0.2, 0.3],
        [0.5, 0.1, 0.2],
      ],
    });
    const full = mixtureFromAnalytic({
      weights: [1, 2],
      means: [
        [0, 1, 2],
        [1, 0, -1],
      ],
      covs: [
        [
          [0.1, 0, 0],
          [0, 0.2, 0],
          [0, 0, 0.3],
        ],
        [
          [0.5, 0, 0],
          [0, 0.1, 0],
          [0, 0, 0.2],
        ],
      ],
    });
    const x = Float32Array.of(0.5, 0.2, 0.1, -1, 2, 0);
    const a = await new MixtureDenoiser(diag).denoise(x, asSigma(0.4), 2);
    const b = await new MixtureDenoiser(full).denoise(x, asSigma(0.4), 2);
    for (let e = 0; e < x.length; e++) expect(a[e]).toBeCloseTo(b[e], 6);
  });
});

describe('sampleMixture', () => {
  it('draws exactly from the mixture: moments within five standard errors, weights in proportion', () => {
    const n = 40_000;
    const pts = sampleMixture(mixture2d, n, 11);
    const truth = mixtureMoments(mixture2d);
    const se = momentStandardErrors(pts, n, 2);
    const m = mean(pts, n, 2);
    const c = covariance(pts, n, 2);
    for (let a = 0; a < 2; a++) expect(Math.abs(m[a] - truth.mean[a])).toBeLessThan(5 * se.mean[a]);
    for (let e = 0; e < 4; e++) expect(Math.abs(c[e] - truth.cov[e])).toBeLessThan(5 * se.cov[e]);
    let left = 0;
    for (let i = 0; i < n; i++) if (pts[2 * i] < 0) left++;
    // P(x < 0) = 0.6·Φ(1/√0.3) + 0.4·Φ(−1/√0.05), with Φ(1.8257) = 0.96605 and Φ(−4.472) ≈ 3.9e-6.
    const p = 0.6 * 0.96605 + 0.4 * 3.9e-6;
    expect(Math.abs(left / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
  });

  it('is a pure function of the seed', () => {
    expect(Array.from(sampleMixture(mixture2d, 10, 5))).toEqual(Array.from(sampleMixture(mixture2d, 10, 5)));
    expect(Array.from(sampleMixture(mixture2d, 10, 6))).not.toEqual(
      Array.from(sampleMixture(mixture2d, 10, 5)),
    );
  });
});

describe('mixtureFromAnalytic', () => {
  it('normalises weights and rejects malformed mixtures with a message saying what to fix', () => {
    expect(mixtureFromAnalytic({ weights: [2, 6], means: [[0], [1]], covs: [[1], [1]] }).weights).toEqual([
      0.25, 0.75,
    ]);
    expect(() =>
      mixtureFromAnalytic(
        {
          weights: [1],
          means: [[0, 0]],
          covs: [
            [
              [1, 2],
              [2, 1],
            ],
          ],
        },
        'x.json',
      ),
    ).toThrow(/x\.json.*not symmetric positive definite.*Fix/);
    expect(() => mixtureFromAnalytic({ weights: [1, 1], means: [[0]], covs: [[1]] })).toThrow(
      /as many means/,
    );
    expect(() => mixtureFromAnalytic({ weights: [-1], means: [[0]], covs: [[1]] })).toThrow(/positive/);
  });
});
