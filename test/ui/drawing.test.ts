import { describe, expect, it } from 'vitest';
import { denoiserForCard } from '../../src/core/denoiser';
import { Trainer } from '../../src/core/mlp/trainer';
import { asSigma } from '../../src/core/types';
import {
  cardFileText,
  decodeDrawing,
  encodeDrawing,
  erase,
  MAX_DRAWING_POINTS,
  parseUploadedCard,
  pointsFromCsv,
  presetPoints,
  quantise,
  spray,
} from '../../src/ui/state/drawing';
import { scoreDisagreement } from '../../src/ui/render/training-view';

describe('drawing: CSV', () => {
  it('reads x,y rows with a header, comments and blank lines', () => {
    const points = pointsFromCsv('x,y\n# a comment\n0.5, -1.25\n\n2;3\n');
    expect(Array.from(points)).toEqual([0.5, -1.25, 2, 3]);
  });

  it('names the bad row', () => {
    expect(() => pointsFromCsv('1,2\n3,4\n5,oops\n', 'my.csv')).toThrow(/my\.csv row 3 \("5,oops"\)/);
    expect(() => pointsFromCsv('1,2\n3\n')).toThrow(/row 2 .*not two numbers x,y/);
    expect(() => pointsFromCsv('1,2,3\n')).toThrow(/row 1/);
  });

  it('names a point beyond the trainable range and refuses too many points', () => {
    expect(() => pointsFromCsv('0,0\n1,25\n')).toThrow(/point 2 has y = 25, beyond ±20/);
    const rows = Array.from({ length: MAX_DRAWING_POINTS + 1 }, (_, k) => `${k / 1e4},0`).join('\n');
    expect(() => pointsFromCsv(rows)).toThrow(`holds more than ${MAX_DRAWING_POINTS} points`);
    expect(() => pointsFromCsv('# nothing\n')).toThrow(/no points/);
  });
});

describe('drawing: the link (data=)', () => {
  it('round-trips points quantised to 1/1000', () => {
    const points = Float32Array.of(0.12345, -1.98765, 19.9994, -20, 0, 3.0004);
    const text = encodeDrawing(points);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    const back = decodeDrawing(text);
    expect(Array.from(back)).toEqual(Array.from(quantise(points)));
    for (let e = 0; e < points.length; e++)
      expect(Math.abs(back[e] - points[e])).toBeLessThanOrEqual(5e-4 + 1e-6);
    // Quantised points are a fixed point of the round trip.
    expect(Array.from(decodeDrawing(encodeDrawing(back)))).toEqual(Array.from(back));
  });

  it('round-trips a preset of 800 points within one quantisation step', () => {
    const preset = presetPoints('two_moons');
    expect(preset.length).toBe(1600);
    expect(Array.from(decodeDrawing(encodeDrawing(preset)))).toEqual(Array.from(preset));
  });

  it('draws the ring preset with exactly 100 points on each of its 8 Gaussians', () => {
    const preset = presetPoints('eight_gaussians');
    const counts = new Array<number>(8).fill(0);
    for (let k = 0; k < preset.length / 2; k++) {
      const angle = Math.atan2(preset[2 * k + 1], preset[2 * k]);
      counts[((Math.round((angle / (2 * Math.PI)) * 8) % 8) + 8) % 8]++;
    }
    expect(counts).toEqual(new Array(8).fill(100));
  });

  it('says what is wrong with a damaged value', () => {
    expect(() => decodeDrawing('AQ!!')).toThrow(/not base64url/);
    expect(() => decodeDrawing('Ag')).toThrow(/unknown format/);
    expect(() => decodeDrawing(encodeDrawing(Float32Array.of(1, 2, 3, 4)).slice(0, -2))).toThrow(/cut short/);
  });
});

describe('drawing: brush and eraser', () => {
  it('spray adds points inside the brush disc, the same for the same dab', () => {
    const before = Float32Array.of(3, 3);
    const after = spray(before, 1, -1, 0.5, 20, 7);
    expect(after.length).toBe(2 + 40);
    for (let k = 1; k < after.length / 2; k++)
      expect(Math.hypot(after[2 * k] - 1, after[2 * k + 1] + 1)).toBeLessThanOrEqual(0.5 + 1e-6);
    expect(Array.from(spray(before, 1, -1, 0.5, 20, 7))).toEqual(Array.from(after));
    expect(Array.from(spray(before, 1, -1, 0.5, 20, 8))).not.toEqual(Array.from(after));
  });

  it('erase removes exactly the points inside its disc', () => {
    const points = Float32Array.of(0, 0, 0.3, 0, 1, 1);
    expect(Array.from(erase(points, 0, 0, 0.5))).toEqual([1, 1]);
  });
});

describe('drawing: the trained card', () => {
  it('round-trips through download and upload, giving the same network', async () => {
    const trainer = Trainer.create(presetPoints('eight_gaussians'), 2, { steps: 3, batch: 16 });
    await trainer.step(3);
    const card = await trainer.snapshot({ id: 'drawing-trained', title: 'Your drawing, trained network' });
    const uploaded = parseUploadedCard(cardFileText(card), 'drawing-trained.json');
    expect(uploaded).toEqual(card);
    const x = Float32Array.of(0.3, -0.7, 1.5, 2);
    const a = await denoiserForCard(card).denoise(x, asSigma(0.4), 2);
    const b = await denoiserForCard(uploaded).denoise(x, asSigma(0.4), 2);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('names the bad field of an uploaded card', async () => {
    const trainer = Trainer.create(presetPoints('two_moons'), 2, { steps: 1, batch: 8 });
    const card = await trainer.snapshot({ id: 'c', title: 'c' });
    const json = JSON.parse(cardFileText(card)) as Record<string, unknown> & { mlp: Record<string, unknown> };
    const withWeights = (weights: string) => JSON.stringify({ ...json, mlp: { ...json.mlp, weights } });
    expect(() => parseUploadedCard(withWeights('AAAAAA=='), 'a.json')).toThrow(
      /a\.json.*weights.*holds 1 numbers/,
    );
    const noMlp = JSON.stringify({ ...json, mlp: undefined, analytic: undefined });
    expect(() => parseUploadedCard(noMlp, 'b.json')).toThrow(/b\.json/);
    expect(() =>
      parseUploadedCard(JSON.stringify({ ...json, mlp: { ...json.mlp, width: 0 } }), 'w.json'),
    ).toThrow(/width/);
    expect(() => parseUploadedCard('{"id": ', 'broken.json')).toThrow(/broken\.json is not JSON/);
  });
});

describe('training view', () => {
  it('disagreement is 0 for equal scores and 1 for opposite ones', () => {
    const d = scoreDisagreement(Float32Array.of(1, 2, -3, 0), Float32Array.of(1, 2, 3, 0));
    expect(d[0]).toBe(0);
    expect(d[1]).toBeCloseTo(1, 12);
  });
});
