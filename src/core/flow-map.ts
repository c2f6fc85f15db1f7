/**
 * The flow map of a 2D model (issue 13, Encode): a grid of lines over the data's range, every point
 * carried by the probability-flow ODE to the latent space (encode.ts) and back. Drawn as lines, the
 * map shows the bijection at work: dense regions of the data are stretched to fill the Gaussian
 * latent, empty ones squeezed between them, and decoding undoes it.
 */

/** How a flow grid is laid out: `lines` vertical then `lines` horizontal lines of `perLine` points. */
export interface FlowGridLayout {
  lines: number;
  perLine: number;
}

export const MAX_FLOW_LINES = 33;
export const MAX_FLOW_POINTS_PER_LINE = 129;

/** Checks a layout, with a message saying what to choose. */
export function checkFlowGrid({ lines, perLine }: FlowGridLayout): void {
  if (!Number.isInteger(lines) || lines < 2 || lines > MAX_FLOW_LINES) {
    throw new Error(
      `A flow map of ${lines} lines per direction cannot be drawn: choose 2 to ${MAX_FLOW_LINES}.`,
    );
  }
  if (!Number.isInteger(perLine) || perLine < 2 || perLine > MAX_FLOW_POINTS_PER_LINE) {
    throw new Error(
      `A flow-map line of ${perLine} points cannot be drawn: choose 2 to ${MAX_FLOW_POINTS_PER_LINE}.`,
    );
  }
}

/**
 * The grid's points (x, y pairs): line ℓ < lines is the vertical line x = lo + ℓ·(hi − lo)/(lines − 1)
 * from y = lo to hi; line lines + ℓ the horizontal line at the same value from x = lo to hi. Each
 * line has `perLine` evenly spaced points, ends included.
 */
export function flowGrid(bounds: readonly [number, number], layout: FlowGridLayout): Float32Array {
  checkFlowGrid(layout);
  const { lines, perLine } = layout;
  const [lo, hi] = bounds;
  const points = new Float32Array(2 * lines * perLine * 2);
  for (let l = 0; l < 2 * lines; l++) {
    const fixed = lo + ((l % lines) * (hi - lo)) / (lines - 1);
    const vertical = l < lines;
    for (let p = 0; p < perLine; p++) {
      const along = lo + (p * (hi - lo)) / (perLine - 1);
      const k = 2 * (l * perLine + p);
      points[k] = vertical ? fixed : along;
      points[k + 1] = vertical ? along : fixed;
    }
  }
  return points;
}

/** The points of line ℓ of a flow-grid-shaped array (the grid itself, its latents or its decoding). */
export function flowLine(points: ArrayLike<number>, layout: FlowGridLayout, l: number): [number, number][] {
  return Array.from({ length: layout.perLine }, (_, p) => {
    const k = 2 * (l * layout.perLine + p);
    return [points[k], points[k + 1]];
  });
}
