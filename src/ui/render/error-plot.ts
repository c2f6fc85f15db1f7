/**
 * The error-vs-NFE plot of compare mode (issue 14), as SVG geometry: one line per pane (its sliced
 * W1 to the exact distribution after each tick, against the evaluations it spent), and the sampling
 * floor as a band. Both axes are logarithmic, as in the sampler papers' accuracy-vs-cost plots;
 * points at NFE 0 (the shared prior) are left out of a log axis.
 */
import type { ErrorPoint } from '../state/compare';

export interface PlotBox {
  width: number;
  height: number;
  /** Room for the axis labels: left, bottom, top, right. */
  margin: { left: number; bottom: number; top: number; right: number };
}

export interface ErrorPlotGeometry {
  /** One SVG path per pane that has a point (pane index kept). */
  lines: { pane: number; d: string; points: number }[];
  /** The floor band's top and bottom (SVG y), or null without a floor. */
  band: { top: number; bottom: number } | null;
  xTicks: { at: number; label: string }[];
  yTicks: { at: number; label: string }[];
}

const log10 = Math.log10;

/** Powers of ten from lo to hi (inclusive of the decades they span), at most a handful. */
function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(log10(lo)); e <= Math.ceil(log10(hi)); e++) out.push(10 ** e);
  return out;
}

export function errorPlotGeometry(
  series: readonly (readonly ErrorPoint[])[],
  floor: { low: number; high: number } | null,
  box: PlotBox,
): ErrorPlotGeometry {
  const points = series.map((line) => line.filter((p) => p.nfe >= 1 && p.error > 0));
  const all = points.flat();
  const nfeMax = Math.max(10, ...all.map((p) => p.nfe));
  const errors = all.map((p) => p.error);
  const lowest = Math.min(...errors, floor?.low ?? Infinity);
  const highest = Math.max(...errors, floor?.high ?? -Infinity);
  const yLo = Number.isFinite(lowest) ? lowest / 1.5 : 0.01;
  const yHi = Number.isFinite(highest) ? Math.max(highest * 1.5, yLo * 10) : 10;
  const { width, height, margin } = box;
  const innerW = width - margin.left - margin.right;
  const innerH = height - margin.top - margin.bottom;
  const x = (nfe: number): number => margin.left + (log10(nfe) / log10(nfeMax)) * innerW;
  const y = (e: number): number =>
    margin.top + (1 - (log10(e) - log10(yLo)) / (log10(yHi) - log10(yLo))) * innerH;
  const round = (v: number): string => v.toFixed(1);
  const lines = points.flatMap((line, pane) =>
    line.length === 0
      ? []
      : [
          {
            pane,
            points: line.length,
            d: line.map((p, k) => `${k === 0 ? 'M' : 'L'}${round(x(p.nfe))},${round(y(p.error))}`).join(' '),
          },
        ],
  );
  const band = floor === null ? null : { top: y(floor.high), bottom: y(floor.low) };
  const xTicks = decades(1, nfeMax)
    .filter((v) => v <= nfeMax)
    .map((v) => ({ at: x(v), label: String(v) }));
  const yTicks = decades(yLo, yHi)
    .filter((v) => v >= yLo && v <= yHi)
    .map((v) => ({ at: y(v), label: v >= 1 ? String(v) : v.toPrecision(1) }));
  return { lines, band, xTicks, yTicks };
}
