/**
 * Controllable generation's page logic (issue 13): preset masks keep what their names say, an open
 * tool gives every run its start, and the panel's checks count what a user would see.
 */
import { describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../../src/ui/state/settings';
import { emptyToolData, type ToolData } from '../../src/ui/state/store';
import { logDensityImage } from '../../src/ui/render/density-map';
import {
  compareToDrawing,
  exampleIndex,
  imputeCheck,
  knownKept,
  presetMask,
  tile,
  toolStart,
} from '../../src/ui/state/tool-start';

const shape = [1, 4, 4];
const dim = 16;
const settings = (tool: Partial<Settings['tool']>): Settings => ({
  ...defaultSettings,
  modelId: 'tiny',
  batch: 3,
  tool: { ...defaultSettings.tool, ...tool },
});

describe('tool starts', () => {
  it('preset masks name the part to generate', () => {
    const bottom = presetMask('bottom', shape);
    expect(Array.from(bottom.slice(0, 8))).toEqual(new Array(8).fill(1));
    expect(Array.from(bottom.slice(8))).toEqual(new Array(8).fill(0));
    const left = presetMask('left', shape);
    expect([left[0], left[1], left[2], left[3]]).toEqual([0, 0, 1, 1]);
    const random = presetMask('random50', [1, 28, 28]);
    const share = random.reduce((a, b) => a + b, 0) / random.length;
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
    expect(presetMask('random50', [1, 28, 28])).toEqual(random);
  });

  it('inpainting tiles the known images and the mask over the batch; no mask, no start', () => {
    const known = Float32Array.from({ length: 2 * dim }, (_, e) => e);
    const data: ToolData = {
      ...emptyToolData,
      modelId: 'tiny',
      known,
      knownSamples: 2,
      mask: presetMask('bottom', shape),
    };
    const start = toolStart(settings({ kind: 'inpaint', resample: 2 }), data, dim);
    expect(start).toMatchObject({ kind: 'data', t0: null, resample: 2 });
    if (start?.kind !== 'data' || start.mask === null) throw new Error('no start');
    expect(start.data.length).toBe(3 * dim);
    expect(Array.from(start.data.slice(2 * dim))).toEqual(Array.from(known.slice(0, dim)));
    expect(Array.from(start.mask.slice(dim, 2 * dim))).toEqual(Array.from(presetMask('bottom', shape)));
    expect(
      toolStart(settings({ kind: 'inpaint' }), { ...data, mask: new Float32Array(dim) }, dim),
    ).toBeNull();
    // Another model's pictures are not used.
    expect(toolStart(settings({ kind: 'inpaint' }), { ...data, modelId: 'mnist' }, dim)).toBeNull();
    expect(toolStart(settings({ kind: null }), data, dim)).toBeNull();
  });

  it('SDEdit starts every sample from the drawing at t₀', () => {
    const drawing = new Float32Array(dim).fill(0.5);
    const data: ToolData = { ...emptyToolData, modelId: 'tiny', drawing };
    const start = toolStart(settings({ kind: 'sdedit', t0: 0.3 }), data, dim);
    expect(start).toMatchObject({ kind: 'data', t0: 0.3, mask: null });
    expect(start?.kind === 'data' && start.data.length).toBe(3 * dim);
    expect(tile(drawing, 1, 2, dim).every((v) => v === 0.5)).toBe(true);
  });

  it('counts known pixels kept at 8-bit precision and compares a result with its drawing', () => {
    const data = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
    const mask = Float32Array.from([1, 1, 0, 1]);
    const start = { kind: 'data' as const, data, t0: null, mask, resample: 0 };
    expect(knownKept(Float32Array.from([0.1, 0.2, 9, 0.4]), start, [-1, 1])).toEqual({ kept: 3, known: 3 });
    expect(knownKept(Float32Array.from([0.1, 0.25, 9, 0.4]), start, [-1, 1])).toEqual({ kept: 2, known: 3 });
    expect(compareToDrawing(Float32Array.from([1, 1]), Float32Array.from([1]))).toEqual({
      finite: true,
      rms: 0,
    });
    expect(compareToDrawing(Float32Array.from([NaN, 3]), Float32Array.from([1])).finite).toBe(false);
  });
});

describe('2D tools', () => {
  const settings: Settings = {
    ...defaultSettings,
    modelId: 'ring8',
    batch: 3,
    tool: { ...defaultSettings.tool, kind: 'inpaint', resample: 2, line: { axis: 'y', at: -1.5 } },
  };

  it('imputation knows the fixed coordinate of every particle and nothing else', () => {
    const start = toolStart(settings, emptyToolData, 2);
    expect(start).toMatchObject({ kind: 'data', t0: null, resample: 2 });
    if (start?.kind !== 'data') throw new Error('no start');
    expect(Array.from(start.mask ?? [])).toEqual([0, 1, 0, 1, 0, 1]);
    expect(Array.from(start.data)).toEqual([0, -1.5, 0, -1.5, 0, -1.5]);
  });

  it('a real example index is read from src=example:k, and only from that form', () => {
    expect(exampleIndex('example:3')).toBe(3);
    expect(exampleIndex('sample')).toBeNull();
    expect(exampleIndex('example:-1')).toBeNull();
    expect(exampleIndex('example:3x')).toBeNull();
  });

  it("the imputation check counts particles on the line and measures the free coordinate's histogram", () => {
    // Particles on y = -1.5 whose x sits in one of two bins [1, 1.25) and [-1, -0.75), each holding
    // half the exact mass.
    const x = Float32Array.from([1.1, -1.5, -0.9, -1.5, 1.1, -1.5, -0.9, -1.4]);
    const inBin = (b: number) => (b >= 1 && b < 1.25) || (b >= -1 && b < -0.75);
    const exact = { density: (b: number) => (inBin(b) ? 2 : 0) };
    const check = imputeCheck(x, { axis: 'y', at: -1.5 }, [-3, 3], exact);
    expect(check.onLine).toBe(3);
    expect(check.count).toBe(4);
    expect(check.hist.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    // Two bins of mass 1/2 each (up to Simpson's rule at the jumps), half the particles in each.
    expect(check.tv).toBeLessThan(0.05);
    const one = Float32Array.from([1.1, -1.5, 1.1, -1.5]);
    expect(imputeCheck(one, { axis: 'y', at: -1.5 }, [-3, 3], exact).tv).toBeGreaterThan(0.45);
  });

  it('the log-density map shares one colour scale: the same log p gives the same colour', () => {
    const scale = [-10, 0];
    const a = logDensityImage([-10, -5, 0, -Infinity], 2, scale);
    const b = logDensityImage([0, -5, -10, -10], 2, scale);
    expect(Array.from(a.subarray(0, 4))).toEqual(Array.from(b.subarray(8, 12)));
    expect(Array.from(a.subarray(8, 12))).toEqual(Array.from(b.subarray(0, 4)));
    expect(a[8 + 2]).toBeGreaterThan(a[2]);
    // Not finite: the background.
    expect(Array.from(a.subarray(12, 16))).toEqual(Array.from(a.subarray(0, 4)));
  });
});
