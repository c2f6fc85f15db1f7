import { describe, expect, it } from 'vitest';
import { sigmaGrid } from '../../src/core/grids';
import { makeSde } from '../../src/core/sde';
import { asTime, type ScheduleKind, type SdeKind } from '../../src/core/types';

const kinds: SdeKind[] = ['vp', 'subvp', 've'];
const schedules: ScheduleKind[] = ['uniform', 'karras', 'logsnr'];

/** Largest deviation of consecutive differences from their mean, relative to the mean. */
function spacingSpread(values: number[]): number {
  const diffs = values.slice(1).map((v, i) => v - values[i]);
  const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
  return Math.max(...diffs.map((d) => Math.abs(d - mean))) / Math.abs(mean);
}

describe.each(kinds)('σ grids for %s', (kind) => {
  const sde = makeSde({ kind });

  it.each(schedules)('%s: runs from σ(1) to σ(tEnd), strictly decreasing, steps + 1 long', (schedule) => {
    const grid = sigmaGrid(sde, schedule, 37);
    expect(grid).toHaveLength(38);
    expect(grid[0]).toBe(sde.sigma(asTime(1)));
    expect(grid[37]).toBe(sde.sigma(sde.tEnd));
    for (let i = 1; i < grid.length; i++) expect(grid[i]).toBeLessThan(grid[i - 1]);
  });

  it('uniform is evenly spaced in t', () => {
    const ts = sigmaGrid(sde, 'uniform', 20).map((s) => sde.timeOf(s) as number);
    expect(spacingSpread(ts)).toBeLessThan(1e-6);
    expect(ts[20]).toBeCloseTo(sde.tEnd, 9);
  });

  it('karras is evenly spaced in σ^(1/ρ) for ρ = 7 and for another ρ', () => {
    for (const rho of [7, 3]) {
      const grid = sigmaGrid(sde, 'karras', 20, { rho });
      expect(spacingSpread(grid.map((s) => s ** (1 / rho)))).toBeLessThan(1e-9);
    }
  });

  it('logsnr is evenly spaced in λ = −2 ln σ', () => {
    const grid = sigmaGrid(sde, 'logsnr', 20);
    expect(spacingSpread(grid.map((s) => -2 * Math.log(s)))).toBeLessThan(1e-9);
  });
});

describe('grid arguments', () => {
  it('rejects step counts and schedules that make no grid', () => {
    const sde = makeSde({ kind: 'vp' });
    for (const steps of [0, -3, 2.5, Number.NaN])
      expect(() => sigmaGrid(sde, 'karras', steps)).toThrow(/whole number/);
    expect(() => sigmaGrid(sde, 'bogus' as ScheduleKind, 10)).toThrow(/Unknown schedule/);
    expect(() => sigmaGrid(sde, 'karras', 10, { rho: 0 })).toThrow(/ρ/);
  });

  it('a single step goes straight from σ(1) to σ(tEnd)', () => {
    const sde = makeSde({ kind: 've' });
    expect(sigmaGrid(sde, 'uniform', 1)).toEqual([sde.sigma(asTime(1)), sde.sigma(sde.tEnd)]);
  });
});
