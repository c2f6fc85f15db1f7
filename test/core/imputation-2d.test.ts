/**
 * The 2D page tools of controllable generation (issue 13) against closed forms on ring8:
 * - imputation of y on the line x = c (mask (1, 0), known value c for every particle): the
 *   histogram of y against the exact conditional p(y | x = c) of the mixture, with and without
 *   RePaint resampling;
 * - the log-density map by the PF-ODE (exact divergence) against the closed-form log p at σ(ε).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCard } from '../../src/core/card';
import { binMasses, histogram, mixtureConditional, totalVariation } from '../../src/core/conditional';
import { exactLogDensityMap, mapPoints, odeLogDensityMap } from '../../src/core/density-map';
import { cpuField } from '../../src/core/field-cpu';
import { MixtureDenoiser, mixtureFromAnalytic, sampleMixture } from '../../src/core/mixture';
import { SamplingLoop } from '../../src/core/sampling-loop';

const card = parseCard(JSON.parse(readFileSync('models/ring8.json', 'utf8')), 'ring8');
const ring8 = new MixtureDenoiser(mixtureFromAnalytic(card.analytic!, 'ring8'));
const bounds = card.range;
const BINS = 24;

describe('imputation of y on the line x = c (ring8)', () => {
  // At x = 1 the exact conditional is two components of the ring, y ≈ ±1.73, half each. Measured
  // (n = 1000, euler_maruyama, 50 steps, VP): total variation of the y histogram to the exact bin
  // masses 0.165 by plain replacement, 0.056 with r = 3; two exact samples 0.015 apart, the
  // unconditional y 0.48. At x = 0.5 with 100 steps: 0.158 and 0.024.
  const c = 1;
  const n = 1000;
  const exact = mixtureConditional(ring8.mixture, 0, c);
  const masses = binMasses(exact.density, bounds[0], bounds[1], BINS);

  async function impute(resample: number): Promise<number> {
    const field = cpuField(n, 2);
    const loop = new SamplingLoop(field, {
      denoiser: ring8,
      sde: { kind: 'vp' },
      schedule: 'uniform',
      steps: 50,
      samplerId: 'euler_maruyama',
      seed: 5,
      batch: n,
      denoiseFinal: true,
      inpainting: {
        known: field.upload(Float32Array.from({ length: 2 * n }, (_, e) => (e % 2 === 0 ? c : 0))),
        mask: field.upload(Float32Array.from({ length: 2 * n }, (_, e) => (e % 2 === 0 ? 1 : 0))),
        resample,
      },
    });
    while (!loop.done) await loop.step();
    for (let i = 0; i < n; i++) expect(loop.xTilde[2 * i]).toBe(Math.fround(c));
    const y = Float64Array.from({ length: n }, (_, i) => loop.xTilde[2 * i + 1]);
    return totalVariation(histogram(y, bounds[0], bounds[1], BINS), masses);
  }

  it('the exact conditional is the two ring components the line crosses', () => {
    const crossed = exact.weights.filter((w) => w > 0.01).length;
    expect(crossed).toBe(2);
    expect(masses.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });

  it('the histogram of y nears p(y | x = c); replacement is approximate, resampling narrows the gap', async () => {
    const floor = totalVariation(histogram(exact.sample(n, 2), bounds[0], bounds[1], BINS), masses);
    const marginal = sampleMixture(ring8.mixture, n, 3);
    const unconditional = totalVariation(
      histogram(
        Float64Array.from({ length: n }, (_, i) => marginal[2 * i + 1]),
        bounds[0],
        bounds[1],
        BINS,
      ),
      masses,
    );
    const plain = await impute(0);
    const resampled = await impute(3);
    expect(plain).toBeLessThan(unconditional / 2);
    expect(plain).toBeGreaterThan(3 * floor);
    expect(resampled).toBeLessThan(0.6 * plain);
  });
});

describe('log-density map by the PF-ODE (ring8, VP)', () => {
  it('lays the cell centres out row 0 at the top, as the 2D view draws its heat maps', () => {
    const points = mapPoints([-3, 3], 2);
    expect(Array.from(points)).toEqual([-1.5, 1.5, 1.5, 1.5, -1.5, -1.5, 1.5, -1.5]);
  });

  // Measured: worst gap 0.0086 nats over the 8 × 8 grid (log p from −144 to +0.1), 487 NFE.
  it('matches the closed-form log p at σ(ε) within 0.02 nats on an 8 × 8 grid (RK45, rtol 1e-5)', async () => {
    const ode = await odeLogDensityMap(ring8, bounds, 8, { sde: { kind: 'vp' } });
    const exact = exactLogDensityMap(ring8, bounds, 8, { kind: 'vp' });
    expect(ode.exact).toBe(true);
    expect(ode.nfe).toBeGreaterThan(0);
    let worst = 0;
    ode.logp.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - exact.logp[k]))));
    expect(worst).toBeLessThan(0.02);
    // The map is not flat: the ring is far more likely than the corners.
    expect(Math.max(...exact.logp) - Math.min(...exact.logp)).toBeGreaterThan(50);
  });

  it('refuses a grid too small or too large, saying what to choose', async () => {
    await expect(odeLogDensityMap(ring8, bounds, 1, { sde: { kind: 'vp' } })).rejects.toThrow(
      /choose 2 to 128/,
    );
  });
});
