/** A small page-side frame event for unit tests: a 10-step run of one 2-value sample. */
import { asSigma } from '../../src/core/types';
import type { FrameEvent } from '../../src/engine/protocol';

export function testFrame(runId: number, i: number, done = false): FrameEvent {
  return {
    type: 'frame',
    onGpu: false,
    drawn: false,
    requested: false,
    trace: null,
    runId,
    i,
    steps: 10,
    t: 1 - i / 10,
    sigma: 10 - i,
    nfe: 1,
    nfeTotal: i,
    x: new Float32Array([i, i]),
    denoised: new Float32Array([0, 0]),
    batch: 1,
    shape: [2],
    timings: { modelMs: 1, otherMs: 0.5 },
    info: {},
    done,
  };
}

/** A test frame with resume data (x̃ = x, x̂₀ shared with the newest history entry). */
export function resumableFrame(runId: number, i: number, done = false): FrameEvent {
  const frame = testFrame(runId, i, done);
  const denoised = new Float32Array([i / 10, 0]);
  return {
    ...frame,
    resume: {
      xTilde: new Float32Array([i, i]),
      denoised,
      history: i > 0 ? [{ sigma: asSigma(11 - i), denoised }] : [],
      sigmas: Array.from({ length: 10 }, (_, k) => 10 - k),
      startSigma: null,
    },
  };
}
