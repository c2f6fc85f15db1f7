import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCard, parseManifest, type ModelCard } from '../../src/core/card';
import { mixtureFromAnalytic } from '../../src/core/mixture';
import { mixtureMoments } from '../../src/core/stats';

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const manifest = parseManifest(readJson('models/manifest.json'));
const analyticIds = ['ring8', 'anisotropic3', 'unequal2', 'grid25'];

describe('models/manifest.json and the cards it lists', () => {
  it('lists the four analytic toys', () => {
    for (const id of analyticIds) expect(manifest.models).toContain(id);
  });

  it('every card the manifest lists exists, parses and carries its own id', () => {
    for (const id of manifest.models) {
      const card = parseCard(readJson(`models/${id}.json`), `models/${id}.json`);
      expect(card.id).toBe(id);
      expect(card.analytic !== undefined || card.onnx !== undefined).toBe(true);
    }
  });

  it.each(analyticIds)('%s is a valid analytic points card with a usable mixture', (id) => {
    const card = parseCard(readJson(`models/${id}.json`), `models/${id}.json`);
    expect(card.id).toBe(id);
    expect(card.task).toBe('points');
    expect(card.shape).toEqual([2]);
    const mix = mixtureFromAnalytic(card.analytic!, id);
    expect(mix.dim).toBe(2);
    expect(mix.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('ring8 is 8 Gaussians of std 0.1 on the circle of radius 2 (same as the learned toy)', () => {
    const mix = mixtureFromAnalytic(parseCard(readJson('models/ring8.json'), 'ring8').analytic!);
    mix.means.forEach((m) => expect(Math.hypot(m[0], m[1])).toBeCloseTo(2, 10));
    // Covariance of the ring: E[xxᵀ] = (r²/2) I + 0.01 I over 8 equally spaced angles.
    const { mean, cov } = mixtureMoments(mix);
    expect(Math.hypot(mean[0], mean[1])).toBeLessThan(1e-12);
    expect(cov[0]).toBeCloseTo(2 + 0.01, 10);
    expect(cov[1]).toBeCloseTo(0, 10);
  });

  it('grid25 is a centred 5 × 5 grid with spacing 1', () => {
    const mix = mixtureFromAnalytic(parseCard(readJson('models/grid25.json'), 'grid25').analytic!);
    const coords = new Set(mix.means.flatMap((m) => [...m]));
    expect([...coords].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
    expect(mixtureMoments(mix).cov[0]).toBeCloseTo(2 + 0.0025, 10);
  });
});

describe('parseCard errors name the file, the field and what to do', () => {
  const good = readJson('models/ring8.json') as ModelCard;
  const broken = (patch: Record<string, unknown>) => ({ ...good, ...patch });

  it.each([
    [
      { parameterization: 'noise' },
      /ring8\.json: field "parameterization" must be one of "eps", "x0", "v", "score"/,
    ],
    [{ shape: [0] }, /field "shape"/],
    [{ range: [1, -1] }, /field "range"/],
    [{ sde: { kind: 'vp', betaMin: -1 } }, /field "sde" is not a valid process/],
    [{ title: 3 }, /field "title" must be a non-empty string/],
    [{ analytic: undefined }, /field "onnx" is missing.*"analytic"/],
    [
      { analytic: { weights: [1], means: [[0, 0, 0]], covs: [[1, 1]] } },
      /→ analytic: field "means" must be a list of 2-vectors/,
    ],
    [{ classes: ['a', 'b'], nullClass: 1 }, /field "nullClass"/],
  ])('%j', (patch, message) => {
    expect(() => parseCard(broken(patch), 'models/ring8.json')).toThrow(message);
    expect(() => parseCard(broken(patch), 'models/ring8.json')).toThrow(/Fix the card|Fix the "analytic"/);
  });

  it('accepts an ONNX card with the fields export writes', () => {
    const card = parseCard(readJson('test/fixtures/tiny.json'), 'test/fixtures/tiny.json');
    expect(card.onnx).toBe('tiny.onnx');
    expect(card.classes).toHaveLength(3);
    expect(card.nullClass).toBe(3);
  });

  it('rejects something that is not an object, and a malformed manifest', () => {
    expect(() => parseCard([1, 2], 'x.json')).toThrow(/x\.json is not a JSON object/);
    expect(() => parseManifest({ models: ['ok', '../etc'] })).toThrow(/manifest/);
    expect(parseManifest({ models: ['a', 'a', 'b'] }).models).toEqual(['a', 'b']);
  });
});
