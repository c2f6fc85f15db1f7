/**
 * The GPU buffer counts a GPU-resident frame carries across the worker boundary (soak, issue 16):
 * the fields' `gpuBuffers` and the whole device's `deviceBuffers` and `deviceBufferBytes` are
 * whole numbers ≥ 0 when present; a frame with anything else is refused by isEvent.
 */
import { describe, expect, it } from 'vitest';
import { isEvent, type FrameEvent } from '../../src/engine/protocol';
import { testFrame } from '../helpers/frames';

const gpuFrame = (counts: Record<string, unknown>): FrameEvent =>
  ({ ...testFrame(1, 1), onGpu: true, ...counts }) as FrameEvent;

describe('the GPU buffer counts on a frame', () => {
  it('are accepted as whole numbers, and may be absent', () => {
    expect(
      isEvent(structuredClone(gpuFrame({ gpuBuffers: 139, deviceBuffers: 189, deviceBufferBytes: 85_732 }))),
    ).toBe(true);
    expect(isEvent(gpuFrame({ gpuBuffers: 139 }))).toBe(true);
    expect(isEvent(gpuFrame({ deviceBuffers: 0, deviceBufferBytes: 0 }))).toBe(true);
  });

  it.each([
    ['a negative count', { deviceBuffers: -1 }],
    ['a fractional count', { deviceBuffers: 1.5 }],
    ['a count as text', { deviceBuffers: '189' }],
    ['negative bytes', { deviceBufferBytes: -4 }],
    ['bytes that are not a number', { deviceBufferBytes: NaN }],
    ['a bad fields count', { gpuBuffers: -1 }],
  ])('refuse %s', (_what, counts) => {
    expect(isEvent(gpuFrame(counts))).toBe(false);
  });
});
