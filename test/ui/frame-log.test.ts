import { describe, expect, it } from 'vitest';
import type { FrameEvent } from '../../src/engine/protocol';
import { FrameLog } from '../../src/ui/state/frame-log';
import { asSigma } from '../../src/core/types';

const DIM = 1000; // 4 kB per array, 8 kB per frame

function frame(i: number): FrameEvent {
  return {
    type: 'frame',
    onGpu: false,
    drawn: false,
    requested: false,
    trace: null,
    runId: 1,
    i,
    steps: 100_000,
    t: 1,
    sigma: 1,
    nfe: 1,
    nfeTotal: i,
    x: new Float32Array(DIM).fill(i),
    denoised: new Float32Array(DIM).fill(-i),
    batch: 1,
    shape: [DIM],
    timings: { modelMs: 0, otherMs: 0 },
    info: {},
    done: false,
  };
}

describe('FrameLog', () => {
  it('keeps every frame while under budget', () => {
    const log = new FrameLog(1e6);
    for (let i = 0; i <= 100; i++) log.record(frame(i), true);
    expect(log.upTo(100).map((f) => f.i)).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect(log.heldBytes).toBe(101 * 8000);
  });

  it('holds about its budget however long the run, keeping frame 0 and the newest frames', () => {
    const budget = 400_000; // 50 frames
    const log = new FrameLog(budget);
    const held: number[] = [];
    for (let i = 0; i <= 10_000; i++) {
      log.record(frame(i), true);
      if (i === 100 || i === 10_000) held.push(log.heldBytes);
    }
    expect(held[0]).toBeLessThanOrEqual(budget);
    expect(held[1]).toBeLessThanOrEqual(budget);
    expect(held[1]).toBeGreaterThan(budget / 4);
    const kept = log.upTo(10_000).map((f) => f.i);
    expect(kept[0]).toBe(0);
    expect(kept.slice(-8)).toEqual([9993, 9994, 9995, 9996, 9997, 9998, 9999, 10_000]);
    expect(log.at(9999)?.x[0]).toBe(9999);
    expect(log.lastIndex).toBe(10_000);
    // What is kept is spread over the whole run, in order.
    expect(kept.some((i) => i > 2000 && i < 8000)).toBe(true);
    expect([...kept].sort((a, b) => a - b)).toEqual(kept);
  });

  it('drops the frames after a branch point and their bytes', () => {
    const log = new FrameLog(1e6);
    for (let i = 0; i <= 20; i++) log.record(frame(i), true);
    log.record(frame(5), true);
    expect(log.lastIndex).toBe(5);
    expect(log.heldBytes).toBe(6 * 8000);
    log.record(frame(3), false); // a seek answer replaces frame 3 and keeps 4 and 5
    expect(log.lastIndex).toBe(5);
    expect(log.heldBytes).toBe(6 * 8000);
  });

  it('counts a drawn frame without arrays as reached, but lists and replaces only frames with arrays', () => {
    const log = new FrameLog(1e6);
    const bare = (i: number): FrameEvent => ({
      ...frame(i),
      drawn: true,
      x: new Float32Array(0),
      denoised: new Float32Array(0),
    });
    for (let i = 0; i <= 6; i++) log.record(i % 3 === 0 ? frame(i) : bare(i), true);
    expect(log.lastIndex).toBe(6);
    expect(log.heldBytes).toBe(3 * 8000);
    expect(log.upTo(6).map((f) => f.i)).toEqual([0, 3, 6]);
    expect(log.at(5)?.x.length).toBe(0);
    // A seek answer at 3 without arrays keeps the copy with them; a readFrame answer at 4 fills 4 in.
    log.record(bare(3), false);
    log.record({ ...frame(4), requested: true }, false);
    expect(log.at(3)?.x.length).toBe(DIM);
    expect(log.upTo(6).map((f) => f.i)).toEqual([0, 3, 4, 6]);
    expect(log.lastIndex).toBe(6);
    // Branching at 3 (a step from a rewound 2) replaces it, arrays or not, and drops 4 … 6.
    log.record(bare(3), true);
    expect(log.lastIndex).toBe(3);
    expect(log.upTo(6).map((f) => f.i)).toEqual([0]);
    expect(log.heldBytes).toBe(8000);
  });
});

describe('resume data (faults: a run goes on from the last frame the page holds)', () => {
  /** A frame with resume data: x̃ and a history entry sharing x̂₀'s array (4 kB each, 3 arrays). */
  function resumable(i: number): FrameEvent {
    const f = frame(i);
    const denoised = new Float32Array(DIM).fill(i / 2);
    return {
      ...f,
      resume: {
        xTilde: new Float32Array(DIM).fill(i),
        denoised,
        history: [{ sigma: asSigma(2), denoised }],
        sigmas: [1, 0.5],
        startSigma: null,
      },
    };
  }

  it('keeps it on the newest RESUME_KEPT frames only, and counts its bytes (a shared array once)', () => {
    const log = new FrameLog();
    log.record(resumable(0), true);
    expect(log.heldBytes).toBe(4 * DIM * 4);
    for (let i = 1; i < 10; i++) log.record(resumable(i), true);
    const held = Array.from({ length: 10 }, (_, i) => log.at(i)?.resume !== undefined);
    expect(held).toEqual([false, false, false, false, false, false, true, true, true, true]);
    expect(log.heldBytes).toBe(10 * 2 * DIM * 4 + 4 * 2 * DIM * 4);
    expect(log.resumeFrom(100)?.i).toBe(9);
    expect(log.resumeFrom(7)).toMatchObject({ i: 7, sigma: 1, nfeTotal: 7, trace: null, startSigma: null });
    expect(log.resumeFrom(5)).toBeNull();
  });

  it('a branch drops the resume data of the frames after it', () => {
    const log = new FrameLog();
    for (let i = 0; i < 6; i++) log.record(resumable(i), true);
    // Rewound to 3 (its frame answers without resume data), then a step: frame 4 is a new branch.
    log.record(frame(3), false);
    log.record(frame(4), true);
    expect(log.resumeFrom(10)?.i).toBe(3);
    expect(log.at(5)).toBeUndefined();
  });
});
