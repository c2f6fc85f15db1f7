/** Putting a grid image on a canvas, and the integer upscale the exports use. */
import type { GridImage } from './image-grid';

/** Integer upscale so the grid is at least `target` pixels wide (never blurry). */
export function integerScale(width: number, height: number, target: number): number {
  return Math.max(1, Math.floor(target / Math.max(width, height)));
}

/**
 * Draws the grid at its native size (one canvas pixel per grid pixel; the page's CSS scales the
 * canvas up with `image-rendering: pixelated`). The canvas is resized only when the grid's size
 * changes, and the image's bytes are handed to putImageData without a copy: per frame this is one
 * small putImageData, with no second canvas and no scaled drawImage.
 */
export function drawGrid(canvas: HTMLCanvasElement, image: GridImage): void {
  if (canvas.width !== image.width) canvas.width = image.width;
  if (canvas.height !== image.height) canvas.height = image.height;
  const { data } = image;
  // ImageData cannot wrap shared memory; renderImageGrid's bytes never are.
  const bytes = isOnArrayBuffer(data) ? data : new Uint8ClampedArray(data);
  canvas.getContext('2d')?.putImageData(new ImageData(bytes, image.width, image.height), 0, 0);
}

function isOnArrayBuffer(data: Uint8ClampedArray): data is Uint8ClampedArray<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer;
}
