import { describe, expect, it } from 'vitest';
import { makeSde, sdeForModel } from '../../src/core/sde';
import { asSigma, asTime, type Sde, type SdeKind } from '../../src/core/types';

const kinds: SdeKind[] = ['vp', 'subvp', 've'];
const times = [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 1];

/** Marginal variance of x_t given x₀ = 0: Var = s²σ². */
const variance = (sde: Sde, t: number) => (sde.scale(asTime(t)) * sde.sigma(asTime(t))) ** 2;

describe.each(kinds)('%s SDE', (kind) => {
  const sde = makeSde({ kind });

  it('inverts σ(t) in closed form', () => {
    for (const t of times) {
      const sigma = sde.sigma(asTime(t));
      expect(sde.timeOf(sigma)).toBeCloseTo(t, 9);
      expect(sde.sigma(sde.timeOf(sigma)) / sigma).toBeCloseTo(1, 9);
    }
  });

  it('has s(t) and σ(t) that solve the mean and variance ODEs of dx = f x dt + g dw', () => {
    const h = 1e-6;
    for (const t of times.filter((v) => v < 1)) {
      // ds/dt = f s (mean of x_t scales by s) and dVar/dt = 2 f Var + g² (Särkkä & Solin 2019, eq. 5.51).
      const dScale = (sde.scale(asTime(t + h)) - sde.scale(asTime(t - h))) / (2 * h);
      expect(dScale / sde.scale(asTime(t))).toBeCloseTo(sde.drift(asTime(t)), 5);
      const dVar = (variance(sde, t + h) - variance(sde, t - h)) / (2 * h);
      const expected = 2 * sde.drift(asTime(t)) * variance(sde, t) + sde.diffusion(asTime(t)) ** 2;
      expect(dVar / expected).toBeCloseTo(1, 5);
    }
  });

  it('has a strictly increasing σ(t)', () => {
    for (let k = 1; k < times.length; k++) {
      expect(sde.sigma(asTime(times[k]))).toBeGreaterThan(sde.sigma(asTime(times[k - 1])));
    }
  });

  it('clamps timeOf to [0, 1]', () => {
    expect(sde.timeOf(asSigma(1e9))).toBe(1);
    expect(sde.timeOf(asSigma(0))).toBe(0);
  });
});

describe('endpoints and defaults', () => {
  it('VP: α(1) = exp(−½(βmin + ½(βmax − βmin))), prior N(0, 1), tEnd 1e-3', () => {
    const vp = makeSde({ kind: 'vp' });
    const integral = 0.1 + 0.5 * 19.9;
    expect(vp.scale(asTime(1))).toBeCloseTo(Math.exp(-0.5 * integral), 12);
    expect(vp.sigma(asTime(1))).toBeCloseTo(Math.sqrt(Math.exp(integral) - 1), 8);
    expect(vp.sigma(asTime(0))).toBe(0);
    expect(vp.priorStd()).toBe(1);
    expect(vp.tEnd).toBe(1e-3);
    expect(vp.diffusion(asTime(0))).toBeCloseTo(Math.sqrt(0.1), 12);
  });

  it('sub-VP: σ = (1 − α²)/α and g² = β(1 − e^{−2∫β})', () => {
    const sub = makeSde({ kind: 'subvp' });
    const t = asTime(0.3);
    const integral = 0.1 * 0.3 + 0.5 * 19.9 * 0.09;
    const alpha = Math.exp(-0.5 * integral);
    expect(sub.sigma(t)).toBeCloseTo((1 - alpha * alpha) / alpha, 12);
    const beta = 0.1 + 0.3 * 19.9;
    expect(sub.diffusion(t) ** 2).toBeCloseTo(beta * (1 - Math.exp(-2 * integral)), 10);
  });

  it('VE: σ(0) = σmin, σ(1) = σmax, prior std σmax, tEnd 1e-5', () => {
    const ve = makeSde({ kind: 've' });
    expect(ve.sigma(asTime(0))).toBeCloseTo(0.01, 14);
    expect(ve.sigma(asTime(1))).toBeCloseTo(50, 10);
    expect(ve.priorStd()).toBe(50);
    expect(ve.scale(asTime(0.5))).toBe(1);
    expect(ve.tEnd).toBe(1e-5);
  });

  it('rejects invalid settings with a message naming the problem', () => {
    expect(() => makeSde({ kind: 'vp', betaMin: 5, betaMax: 1 })).toThrow(/betaMin ≤ betaMax/);
    expect(() => makeSde({ kind: 've', sigmaMin: 2, sigmaMax: 1 })).toThrow(/sigmaMin < sigmaMax/);
    expect(() => makeSde({ kind: 'vp', tEnd: 0 })).toThrow(/tEnd/);
    expect(() => makeSde({ kind: 'nope' as SdeKind })).toThrow(/Unknown SDE kind/);
  });
});

describe('sdeForModel', () => {
  const trained = { kind: 'vp' as const, betaMin: 0.1, betaMax: 20 };
  const vp = makeSde(trained);

  it('gives a VE process the σ range the VP network was trained on', () => {
    const ve = makeSde(sdeForModel('ve', trained));
    expect(ve.sigma(asTime(1))).toBeCloseTo(vp.sigma(asTime(1)), 8);
    expect(ve.config.sigmaMin).toBeCloseTo(vp.sigma(vp.tEnd), 12);
    expect(ve.sigma(ve.tEnd)).toBeGreaterThanOrEqual(vp.sigma(vp.tEnd));
  });

  it('keeps β for sub-VP and returns the trained process for its own kind', () => {
    expect(sdeForModel('subvp', trained)).toMatchObject({ kind: 'subvp', betaMin: 0.1, betaMax: 20 });
    expect(sdeForModel('vp', trained)).toMatchObject(trained);
  });

  it('matches σ(1) of a VE-trained network when used as VP or sub-VP', () => {
    const veTrained = { kind: 've' as const, sigmaMin: 0.01, sigmaMax: 50 };
    for (const kind of ['vp', 'subvp'] as const) {
      const sde = makeSde(sdeForModel(kind, veTrained));
      expect(sde.sigma(asTime(1))).toBeCloseTo(50, 6);
    }
  });
});
