/**
 * Which frames carry their arrays to the page. When the worker draws an image run straight into
 * the page's canvases, the page needs x and x̂₀ as arrays only for what it keeps: the GIF export's
 * frames (frame 0, every k-th step, the last), and whatever it asks for (readFrame, for the PNG
 * export). Every other drawn frame crosses with empty arrays. Pure: unit-tested in Node.
 */

/** A GIF of a longer trajectory keeps about this many frames (every k-th step, and the last). */
export const MAX_GIF_FRAMES = 120;

/**
 * The step stride a GIF of `frameCount` frames (steps 0 … frameCount − 1) keeps: 1 up to
 * MAX_GIF_FRAMES frames, then ceil(frameCount / MAX_GIF_FRAMES).
 */
export function gifStride(frameCount: number): number {
  return Math.max(1, Math.ceil(frameCount / MAX_GIF_FRAMES));
}

/**
 * Whether a drawn image frame at step `i` of a run of `steps` steps (frames 0 … steps) carries its
 * arrays: frame 0, the last (`done`) and every gifStride(steps + 1)-th step — exactly the steps the
 * GIF of the whole run keeps, so the GIF of a drawn run equals the GIF of the same run drawn on the
 * page.
 */
export function carriesArrays(i: number, steps: number, done: boolean): boolean {
  return i === 0 || done || i % gifStride(steps + 1) === 0;
}

/** The frame came with its x and x̂₀ arrays (a drawn frame off the schedule has empty ones). */
export function hasArrays(frame: { x: Float32Array; denoised: Float32Array }): boolean {
  return frame.x.length > 0 && frame.denoised.length > 0;
}
