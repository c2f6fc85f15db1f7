/**
 * Your own data (issue 15), drawing on the 2D view's overlay: the drawn points while editing, and
 * while training the network's score next to the exact empirical score (the optimum of the same
 * denoising objective on the same points) over a heat map of their disagreement, with samples of
 * the current network.
 */
import type { TrainSnapshot } from '../state/store';
import { arrowPath } from './points';

export const trainingColours = {
  background: '#11141a',
  drawn: 'rgba(240, 240, 240, 0.85)',
  exact: 'rgba(170, 180, 200, 0.75)',
  learned: '#ffb454',
  samples: '#7ee787',
} as const;

/**
 * Per grid cell, the disagreement of the learned score s_θ with the exact one s*:
 * |s_θ − s*| / (|s_θ| + |s*|), which lies in [0, 1] (0: equal; 1: opposite or one of them zero).
 */
export function scoreDisagreement(learned: ArrayLike<number>, exact: ArrayLike<number>): Float32Array {
  const count = Math.floor(exact.length / 2);
  const out = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    const [lx, ly, ex, ey] = [learned[2 * k], learned[2 * k + 1], exact[2 * k], exact[2 * k + 1]];
    const sum = Math.hypot(lx, ly) + Math.hypot(ex, ey);
    out[k] = sum > 0 ? Math.hypot(lx - ex, ly - ey) / sum : 0;
  }
  return out;
}

/** Mean disagreement over the grid (the number the panel shows next to the heat map). */
export function meanDisagreement(snapshot: Pick<TrainSnapshot, 'learned' | 'exact'>): number {
  const cells = scoreDisagreement(snapshot.learned, snapshot.exact);
  return cells.reduce((a, b) => a + b, 0) / Math.max(1, cells.length);
}

type Map1 = (v: number) => number;

function mapping(size: number, bounds: readonly [number, number]): { px: Map1; py: Map1 } {
  const [lo, hi] = bounds;
  const px = (v: number): number => ((v - lo) / (hi - lo)) * size;
  return { px, py: (v: number) => size - px(v) };
}

function dots(
  ctx: CanvasRenderingContext2D,
  xy: ArrayLike<number>,
  colour: string,
  r: number,
  px: Map1,
  py: Map1,
) {
  ctx.fillStyle = colour;
  ctx.beginPath();
  for (let k = 0; k + 1 < xy.length; k += 2) {
    if (!Number.isFinite(xy[k]) || !Number.isFinite(xy[k + 1])) continue;
    ctx.moveTo(px(xy[k]) + r, py(xy[k + 1]));
    ctx.arc(px(xy[k]), py(xy[k + 1]), r, 0, 2 * Math.PI);
  }
  ctx.fill();
}

function arrows(
  ctx: CanvasRenderingContext2D,
  grid: ArrayLike<number>,
  score: ArrayLike<number>,
  factor: number,
  colour: string,
  px: Map1,
  py: Map1,
) {
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  for (let k = 0; k + 1 < grid.length; k += 2) {
    const [x, y] = [grid[k], grid[k + 1]];
    arrowPath(ctx, px(x), py(y), px(x + factor * score[k]), py(y + factor * score[k + 1]), 5);
  }
  ctx.stroke();
}

/** The drawn points on a transparent overlay (the run's particles show through). */
export function drawDrawing(
  ctx: CanvasRenderingContext2D,
  size: number,
  bounds: readonly [number, number],
  points: Float32Array,
): void {
  ctx.clearRect(0, 0, size, size);
  const { px, py } = mapping(size, bounds);
  dots(ctx, points, trainingColours.drawn, size / 260, px, py);
}

/**
 * The training view, opaque: heat map of scoreDisagreement per cell, exact arrows (grey) and
 * learned arrows (orange) on one scale (the longest exact arrow spans 0.9 of a cell), the drawn
 * points faintly, and the current network's samples (green).
 */
export function drawTrainingView(
  ctx: CanvasRenderingContext2D,
  size: number,
  bounds: readonly [number, number],
  snapshot: TrainSnapshot,
  points: Float32Array,
): void {
  const { px, py } = mapping(size, bounds);
  ctx.fillStyle = trainingColours.background;
  ctx.fillRect(0, 0, size, size);
  const { side, grid, learned, exact } = snapshot;
  const cells = scoreDisagreement(learned, exact);
  // Grid cells as the worker laid them out: centres over the range it was given.
  const cellWorld = side > 1 ? grid[2] - grid[0] : bounds[1] - bounds[0];
  const cellPx = Math.abs(px(cellWorld) - px(0));
  for (let k = 0; k < cells.length; k++) {
    ctx.fillStyle = `rgba(230, 60, 60, ${(0.75 * cells[k]).toFixed(3)})`;
    ctx.fillRect(px(grid[2 * k]) - cellPx / 2, py(grid[2 * k + 1]) - cellPx / 2, cellPx + 0.5, cellPx + 0.5);
  }
  let longest = 0;
  for (let k = 0; k + 1 < exact.length; k += 2)
    longest = Math.max(longest, Math.hypot(exact[k], exact[k + 1]));
  const factor = longest > 0 ? (0.9 * cellWorld) / longest : 0;
  dots(ctx, points, 'rgba(240, 240, 240, 0.35)', size / 320, px, py);
  arrows(ctx, grid, exact, factor, trainingColours.exact, px, py);
  arrows(ctx, grid, learned, factor, trainingColours.learned, px, py);
  dots(ctx, snapshot.samples, trainingColours.samples, size / 220, px, py);
}
