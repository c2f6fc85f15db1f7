import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { covariance, mean, momentStandardErrors, slicedWasserstein1 } from '../../src/core/stats';
import { toyPoints, TOY_NAMES, type ToyName } from '../../src/core/toy-data';

const N = 20_000;

/** Distance from each point to the nearest vertex of a dense polyline through `curve` (2 × count). */
function distancesToCurve(points: Float32Array, curve: Float64Array): Float64Array {
  const n = points.length / 2;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let k = 0; k < curve.length; k += 2) {
      best = Math.min(best, (points[2 * i] - curve[k]) ** 2 + (points[2 * i + 1] - curve[k + 1]) ** 2);
    }
    out[i] = Math.sqrt(best);
  }
  return out;
}

function curve(count: number, at: (s: number) => [number, number]): Float64Array {
  const out = new Float64Array(2 * count);
  for (let k = 0; k < count; k++) out.set(at(k / (count - 1)), 2 * k);
  return out;
}

/**
 * The first 8,000 points lie on the curve up to Gaussian noise of the given std: none beyond 5.5 std,
 * and an RMS distance close to the std (a little under: the nearest curve point absorbs some noise).
 */
function expectNoisyCurve(points: Float32Array, curveXY: Float64Array, std: number): void {
  const d = distancesToCurve(points.subarray(0, 16_000), curveXY);
  expect(Math.max(...d)).toBeLessThan(5.5 * std);
  const rms = Math.sqrt(d.reduce((s, x) => s + x * x, 0) / d.length);
  expect(rms).toBeGreaterThan(0.8 * std);
  expect(rms).toBeLessThan(1.1 * std);
}

/** |sample − exact| within 4 standard errors. */
function expectWithinErrors(sample: ArrayLike<number>, exact: number[], errors: ArrayLike<number>): void {
  exact.forEach((e, k) => expect(Math.abs(sample[k] - e)).toBeLessThan(4 * errors[k]));
}

describe('2D toy data: the distributions of models/train/data.py toy_points', () => {
  it('eight_gaussians: 8 equally likely centres on the circle of radius 2, std 0.1 around each', () => {
    const pts = toyPoints('eight_gaussians', N, 3);
    const counts = new Array<number>(8).fill(0);
    const residuals = new Float64Array(2 * N);
    for (let i = 0; i < N; i++) {
      const [x, y] = [pts[2 * i], pts[2 * i + 1]];
      const k = ((Math.round((Math.atan2(y, x) / (2 * Math.PI)) * 8) % 8) + 8) % 8;
      counts[k]++;
      residuals[2 * i] = x - 2 * Math.cos((2 * Math.PI * k) / 8);
      residuals[2 * i + 1] = y - 2 * Math.sin((2 * Math.PI * k) / 8);
    }
    const se = Math.sqrt((1 / 8) * (7 / 8) * N);
    for (const c of counts) expect(Math.abs(c - N / 8)).toBeLessThan(4 * se);
    const m = mean(residuals, N, 2);
    const cov = covariance(residuals, N, 2);
    const errors = momentStandardErrors(residuals, N, 2);
    expectWithinErrors(m, [0, 0], errors.mean);
    expectWithinErrors(cov, [0.01, 0, 0, 0.01], errors.cov);
  });

  it('two_moons: the moments of two offset half circles, scaled 1.5, plus noise of std 0.06', () => {
    const pts = toyPoints('two_moons', N, 4);
    // Before scaling: x = cos a or 1 − cos a, y = sin a or ½ − sin a, a ~ U(0, π), each moon ½.
    const varX = 2.25 * 0.75 + 0.0036;
    const varY = 2.25 * (0.5625 - 1 / Math.PI) + 0.0036;
    const covXY = 2.25 * (0.125 - 1 / Math.PI);
    const errors = momentStandardErrors(pts, N, 2);
    expectWithinErrors(mean(pts, N, 2), [0, 0], errors.mean);
    expectWithinErrors(covariance(pts, N, 2), [varX, covXY, covXY, varY], errors.cov);
    // Support: circles of radius 1.5 about (∓0.75, ∓0.375), upper and lower halves.
    const arcs = new Float64Array([
      ...curve(3000, (s) => [-0.75 + 1.5 * Math.cos(Math.PI * s), -0.375 + 1.5 * Math.sin(Math.PI * s)]),
      ...curve(3000, (s) => [0.75 - 1.5 * Math.cos(Math.PI * s), 0.375 - 1.5 * Math.sin(Math.PI * s)]),
    ]);
    expectNoisyCurve(pts, arcs, 0.06);
  });

  it('swiss_roll: the spiral (u cos u, u sin u)/5 for u in [1.5π, 4.5π], noise std 0.05', () => {
    const pts = toyPoints('swiss_roll', N, 5);
    // E|p|² = E[u²]/25 + 2·0.05², with E[u²] = (a² + ab + b²)/3 for u ~ U(a, b).
    const [a, b] = [1.5 * Math.PI, 4.5 * Math.PI];
    const squares = new Float64Array(N).map((_, i) => pts[2 * i] ** 2 + pts[2 * i + 1] ** 2);
    const sq = momentStandardErrors(squares, N, 1);
    expectWithinErrors(mean(squares, N, 1), [(a * a + a * b + b * b) / 75 + 0.005], sq.mean);
    const spiral = curve(6000, (s) => {
      const u = a + (b - a) * s;
      return [(u * Math.cos(u)) / 5, (u * Math.sin(u)) / 5];
    });
    expectNoisyCurve(pts, spiral, 0.05);
  });

  it('checkerboard: uniform on the 8 unit squares of [−2, 2)² with an even coordinate sum', () => {
    const pts = toyPoints('checkerboard', N, 6);
    const counts = new Map<string, number>();
    let fractionSum = 0;
    for (let i = 0; i < N; i++) {
      const [x, y] = [pts[2 * i], pts[2 * i + 1]];
      expect(x >= -2 && x < 2 && y >= -2 && y < 2).toBe(true);
      const [cx, cy] = [Math.floor(x), Math.floor(y)];
      expect((((cx + cy) % 2) + 2) % 2).toBe(0);
      counts.set(`${cx},${cy}`, (counts.get(`${cx},${cy}`) ?? 0) + 1);
      fractionSum += x - cx + (y - cy);
    }
    expect(counts.size).toBe(8);
    const se = Math.sqrt((1 / 8) * (7 / 8) * N);
    for (const c of counts.values()) expect(Math.abs(c - N / 8)).toBeLessThan(4 * se);
    // Inside a square both fractional parts are U(0, 1): mean ½, standard error √(1/12 / N) each.
    expect(Math.abs(fractionSum / (2 * N) - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / (2 * N)));
  });

  it('is a pure function of (name, n, seed), and seeds give different sets', () => {
    for (const name of TOY_NAMES) {
      expect(toyPoints(name, 100, 9)).toEqual(toyPoints(name, 100, 9));
      expect(toyPoints(name, 100, 9)).not.toEqual(toyPoints(name, 100, 10));
    }
    expect(() => toyPoints('spiral' as ToyName, 10, 0)).toThrow(/eight_gaussians, swiss_roll/);
  });
});

describe("2D toy data, stratified (the page's presets)", () => {
  const ringCounts = (pts: Float32Array) => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < pts.length / 2; i++) {
      counts[((Math.round((Math.atan2(pts[2 * i + 1], pts[2 * i]) / (2 * Math.PI)) * 8) % 8) + 8) % 8]++;
    }
    return counts;
  };

  it('gives each Gaussian of the ring exactly n/8 points, where independent draws do not', () => {
    expect(ringCounts(toyPoints('eight_gaussians', 800, 1, { stratified: true }))).toEqual(
      new Array(8).fill(100),
    );
    expect(ringCounts(toyPoints('eight_gaussians', 800, 1))).not.toEqual(new Array(8).fill(100));
  });

  it('gives each moon exactly half the points', () => {
    const pts = toyPoints('two_moons', 800, 2, { stratified: true });
    // The upper moon's points lie within 4 noise std of the circle about (−0.75, −0.375), the lower one's not.
    let upper = 0;
    for (let i = 0; i < 800; i++) {
      const r = Math.hypot(pts[2 * i] + 0.75, pts[2 * i + 1] + 0.375);
      if (Math.abs(r - 1.5) < 0.24 && pts[2 * i + 1] > -0.375 - 0.24) upper++;
    }
    expect(upper).toBe(400);
  });

  it.for(TOY_NAMES)('%s: draws the same distribution as independent points, reproducibly', (name) => {
    const [n, sets] = [2000, 4];
    let stratifiedToFresh = 0;
    let freshToFresh = 0;
    for (let k = 0; k < sets; k++) {
      const fresh = toyPoints(name, n, 300 + k);
      const stratified = toyPoints(name, n, 21 + k, { stratified: true });
      stratifiedToFresh += slicedWasserstein1(stratified, n, fresh, n, 2) / sets;
      freshToFresh += slicedWasserstein1(toyPoints(name, n, 21 + k), n, fresh, n, 2) / sets;
    }
    // Balanced strata remove the draw's own imbalance: no farther from fresh data than a fresh set.
    expect(stratifiedToFresh).toBeLessThan(1.1 * freshToFresh);
    expect(toyPoints(name, 100, 9, { stratified: true })).toEqual(
      toyPoints(name, 100, 9, { stratified: true }),
    );
    expect(toyPoints(name, 100, 9, { stratified: true })).not.toEqual(toyPoints(name, 100, 9));
  });
});

const PYTHON = '/usr/bin/python3';
const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

describe('2D toy data against the Python generator', () => {
  it.for(TOY_NAMES)('%s: as far from Python draws as from another TypeScript draw', (name, ctx) => {
    if (!hasNumpy) {
      ctx.skip(`${PYTHON} cannot import numpy, which models/train/toy_reference.py needs`);
      return;
    }
    // One set pair's sliced W1 swings by ±50 % (how many points each Gaussian got), so average 6.
    const [n, sets] = [4000, 6];
    const out = join(mkdtempSync(join(tmpdir(), 'toy-ref-')), 'ref.json');
    const args = ['--toy', name, '--n', `${n}`, '--sets', `${sets}`, '--out', out];
    const done = spawnSync(PYTHON, ['models/train/toy_reference.py', ...args], { encoding: 'utf8' });
    expect(done.status, done.stderr).toBe(0);
    const python = (JSON.parse(readFileSync(out, 'utf8')) as { sets: number[][][] }).sets;
    let toPython = 0;
    let toOurs = 0;
    for (let k = 0; k < sets; k++) {
      const ours = toyPoints(name, n, 21 + k);
      toPython += slicedWasserstein1(ours, n, Float32Array.from(python[k].flat()), n, 2) / sets;
      toOurs += slicedWasserstein1(ours, n, toyPoints(name, n, 50 + k), n, 2) / sets;
    }
    expect(toPython).toBeLessThan(1.5 * toOurs);
  });
});
