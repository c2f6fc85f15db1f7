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

function drawArrows(ctx: CanvasRenderingContext2D, arrows: Arrow[], px: Map1, py: Map1): void {
  ctx.strokeStyle = pointColours.arrow;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  for (const a of arrows) {
    const [x0, y0, x1, y1] = [px(a.x), py(a.y), px(a.x + a.dx), py(a.y + a.dy)];
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (len < 1) continue;
    const [ux, uy] = [(x1 - x0) / len, (y1 - y0) / len];
    const head = Math.min(6, len * 0.4);
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.lineTo(x1 - head * (ux + 0.5 * uy), y1 - head * (uy - 0.5 * ux));
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - head * (ux - 0.5 * uy), y1 - head * (uy + 0.5 * ux));
  }
  ctx.stroke();
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
