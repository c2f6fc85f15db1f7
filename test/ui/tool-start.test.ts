/**
 * Controllable generation's page logic (issue 13): preset masks keep what their names say, an open
 * tool gives every run its start, and the panel's checks count what a user would see.
 */
import { describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../../src/ui/state/settings';
import { emptyToolData, type ToolData } from '../../src/ui/state/store';
import { compareToDrawing, knownKept, presetMask, tile, toolStart } from '../../src/ui/state/tool-start';

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
