/** Export: a PNG of the current grid and a GIF of the trajectory so far (gifenc). */
import { GIFEncoder, applyPalette, quantize } from 'gifenc';
import { gifStride } from '../../shared/frame-schedule';
import type { FrameEvent } from '../../engine/protocol';
import { integerScale } from './canvas';
import { renderImageGrid } from './image-grid';
import { drawPoints } from './points';
import type { CatalogueEntry } from '../state/store';

const exportSize = 512;

/** Draws one frame as the page shows it (x_t grid for images, particles for 2D) on a new canvas. */
export function frameCanvas(frame: FrameEvent, model: CatalogueEntry): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('This browser cannot draw on a canvas, so nothing can be exported.');
  if (model.task === 'points') {
    canvas.width = canvas.height = exportSize;
    drawPoints(ctx, exportSize, {
      bounds: model.card.range,
      x: frame.x,
      denoised: frame.denoised,
      arrows: [],
      paths: [],
    });
    return canvas;
  }
  const grid = renderImageGrid(frame.x, frame.batch, frame.shape, model.card.range);
  const scale = integerScale(grid.width, grid.height, exportSize);
  const source = document.createElement('canvas');
  source.width = grid.width;
  source.height = grid.height;
  source
    .getContext('2d')
    ?.putImageData(new ImageData(new Uint8ClampedArray(grid.data), grid.width, grid.height), 0, 0);
  canvas.width = grid.width * scale;
  canvas.height = grid.height * scale;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function exportPng(frame: FrameEvent, model: CatalogueEntry): Promise<void> {
  const canvas = frameCanvas(frame, model);
  const blob = await new Promise<Blob | null>((done) => canvas.toBlob(done, 'image/png'));
  if (blob === null)
    throw new Error('The browser could not encode the PNG. Try again, or take a screenshot.');
  download(blob, `${model.id}-step${frame.i}.png`);
}

/**
 * Frames to put in the GIF, from the run's frames with arrays in step order (0 … the last shown):
 * all of them up to MAX_GIF_FRAMES steps, else the first frame at or after every k-th step,
 * k = gifStride(steps), and always the last. With every frame at hand that is steps 0, k, 2k, …;
 * a run the worker drew sends exactly those (shared/frame-schedule.ts), and a log thinned for memory
 * gives the nearest frames it kept.
 */
export function gifSteps(frames: readonly FrameEvent[]): FrameEvent[] {
  const last = frames.at(-1);
  if (last === undefined) return [];
  const stride = gifStride(last.i + 1);
  const picked: FrameEvent[] = [];
  let bucket = -1;
  for (const frame of frames) {
    const b = Math.floor(frame.i / stride);
    if (b === bucket) continue;
    bucket = b;
    picked.push(frame);
  }
  if (picked.at(-1) !== last) picked.push(last);
  return picked;
}

/** A GIF of `frames` (the run's frames with arrays up to the current step; see gifSteps). */
export function exportGif(frames: readonly FrameEvent[], model: CatalogueEntry): void {
  if (frames.length === 0)
    throw new Error('There is no trajectory yet: press Play or Step first, then export.');
  const gif = GIFEncoder();
  const chosen = gifSteps(frames);
  chosen.forEach((frame, k) => {
    const canvas = frameCanvas(frame, model);
    const rgba = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
    if (rgba === undefined) return;
    const palette = quantize(rgba, 256);
    const delay = k === chosen.length - 1 ? 1500 : 60;
    gif.writeFrame(applyPalette(rgba, palette), canvas.width, canvas.height, { palette, delay });
  });
  gif.finish();
  download(new Blob([gif.bytes().slice().buffer], { type: 'image/gif' }), `${model.id}-trajectory.gif`);
}
