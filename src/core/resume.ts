/**
 * A resume point: everything a sampling loop reads when it takes its next step, so that a loop
 * given it goes on exactly as the loop it came from would have. After a crashed worker or a lost
 * GPU device the run continues from the last frame the page still holds instead of being computed
 * again from step 0 (SamplingLoop.resumeAt).
 *
 * What a step reads: the state (i, σ, x̃), the earlier (σ, x̂₀) pairs (DPM-Solver++(2M) reads the
 * last x̂₀ above σ, RK45 the last two σ), the σ grid it steps along (refitted after a live change,
 * so not always the settings' own), where a run started by startFrom began (it fixes the step
 * total), and the running NFE count. x̂₀ and the trace are only shown, but a resumed frame shows
 * them as the lost one did.
 */
import type { Field } from './field';
import type { HistoryEntry, Sigma, StepTrace } from './types';

export interface ResumePoint<V = Float32Array> {
  /** Steps taken. */
  i: number;
  sigma: Sigma;
  xTilde: V;
  /** x̂₀ shown for the state (null for the prior). */
  denoised: V | null;
  history: HistoryEntry<V>[];
  nfeTotal: number;
  /** The σ grid the loop steps along from here, descending. */
  sigmas: number[];
  /** Where a run started by startFrom began; null for a run from the prior. */
  startSigma: number | null;
  trace: StepTrace | null;
}

/** The point's vectors, each once (x̂₀ and the newest history entry are often one vector). */
function vectorsOf<V>(point: ResumePoint<V>): V[] {
  const vectors = new Set<V>([point.xTilde]);
  if (point.denoised !== null) vectors.add(point.denoised);
  for (const entry of point.history) vectors.add(entry.denoised);
  return [...vectors];
}

/** The same point with every vector mapped by `to` (one call per distinct vector). */
async function mapVectors<V, W>(
  point: ResumePoint<V>,
  to: (v: V) => W | Promise<W>,
): Promise<ResumePoint<W>> {
  const mapped = new Map<V, W>();
  for (const v of vectorsOf(point)) mapped.set(v, await to(v));
  const get = (v: V): W => mapped.get(v) as W;
  return {
    ...point,
    sigmas: [...point.sigmas],
    xTilde: get(point.xTilde),
    denoised: point.denoised === null ? null : get(point.denoised),
    history: point.history.map((entry) => ({ sigma: entry.sigma, denoised: get(entry.denoised) })),
  };
}

/**
 * A point's vectors read back to arrays, each distinct vector once: a shared vector stays one
 * array, so the point crosses a thread boundary without a copy too many.
 */
export function readResumePoint<V>(field: Field<V>, point: ResumePoint<V>): Promise<ResumePoint> {
  return mapVectors(point, (v) => field.read(v));
}

/** A point's arrays uploaded to `field` (checked first: every array is batch × dim). */
export async function uploadResumePoint<V>(field: Field<V>, point: ResumePoint): Promise<ResumePoint<V>> {
  checkResumePoint(point, field.batch * field.dim);
  return mapVectors(point, (a) => field.upload(a));
}

/** A resume point that cannot be a state of the run (the run can still start from step 0). */
export class UnusableResumePoint extends Error {
  constructor(what: string) {
    super(`The frame to resume from is not usable: ${what}.`);
    this.name = 'UnusableResumePoint';
  }
}

const unusable = (what: string): never => {
  throw new UnusableResumePoint(what);
};

/** Throws a message saying what is wrong when the point's numbers cannot be a run's state. */
export function checkResumeNumbers<V>(point: ResumePoint<V>): void {
  const { i, sigma, nfeTotal, sigmas, startSigma } = point;
  if (!Number.isInteger(i) || i < 0) unusable(`its step ${i} is not a whole number ≥ 0`);
  if (!(sigma >= 0) || !Number.isFinite(sigma)) unusable(`its noise level σ = ${sigma} is not ≥ 0`);
  if (!Number.isInteger(nfeTotal) || nfeTotal < 0)
    unusable('its network call count is not a whole number ≥ 0');
  const descending = sigmas.every((s, k) => s > 0 && Number.isFinite(s) && (k === 0 || s < sigmas[k - 1]));
  if (sigmas.length === 0 || !descending)
    unusable('its σ grid is not a descending list of noise levels above 0');
  if (startSigma !== null && !(startSigma > 0 && Number.isFinite(startSigma))) {
    unusable('the σ its reverse process began at is not above 0');
  }
  for (const entry of point.history) {
    if (!(entry.sigma >= 0) || !Number.isFinite(entry.sigma)) unusable('an earlier noise level is not ≥ 0');
  }
}

/** As checkResumeNumbers, and every array must hold `length` (batch × dim) values. */
export function checkResumePoint(point: ResumePoint, length: number): void {
  checkResumeNumbers(point);
  for (const v of vectorsOf(point)) {
    if (v.length !== length) unusable(`it holds ${v.length} values where the run has ${length}`);
  }
}
