/** Crisp upscaling: putImageData at native size on an offscreen canvas, then drawImage scaled. */
import type { GridImage } from './image-grid';

/** Integer upscale so the grid is at least `target` pixels wide (never blurry). */
export function integerScale(width: number, height: number, target: number): number {
  return Math.max(1, Math.floor(target / Math.max(width, height)));
}

export function drawGridCrisp(canvas: HTMLCanvasElement, image: GridImage, target = 560): void {
  const scale = integerScale(image.width, image.height, target);
  const source = document.createElement('canvas');
  source.width = image.width;
  source.height = image.height;
  source
    .getContext('2d')
    ?.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  if (canvas.width !== image.width * scale) canvas.width = image.width * scale;
  if (canvas.height !== image.height * scale) canvas.height = image.height * scale;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
}
