/** How the page writes a number beside a control or in the status line. */

/** Integers as they are; others to three significant digits, in exponent notation at |v| ≥ 100 or < 0.01. */
export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 || Math.abs(v) < 0.01 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}
