/**
 * Lays out a batch of images (channels × height × width, values in `range`) as one RGBA grid with
 * a 1-pixel gutter, ready for putImageData. Pure: no DOM, so it is unit-tested in Node.
 */

export interface GridImage {
  width: number;
  height: number;
  /** RGBA bytes, row-major. */
  data: Uint8ClampedArray;
}

/** Columns of a near-square grid for `batch` tiles. */
export function gridColumns(batch: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(batch)));
}

/** Maps a value in [lo, hi] to a byte 0..255 (clamped; NaN becomes 0). */
export function toByte(value: number, lo: number, hi: number): number {
  const unit = (value - lo) / (hi - lo);
  if (!(unit > 0)) return 0;
  return unit >= 1 ? 255 : Math.round(unit * 255);
}

const gutter = 1;
/** Gutter colour between tiles (the page's panel colour). */
const gutterRgb = [24, 27, 34] as const;

/** [channels, height, width] of a card's shape ([H, W] is read as one channel). */
function chw(shape: readonly number[]): [number, number, number] {
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  return [1, shape[0] ?? 1, shape[1] ?? 1];
}

/** Width and height in pixels of the grid of `batch` images of `shape` (gutters included). */
export function gridSize(batch: number, shape: readonly number[]): { width: number; height: number } {
  const [, h, w] = chw(shape);
  const cols = gridColumns(batch);
  const rows = Math.ceil(batch / cols);
  return { width: cols * w + (cols - 1) * gutter, height: rows * h + (rows - 1) * gutter };
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
    data[p] = gutterRgb[0];
    data[p + 1] = gutterRgb[1];
    data[p + 2] = gutterRgb[2];
    data[p + 3] = 255;
  }
  const plane = h * w;
  const byte = (v: number): number => toByte(v, range[0], range[1]);
  for (let b = 0; b < batch; b++) {
    const ox = (b % cols) * (w + gutter);
    const oy = Math.floor(b / cols) * (h + gutter);
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
