/** Small order statistics for benchmark samples (times in milliseconds). */

/** The median of a non-empty list (mean of the two middle values for even lengths). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The p-quantile (0 ≤ p ≤ 1) by linear interpolation between order statistics. */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('quantile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** Median and interquartile range of a sample, rounded for reports. */
export interface Summary {
  medianMs: number;
  q1Ms: number;
  q3Ms: number;
  runs: number;
}

export function summarize(times: readonly number[]): Summary {
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  return {
    medianMs: round(median(times)),
    q1Ms: round(quantile(times, 0.25)),
    q3Ms: round(quantile(times, 0.75)),
    runs: times.length,
  };
}
