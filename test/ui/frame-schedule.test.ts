import { describe, expect, it } from 'vitest';
import type { FrameEvent } from '../../src/engine/protocol';
import { carriesArrays, gifStride, hasArrays, MAX_GIF_FRAMES } from '../../src/shared/frame-schedule';
import { gifSteps } from '../../src/ui/render/export';

function frame(i: number, steps: number, arrays = true): FrameEvent {
  const length = arrays ? 2 : 0;
  return {
    type: 'frame',
    onGpu: true,
    drawn: true,
    requested: false,
    trace: null,
    runId: 1,
    i,
    steps,
    t: 1,
    sigma: 1,
    nfe: 1,
    nfeTotal: i,
    x: new Float32Array(length),
    denoised: new Float32Array(length),
    batch: 1,
    shape: [2],
    timings: { modelMs: 0, otherMs: 0 },
    info: {},
    done: i === steps,
  };
}

/** Steps 0 … steps whose drawn frames carry arrays. */
const scheduled = (steps: number): number[] =>
  Array.from({ length: steps + 1 }, (_, i) => i).filter((i) => carriesArrays(i, steps, i === steps));

/** The frames of a whole run as the page receives them when the worker draws it. */
const drawnRun = (steps: number): FrameEvent[] =>
  Array.from({ length: steps + 1 }, (_, i) => frame(i, steps, carriesArrays(i, steps, i === steps)));

describe('array schedule of drawn frames', () => {
  it('sends every frame up to MAX_GIF_FRAMES frames', () => {
    expect(gifStride(1)).toBe(1);
    expect(gifStride(MAX_GIF_FRAMES)).toBe(1);
    expect(scheduled(4)).toEqual([0, 1, 2, 3, 4]);
    expect(scheduled(MAX_GIF_FRAMES - 1)).toHaveLength(MAX_GIF_FRAMES);
  });

  it('past that, sends frame 0, every k-th step with k = ceil(frames / 120), and the last', () => {
    expect(gifStride(121)).toBe(2);
    expect(scheduled(120)).toEqual(Array.from({ length: 61 }, (_, k) => 2 * k));
    // 122 frames: k = 2, and the odd last step 121 comes too.
    expect(scheduled(121)).toEqual([...Array.from({ length: 61 }, (_, k) => 2 * k), 121]);
    // 1001 frames: k = 9.
    const long = scheduled(1000);
    expect(long.slice(0, 4)).toEqual([0, 9, 18, 27]);
    expect(long.slice(-2)).toEqual([999, 1000]);
    expect(long).toHaveLength(113);
  });

  it('never sends more than about 120 frames, however long the run', () => {
    for (const steps of [119, 120, 121, 239, 240, 241, 999, 1000, 4321, 10_000]) {
      const n = scheduled(steps).length;
      expect(n, `${steps} steps`).toBeLessThanOrEqual(MAX_GIF_FRAMES + 1);
      expect(n, `${steps} steps`).toBeGreaterThan(MAX_GIF_FRAMES / 2);
    }
  });

  it('the last frame always comes, wherever the run stops being done', () => {
    expect(carriesArrays(77, 1000, true)).toBe(true);
    expect(carriesArrays(77, 1000, false)).toBe(false);
  });

  it('tells frames with arrays from those without', () => {
    expect(hasArrays(frame(3, 10))).toBe(true);
    expect(hasArrays(frame(3, 10, false))).toBe(false);
  });
});

describe('gifSteps', () => {
  it('keeps every frame of a short run', () => {
    const frames = Array.from({ length: 50 }, (_, i) => frame(i, 49));
    expect(gifSteps(frames)).toEqual(frames);
    expect(gifSteps([])).toEqual([]);
  });

  it('thins every frame of a long run to every k-th step and the last (as before)', () => {
    const frames = Array.from({ length: 301 }, (_, i) => frame(i, 300));
    const picked = gifSteps(frames).map((f) => f.i);
    // 301 frames: k = ceil(301 / 120) = 3.
    expect(picked).toEqual([...Array.from({ length: 101 }, (_, k) => 3 * k)]);
    const odd = Array.from({ length: 243 }, (_, i) => frame(i, 242));
    expect(
      gifSteps(odd)
        .map((f) => f.i)
        .slice(-3),
    ).toEqual([237, 240, 242]);
  });

  it('keeps exactly the frames a drawn run sends, so both paths give the same GIF', () => {
    for (const steps of [10, 121, 300, 1000]) {
      const all = Array.from({ length: steps + 1 }, (_, i) => frame(i, steps));
      const withArrays = drawnRun(steps).filter(hasArrays);
      expect(
        gifSteps(withArrays).map((f) => f.i),
        `${steps} steps`,
      ).toEqual(gifSteps(all).map((f) => f.i));
    }
  });

  it('mid-run, keeps every frame a drawn run has sent so far, plus the current one', () => {
    // 1000 steps (k = 9), exported at step 500 after a readFrame answer for it.
    const sent = drawnRun(1000).slice(0, 501).filter(hasArrays);
    const picked = gifSteps([...sent, frame(500, 1000)]).map((f) => f.i);
    expect(picked).toEqual([...sent.map((f) => f.i), 500]);
    expect(picked.length).toBeLessThanOrEqual(MAX_GIF_FRAMES);
  });

  it('from a thinned log, takes the first frame kept in each stretch of k steps', () => {
    const kept = [0, 4, 8, 12, 16, 17, 18, 19, 20].map((i) => frame(i, 300));
    // Last step 20: 21 frames, k = 1, so every kept frame.
    expect(gifSteps(kept)).toEqual(kept);
    const sparse = [0, 8, 16, 24, 300].map((i) => frame(i, 300));
    // k = 3: one frame per stretch of 3 steps that has one.
    expect(gifSteps(sparse).map((f) => f.i)).toEqual([0, 8, 16, 24, 300]);
  });
});
