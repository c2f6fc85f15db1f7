/**
 * The frames of the current run, by step index, kept outside the reactive store (they are large):
 * the Timeline, the GIF export and the 2D trajectories read them.
 *
 * Memory is bounded: past a byte budget the older frames thin out to every 2nd, then every 4th …
 * step (frame 0 and the newest frames always stay), so a run of any length holds at most about the
 * budget — a 10,000-step run does not keep 10,000 frames of pixels. Scrubbing always asks the
 * engine (seek in engine-io/transport-actions.ts), which rewinds from its own snapshots, so a
 * dropped frame costs nothing but a coarser GIF and coarser 2D trajectory paths.
 *
 * A frame the worker drew into the page's canvases may come without arrays (shared/frame-schedule.ts):
 * it still counts as a step reached (lastIndex, at), but upTo lists only frames with arrays, and
 * such a frame never replaces one with arrays at the same step unless the trajectory branched.
 */
import { hasArrays } from '../../shared/frame-schedule';
import type { ResumePoint } from '../../core/resume';
import { resumePointOf, type FrameEvent, type FrameResume } from '../../engine/protocol';

/** Default budget: 64 MB of frame arrays (about 650 frames of MNIST at batch 16). */
export const FRAME_LOG_BUDGET_BYTES = 64 * 2 ** 20;
/** Frames at the head of the log that thinning never drops (the rate estimate reads the last one). */
const KEEP_NEWEST = 8;

/**
 * Frames whose resume data (x̃, the sampler's history, the grid) is kept: the most recently
 * recorded ones. A crash or a lost GPU device resumes from the last of them at or before the step
 * shown (engine-io/engine-events.ts); older frames keep only their pictures.
 */
export const RESUME_KEPT = 4;

const resumeArrays = (r: FrameResume): Float32Array[] => [
  r.xTilde,
  ...(r.denoised === null ? [] : [r.denoised]),
  ...r.history.map((h) => h.denoised),
];

/** Bytes of a frame's arrays, each buffer once. */
const frameBytes = (f: FrameEvent): number => {
  const buffers = new Set<ArrayBufferLike>([f.x.buffer, f.denoised.buffer]);
  if (f.resume !== undefined) for (const a of resumeArrays(f.resume)) buffers.add(a.buffer);
  let bytes = 0;
  for (const b of buffers) bytes += b.byteLength;
  return bytes;
};

export class FrameLog {
  private readonly byStep: (FrameEvent | undefined)[] = [];
  private bytes = 0;
  /** Older frames are kept only at multiples of this stride (1, 2, 4, …). */
  private stride = 1;
  /** Steps of the frames that hold resume data, in the order they were recorded. */
  private resumable: number[] = [];

  constructor(private readonly budgetBytes = FRAME_LOG_BUDGET_BYTES) {}

  /** Forgets every frame (a new run). */
  clear(): void {
    this.byStep.length = 0;
    this.bytes = 0;
    this.stride = 1;
    this.resumable = [];
  }

  /**
   * Records a frame. When `branch` is true the trajectory continues from this frame, so frames
   * after it (from before a rewind) no longer belong to it and are dropped.
   */
  record(frame: FrameEvent, branch: boolean): void {
    if (branch) this.truncate(frame.i);
    const old = this.byStep[frame.i];
    // The same state again (a seek answer) without its arrays: keep the copy that has them.
    if (old && hasArrays(old) && !hasArrays(frame)) return;
    // The same state again without its resume data: keep the data.
    if (!branch && old?.resume !== undefined && frame.resume === undefined)
      frame = { ...frame, resume: old.resume };
    if (old) this.bytes -= frameBytes(old);
    this.byStep[frame.i] = frame;
    this.bytes += frameBytes(frame);
    if (frame.resume !== undefined) this.keepResume(frame.i);
    // The frame that just left the newest window follows the current stride.
    this.dropOffStride(this.byStep.length - KEEP_NEWEST - 1);
    while (this.bytes > this.budgetBytes && this.thin()) {
      // each pass doubles the stride of the older frames
    }
  }

  /** The frame at step i, if it was computed and kept (perhaps without arrays). */
  at(i: number): FrameEvent | undefined {
    return this.byStep[i];
  }

  /** Highest step index computed so far, or -1. */
  get lastIndex(): number {
    return this.byStep.length - 1;
  }

  /** Bytes of frame arrays held now. */
  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * The resume point of the latest frame at or before step `upTo` that holds one (see RESUME_KEPT),
   * or null: a run computed again goes on from there (or from step 0 without one).
   */
  resumeFrom(upTo: number): ResumePoint | null {
    for (let i = Math.min(upTo, this.byStep.length - 1); i >= 0; i--) {
      const f = this.byStep[i];
      if (f?.resume !== undefined) return resumePointOf({ ...f, resume: f.resume });
    }
    return null;
  }

  /** Frames 0..upTo (inclusive) that exist with their arrays, in step order. */
  upTo(upTo: number): FrameEvent[] {
    return this.byStep.slice(0, upTo + 1).filter((f): f is FrameEvent => f !== undefined && hasArrays(f));
  }

  /** Step i's frame now holds resume data: the oldest beyond RESUME_KEPT lose theirs. */
  private keepResume(i: number): void {
    this.resumable = [...this.resumable.filter((k) => k !== i), i];
    while (this.resumable.length > RESUME_KEPT) {
      const k = this.resumable.shift() as number;
      const f = this.byStep[k];
      if (f?.resume === undefined) continue;
      const { resume: _dropped, ...rest } = f;
      this.bytes -= frameBytes(f);
      this.byStep[k] = rest;
      this.bytes += frameBytes(rest);
    }
  }

  private truncate(length: number): void {
    for (let i = length; i < this.byStep.length; i++) {
      const f = this.byStep[i];
      if (f) this.bytes -= frameBytes(f);
    }
    this.byStep.length = Math.min(this.byStep.length, length);
    this.resumable = this.resumable.filter((k) => k < length);
  }

  /** Doubles the stride and drops older frames off it; false when no older frame is left to drop. */
  private thin(): boolean {
    const older = this.byStep.length - KEEP_NEWEST;
    if (this.stride >= older) return false;
    this.stride *= 2;
    for (let i = 1; i < older; i++) this.dropOffStride(i);
    return true;
  }

  private dropOffStride(i: number): void {
    const f = i >= 1 ? this.byStep[i] : undefined;
    if (f && i % this.stride !== 0) {
      this.bytes -= frameBytes(f);
      this.byStep[i] = undefined;
    }
  }
}
