/**
 * A 2D log-density map as RGBA bytes (cells × cells, row 0 at the top): each cell's log p mapped
 * linearly from the range of `scale` (its finite minimum to its maximum) onto the x_t colour over
 * the background, so two maps drawn with the same scale can be compared cell by cell. Log, not p:
 * the tails of a mixture lie tens of nats below its modes.
 */
export function logDensityImage(
  logp: ArrayLike<number>,
  cells: number,
  scale: ArrayLike<number>,
): Uint8ClampedArray<ArrayBuffer> {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < scale.length; k++) {
    if (!Number.isFinite(scale[k])) continue;
    lo = Math.min(lo, scale[k]);
    hi = Math.max(hi, scale[k]);
  }
  const span = hi > lo ? hi - lo : 1;
  const rgba = new Uint8ClampedArray(new ArrayBuffer(cells * cells * 4));
  const [r0, g0, b0] = [0x11, 0x14, 0x1a];
  const [r1, g1, b1] = [0x5e, 0xb0, 0xff];
  for (let k = 0; k < cells * cells; k++) {
    const v = logp[k];
    const a = Number.isFinite(v) ? Math.min(1, Math.max(0, (v - lo) / span)) : 0;
    rgba[4 * k] = r0 + a * (r1 - r0);
    rgba[4 * k + 1] = g0 + a * (g1 - g0);
    rgba[4 * k + 2] = b0 + a * (b1 - b0);
    rgba[4 * k + 3] = 255;
  }
  return rgba;
}
