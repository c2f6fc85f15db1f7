import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCard } from '../../src/core/card';
import { cpuField } from '../../src/core/field-cpu';
import {
  exampleBatch,
  distanceToOrigin,
  forwardAt,
  marginalDensityGrid,
  marginalLogDensity,
  pointData,
} from '../../src/core/forward';
import { noisedStart } from '../../src/core/inpaint';
import { MixtureDenoiser, mixtureFromAnalytic } from '../../src/core/mixture';
import { makeSde } from '../../src/core/sde';
import { asTime } from '../../src/core/types';

const vp = makeSde({ kind: 'vp' });
const ve = makeSde({ kind: 've' });

function moments(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let e = 0; e < values.length; e++) sum += values[e];
  const mean = sum / values.length;
  let sq = 0;
  for (let e = 0; e < values.length; e++) sq += (values[e] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / values.length) };
}

/** A batch of 16 "images" of 784 values in [-1, 1]: a fixed pattern, clean data for the process. */
function cleanBatch(): Float32Array {
  const x0 = new Float32Array(16 * 784);
  for (let e = 0; e < x0.length; e++) x0[e] = Math.sin(e * 0.37) > 0.3 ? 1 : -1;
  return x0;
}

describe('forward noising x_t = s·x₀ + s·σ·z', () => {
  it('at t = 1 on VP the batch is N(0, 1) to within 1 % in std (the prior the reverse process starts from)', () => {
    const field = cpuField(16, 784);
    const x0 = cleanBatch();
    const state = forwardAt(field, vp, x0, 1, 7);
    const native = state.xTilde.map((v) => v * state.scale);
    const { mean, std } = moments(native);
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
    expect(Math.abs(mean)).toBeLessThan(0.02);
  });

  it('at every t, (x̃_t − x₀)/σ(t) is standard normal and x_t has mean s·x₀ and std s·σ', () => {
    const field = cpuField(16, 784);
    const x0 = cleanBatch();
    for (const [sde, t] of [
      [vp, 0.1],
      [vp, 0.5],
      [ve, 0.3],
      [makeSde({ kind: 'subvp' }), 0.6],
    ] as const) {
      const state = forwardAt(field, sde, x0, t, 3);
      expect(state.sigma).toBeCloseTo(sde.sigma(asTime(t)), 12);
      expect(state.scale).toBeCloseTo(sde.scale(asTime(t)), 12);
      const z = state.xTilde.map((v, e) => (v - x0[e]) / state.sigma);
      const m = moments(z);
      expect(Math.abs(m.mean)).toBeLessThan(0.02);
      expect(Math.abs(m.std - 1)).toBeLessThan(0.015);
      // Residual of x_t around s·x₀, in native units: std s·σ.
      const residual = state.xTilde.map((v, e) => state.scale * (v - x0[e]));
      expect(moments(residual).std / (state.scale * state.sigma)).toBeCloseTo(1, 1);
    }
  });

  it('at t = 0 it is the data itself, and a seed gives the same numbers every time; another seed others', () => {
    const field = cpuField(16, 784);
    const x0 = cleanBatch();
    expect(Array.from(forwardAt(field, vp, x0, 0, 1).xTilde)).toEqual(Array.from(x0));
    const a = forwardAt(field, vp, x0, 0.4, 11).xTilde;
    const b = forwardAt(field, vp, x0, 0.4, 11).xTilde;
    const c = forwardAt(field, vp, x0, 0.4, 12).xTilde;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('is the noising SDEdit starts from: x_t at t is SDEdit’s start at t₀ = t for the same seed', () => {
    const field = cpuField(16, 784);
    const x0 = cleanBatch();
    const forward = forwardAt(field, vp, x0, 0.4, 5);
    const sdedit = noisedStart(field, vp, x0, 0.4, 5);
    expect(forward.sigma).toBe(sdedit.sigma);
    expect(Array.from(forward.xTilde)).toEqual(Array.from(sdedit.xTilde));
  });
});

describe('the exact marginal p_t of a mixture', () => {
  const card = parseCard(JSON.parse(readFileSync('models/ring8.json', 'utf8')), 'ring8.json');
  const mixture = mixtureFromAnalytic(card.analytic!, 'ring8');
  const exact = new MixtureDenoiser(mixture);

  it('matches a histogram of forward-noised exact samples (VP, t = 0.15)', () => {
    const n = 40_000;
    const t = 0.15;
    const x0 = pointData('ring8', mixture, n, 5)!;
    const state = forwardAt(cpuField(n, 2), vp, x0, t, 9);
    const bounds = [-3, 3] as const;
    const cells = 12;
    const width = (bounds[1] - bounds[0]) / cells;
    const counts = new Float64Array(cells * cells);
    for (let i = 0; i < n; i++) {
      const x = state.scale * state.xTilde[2 * i];
      const y = state.scale * state.xTilde[2 * i + 1];
      const c = Math.floor((x - bounds[0]) / width);
      const r = Math.floor((bounds[1] - y) / width);
      if (c >= 0 && c < cells && r >= 0 && r < cells) counts[r * cells + c] += 1;
    }
    // The density integrated over each cell (a 6 × 6 midpoint rule inside it).
    const fine = marginalDensityGrid(exact, state.sigma, state.scale, bounds, cells * 6);
    let worst = 0;
    for (let r = 0; r < cells; r++) {
      for (let c = 0; c < cells; c++) {
        let mass = 0;
        for (let a = 0; a < 6; a++)
          for (let b = 0; b < 6; b++) mass += fine[(r * 6 + a) * cells * 6 + c * 6 + b] * (width / 6) ** 2;
        const expected = mass * n;
        // Binomial standard error; a few cells may carry a little midpoint-rule error too.
        const z = Math.abs(counts[r * cells + c] - expected) / Math.sqrt(expected + 1);
        worst = Math.max(worst, z);
      }
    }
    expect(worst).toBeLessThan(4.5);
  });

  it('is a density in native coordinates: it integrates to 1 at several t', () => {
    for (const t of [0.05, 0.3, 1]) {
      const time = asTime(t);
      const bounds = [-6, 6] as const;
      const cells = 240;
      const grid = marginalDensityGrid(exact, vp.sigma(time), vp.scale(time), bounds, cells);
      const total = grid.reduce((s, v) => s + v, 0) * ((bounds[1] - bounds[0]) / cells) ** 2;
      expect(total).toBeCloseTo(1, 2);
    }
  });

  it('at t = 1 on VP it is N(0, I) (s²(Σ + σ²I) → I)', () => {
    const time = asTime(1);
    const at = Float64Array.of(0.3, -0.7);
    const log = marginalLogDensity(exact, vp.sigma(time), vp.scale(time), at, 1)[0];
    expect(log).toBeCloseTo(-Math.log(2 * Math.PI) - 0.5 * (0.3 ** 2 + 0.7 ** 2), 3);
  });
});

describe('clean data for the forward view', () => {
  it('learned toys use the training generator, mixtures exact samples, other models none', () => {
    const toy = pointData('toy_two_moons', null, 64, 1);
    expect(toy).not.toBeNull();
    expect(toy!.length).toBe(128);
    expect(pointData('drawing', null, 64, 1)).toBeNull();
    expect(Array.from(pointData('toy_two_moons', null, 64, 1)!)).toEqual(Array.from(toy!));
  });

  it('an examples file decodes to the card range, and the seed picks which examples show', () => {
    const bytes = Uint8Array.from({ length: 4 * 3 }, (_, e) => (e * 20) % 256);
    const a = exampleBatch(bytes, 4, 3, [-1, 1], 2, 0);
    expect(a[0]).toBe(-1);
    expect(a[1]).toBeCloseTo(-1 + (2 * 20) / 255, 6);
    const b = exampleBatch(bytes, 4, 3, [-1, 1], 2, 1);
    // seed 1, batch 2: examples 2 and 3.
    expect(b[0]).toBeCloseTo(-1 + (2 * 120) / 255, 6);
    expect(() => exampleBatch(bytes, 5, 3, [-1, 1], 2, 0)).toThrow(/12 bytes, not 5 × 3/);
  });

  it('the shipped examples files match their cards (size and SHA-256)', async () => {
    const { createHash } = await import('node:crypto');
    for (const id of ['mnist', 'fashion']) {
      const card = parseCard(JSON.parse(readFileSync(`models/${id}.json`, 'utf8')), `${id}.json`);
      const examples = card.examples!;
      const bytes = readFileSync(`models/${examples.file}`);
      expect(bytes.length).toBe(examples.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(examples.sha256);
      expect(examples.count).toBe(64);
    }
    expect(parseCard(JSON.parse(readFileSync('models/fashion.json', 'utf8')), 'f').examples!.heldOut).toBe(
      true,
    );
    expect(parseCard(JSON.parse(readFileSync('models/mnist.json', 'utf8')), 'm').examples!.heldOut).toBe(
      false,
    );
  });

  it('a card whose examples block is wrong names the field', () => {
    const card = JSON.parse(readFileSync('models/mnist.json', 'utf8')) as Record<string, unknown>;
    const examples = card.examples as Record<string, unknown>;
    expect(() => parseCard({ ...card, examples: { ...examples, bytes: 100 } }, 'm.json')).toThrow(
      /"bytes" must be count × 784/,
    );
    expect(() => parseCard({ ...card, examples: { ...examples, heldOut: 'no' } }, 'm.json')).toThrow(
      /"heldOut" must be true or false/,
    );
  });
});

describe('the distance back to the original', () => {
  it('is the per-sample RMS of x/s − x₀ averaged over the batch; σ·1 for the forward state itself', () => {
    const x0 = Float32Array.of(0, 0, 1, 1);
    // Sample 0 off by (3, 4): RMS 3.54; sample 1 exact; native x = 2·x̃.
    const x = Float32Array.of(6, 8, 2, 2);
    expect(distanceToOrigin(x, 2, x0, 2)).toBeCloseTo(Math.sqrt(12.5) / 2, 12);
    const field = cpuField(16, 784);
    const clean = cleanBatch();
    const state = forwardAt(field, vp, clean, 0.2, 1);
    const native = state.xTilde.map((v) => v * state.scale);
    expect(distanceToOrigin(native, state.scale, clean, 16) / state.sigma).toBeCloseTo(1, 1);
  });
});
