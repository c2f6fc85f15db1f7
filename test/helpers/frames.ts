/** A small page-side frame event for unit tests: a 10-step run of one 2-value sample. */
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
