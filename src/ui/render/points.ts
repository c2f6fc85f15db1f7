/** Draws the 2D particle view: score arrows, trajectories, x̂₀ points and x_t points. */
import type { Arrow } from './score-arrows';

export interface PointsScene {
  bounds: readonly [number, number];
  /** Current particles x_t, batch × 2 (native coordinates). */
  x: Float32Array;
  /** Denoised estimates x̂₀, batch × 2, or null to hide them. */
  denoised: Float32Array | null;
  arrows: Arrow[];
  /** Earlier x of each step (oldest first), or empty to hide trajectories. */
  paths: Float32Array[];
  /**
   * A density on a cells × cells grid over the bounds (row 0 at the top), drawn as a heat map
   * under everything else: the forward marginal p_t of a mixture. Null or absent: none.
   */
  density?: { values: Float64Array; cells: number } | null;
}

export const pointColours = {
  background: '#11141a',
  axis: '#2a303b',
  arrow: 'rgba(170, 180, 200, 0.7)',
  path: 'rgba(94, 176, 255, 0.22)',
  x: '#5eb0ff',
  denoised: '#ffb454',
} as const;

export function drawPoints(ctx: CanvasRenderingContext2D, size: number, scene: PointsScene): void {
  const [lo, hi] = scene.bounds;
  const px = (v: number): number => ((v - lo) / (hi - lo)) * size;
  const py = (v: number): number => size - px(v);
  ctx.fillStyle = pointColours.background;
  ctx.fillRect(0, 0, size, size);
  if (scene.density) drawDensity(ctx, size, scene.density.values, scene.density.cells);
  ctx.strokeStyle = pointColours.axis;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(px(0), 0);
  ctx.lineTo(px(0), size);
  ctx.moveTo(0, py(0));
  ctx.lineTo(size, py(0));
  ctx.stroke();
  drawArrows(ctx, scene.arrows, px, py);
  drawPaths(ctx, scene.paths, scene.x.length / 2, px, py);
  if (scene.denoised) drawDots(ctx, scene.denoised, pointColours.denoised, size / 160, px, py);
  drawDots(ctx, scene.x, pointColours.x, size / 110, px, py);
}

type Map1 = (v: number) => number;

/**
 * Heat map of a density: each cell's brightness is √(p/max p) (the square root keeps the tails
 * visible), in the x_t colour over the background, scaled up smoothly to the view.
 */
export function densityImage(values: Float64Array, cells: number): Uint8ClampedArray<ArrayBuffer> {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  const rgba = new Uint8ClampedArray(new ArrayBuffer(cells * cells * 4));
  const [r0, g0, b0] = [0x11, 0x14, 0x1a];
  const [r1, g1, b1] = [0x2f, 0x6f, 0xb0];
  for (let k = 0; k < cells * cells; k++) {
    const a = max > 0 ? Math.sqrt(values[k] / max) : 0;
    rgba[4 * k] = r0 + a * (r1 - r0);
    rgba[4 * k + 1] = g0 + a * (g1 - g0);
    rgba[4 * k + 2] = b0 + a * (b1 - b0);
    rgba[4 * k + 3] = 255;
  }
  return rgba;
}

function drawDensity(ctx: CanvasRenderingContext2D, size: number, values: Float64Array, cells: number): void {
  if (typeof OffscreenCanvas === 'undefined') return;
  const tile = new OffscreenCanvas(cells, cells);
  const tileCtx = tile.getContext('2d');
  if (tileCtx === null) return;
  tileCtx.putImageData(new ImageData(densityImage(values, cells), cells, cells), 0, 0);
  ctx.save();
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tile, 0, 0, size, size);
  ctx.restore();
}

function drawArrows(ctx: CanvasRenderingContext2D, arrows: Arrow[], px: Map1, py: Map1): void {
  ctx.strokeStyle = pointColours.arrow;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  for (const a of arrows) arrowPath(ctx, px(a.x), py(a.y), px(a.x + a.dx), py(a.y + a.dy), 6);
  ctx.stroke();
}

/**
 * Adds an arrow from (x0, y0) to (x1, y1), in canvas pixels, to the current path: the shaft and a
 * two-stroke head of at most `maxHead` px. Arrows shorter than a pixel (or not finite) are skipped.
 */
export function arrowPath(
  ctx: CanvasRenderingContext2D,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  maxHead: number,
): void {
  const len = Math.hypot(x1 - x0, y1 - y0);
  if (!(len >= 1)) return;
  const [ux, uy] = [(x1 - x0) / len, (y1 - y0) / len];
  const head = Math.min(maxHead, len * 0.4);
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.lineTo(x1 - head * (ux + 0.5 * uy), y1 - head * (uy - 0.5 * ux));
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - head * (ux - 0.5 * uy), y1 - head * (uy + 0.5 * ux));
}

function drawPaths(
  ctx: CanvasRenderingContext2D,
  paths: Float32Array[],
  count: number,
  px: Map1,
  py: Map1,
): void {
  if (paths.length < 2) return;
  ctx.strokeStyle = pointColours.path;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let b = 0; b < count; b++) {
    ctx.moveTo(px(paths[0][2 * b]), py(paths[0][2 * b + 1]));
    for (const step of paths) ctx.lineTo(px(step[2 * b]), py(step[2 * b + 1]));
  }
  ctx.stroke();
}

function drawDots(
  ctx: CanvasRenderingContext2D,
  xy: Float32Array,
  colour: string,
  radius: number,
  px: Map1,
  py: Map1,
): void {
  ctx.fillStyle = colour;
  ctx.beginPath();
  for (let k = 0; k + 1 < xy.length; k += 2) {
    if (!Number.isFinite(xy[k]) || !Number.isFinite(xy[k + 1])) continue;
    ctx.moveTo(px(xy[k]) + radius, py(xy[k + 1]));
    ctx.arc(px(xy[k]), py(xy[k + 1]), radius, 0, 2 * Math.PI);
  }
  ctx.fill();
}
