/**
 * Pictures into the model's data (controllable generation, issue 13): an uploaded PNG resized to the
 * model's resolution and mapped to its range, and the drawing arithmetic of the mask overlay and
 * the SDEdit canvas (round brush at a pixel). Values are one image in channel-first layout.
 */
import { chw } from '../../shared/grid-layout';

/**
 * RGBA bytes of a width × height picture (already at the model's resolution) as one image of
 * `shape` in `range`: byte 0 → low, 255 → high; one channel takes the mean of R, G and B.
 */
export function rgbaToModel(
  rgba: Uint8ClampedArray,
  shape: readonly number[],
  range: readonly [number, number],
): Float32Array {
  const [channels, height, width] = chw(shape);
  const [lo, hi] = range;
  const out = new Float32Array(channels * height * width);
  for (let p = 0; p < height * width; p++) {
    const [r, g, b] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
    for (let c = 0; c < channels; c++) {
      const byte = channels === 1 ? (r + g + b) / 3 : [r, g, b][Math.min(c, 2)];
      out[c * height * width + p] = lo + ((hi - lo) * byte) / 255;
    }
  }
  return out;
}

/** Decodes an uploaded image file and resizes it to the model's resolution (in the page). */
export async function fileToModel(
  file: Blob,
  shape: readonly number[],
  range: readonly [number, number],
): Promise<Float32Array> {
  const [, height, width] = chw(shape);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error('The file is not a picture this browser can read: upload a PNG.');
  }
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('This browser cannot resize the picture (no 2D canvas).');
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return rgbaToModel(ctx.getImageData(0, 0, width, height).data, shape, range);
}

/**
 * Paints value `value` with a round brush of diameter `size` pixels at (x, y) into every channel of
 * one image of `shape`, in place; returns whether anything changed.
 */
export function paintDisc(
  image: Float32Array,
  shape: readonly number[],
  x: number,
  y: number,
  size: number,
  value: number,
): boolean {
  const [channels, height, width] = chw(shape);
  const r = Math.max(0.5, size / 2);
  let changed = false;
  for (let py = Math.floor(y - r); py <= Math.ceil(y + r); py++) {
    for (let px = Math.floor(x - r); px <= Math.ceil(x + r); px++) {
      if (px < 0 || py < 0 || px >= width || py >= height) continue;
      if ((px + 0.5 - x) ** 2 + (py + 0.5 - y) ** 2 > r * r) continue;
      for (let c = 0; c < channels; c++) {
        const e = c * height * width + py * width + px;
        if (image[e] !== value) changed = true;
        image[e] = value;
      }
    }
  }
  return changed;
}

/**
 * Where a pointer event lands in a canvas drawn with `object-fit: contain`: the canvas pixel
 * (fractional) of an intrinsic width × height picture, or null outside the picture.
 */
export function pointerToPixel(
  rect: { left: number; top: number; width: number; height: number },
  clientX: number,
  clientY: number,
  width: number,
  height: number,
): { x: number; y: number } | null {
  const scale = Math.min(rect.width / width, rect.height / height);
  if (!(scale > 0)) return null;
  const x = (clientX - rect.left - (rect.width - width * scale) / 2) / scale;
  const y = (clientY - rect.top - (rect.height - height * scale) / 2) / scale;
  return x >= 0 && y >= 0 && x < width && y < height ? { x, y } : null;
}
