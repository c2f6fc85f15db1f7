/**
 * The arithmetic of the image grid, shared by the page's CPU renderer (ui/render/image-grid.ts)
 * and the worker's WebGPU renderer (gpu/grid-render.ts) so both draw the same grid to the byte:
 * near-square layout, a 1-pixel gutter in the panel colour, and one value→byte map. Pure: no DOM,
 * no GPU.
 */

/** Gutter width in pixels between tiles. */
export const GUTTER = 1;
/** Gutter colour between tiles (the page's panel colour), RGB bytes. */
export const GUTTER_RGB = [24, 27, 34] as const;

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

/** [channels, height, width] of a card's shape ([H, W] is read as one channel). */
export function chw(shape: readonly number[]): [number, number, number] {
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  return [1, shape[0] ?? 1, shape[1] ?? 1];
}

/** Width and height in pixels of the grid of `batch` images of `shape` (gutters included). */
export function gridSize(batch: number, shape: readonly number[]): { width: number; height: number } {
  const [, h, w] = chw(shape);
  const cols = gridColumns(batch);
  const rows = Math.ceil(batch / cols);
  return { width: cols * w + (cols - 1) * GUTTER, height: rows * h + (rows - 1) * GUTTER };
}
