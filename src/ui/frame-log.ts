/**
 * The frames of the current run, by step index, kept outside the reactive store (they are large):
 * the Timeline, the GIF export and the 2D trajectories read them.
 */
import type { FrameEvent } from '../engine/protocol';

export class FrameLog {
  private readonly byStep: FrameEvent[] = [];

  /** Forgets every frame (a new run). */
  clear(): void {
    this.byStep.length = 0;
  }

  /**
   * Records a frame. When `branch` is true the trajectory continues from this frame, so frames
   * after it (from before a rewind) no longer belong to it and are dropped.
   */
  record(frame: FrameEvent, branch: boolean): void {
    if (branch) this.byStep.length = Math.min(this.byStep.length, frame.i);
    this.byStep[frame.i] = frame;
  }

  /** The frame at step i, if it was computed. */
  at(i: number): FrameEvent | undefined {
    return this.byStep[i];
  }

  /** Highest step index computed so far, or -1. */
  get lastIndex(): number {
    return this.byStep.length - 1;
  }

  /** Frames 0..upTo (inclusive) that exist, in step order. */
  upTo(upTo: number): FrameEvent[] {
    return this.byStep.slice(0, upTo + 1).filter((f) => f !== undefined);
  }
}
