/**
 * Lays out a batch of images (channels × height × width, values in `range`) as one RGBA grid with
 * a 1-pixel gutter, ready for putImageData. The layout and the value→byte map live in
 * shared/grid-layout.ts, which the worker's GPU renderer uses too. Pure: no DOM, so it is
 * unit-tested in Node.
 */

import { chw, gridColumns, gridSize, GUTTER, GUTTER_RGB, toByte } from '../../shared/grid-layout';

export interface GridImage {
  width: number;
  height: number;
  /** RGBA bytes, row-major. */
  data: Uint8ClampedArray;
}

/**
 * Renders `batch` images of `shape` = [channels, height, width] (1 = grey, 3 = RGB) from x
 * (batch × C×H×W, row-major) into one grid image.
 */
export function renderImageGrid(
  x: Float32Array,
  batch: number,
  shape: readonly number[],
  range: readonly [number, number],
): GridImage {
  const [channels, h, w] = chw(shape);
  const cols = gridColumns(batch);
  const { width, height } = gridSize(batch, shape);
  const data = new Uint8ClampedArray(width * height * 4);
  // The gutter colour everywhere first (byte by byte: no array per pixel), then the tiles over it.
  for (let p = 0; p < data.length; p += 4) {
    data[p] = GUTTER_RGB[0];
    data[p + 1] = GUTTER_RGB[1];
    data[p + 2] = GUTTER_RGB[2];
    data[p + 3] = 255;
  }
  const plane = h * w;
  const byte = (v: number): number => toByte(v, range[0], range[1]);
  for (let b = 0; b < batch; b++) {
    const ox = (b % cols) * (w + GUTTER);
    const oy = Math.floor(b / cols) * (h + GUTTER);
    const base = b * channels * plane;
    for (let y = 0; y < h; y++) {
      for (let col = 0; col < w; col++) {
        const src = base + y * w + col;
        const r = byte(x[src]);
        const dst = ((oy + y) * width + ox + col) * 4;
        data[dst] = r;
        data[dst + 1] = channels >= 3 ? byte(x[src + plane]) : r;
        data[dst + 2] = channels >= 3 ? byte(x[src + 2 * plane]) : r;
        data[dst + 3] = 255;
      }
    }
  }
  return { width, height, data };
}
