/** What a step (or a rewind) of the sampling loop reports, and the prior state it starts from. */
import type { Field } from './field';
import { PRIOR_STEP } from './rng';
import { asTime } from './types';
import type { Sde, Sigma, StepTrace, Time, TrajectoryState } from './types';

/** What one step shows, on any backend: the vectors stay where they live (CPU or GPU). */
export interface StepReport<V = Float32Array> {
  /** Steps taken so far. */
  i: number;
  t: Time;
  sigma: Sigma;
  /** s(t): native x = scale · x̃ (1 at σ = 0). */
  scale: number;
  xTilde: V;
  /** x̂₀ of this step (for step 0, the prior itself). */
  denoised: V;
  nfe: number;
  nfeTotal: number;
  info: Record<string, number>;
  done: boolean;
  samplerId: string;
  /** How the step reached this state: its formula and the numbers it used (null for the prior). */
  trace: StepTrace | null;
}

/** A CPU step report turned into arrays for the page. Arrays are fresh copies the caller may transfer. */
export interface StepEvent extends Omit<StepReport, 'xTilde' | 'scale'> {
  /** Native coordinates s(t)·x̃, batch × dim. */
  x: Float32Array;
  denoised: Float32Array;
  /** The state holds NaN or ±∞ (the step diverged): stop, or rewind and change settings. */
  nonFinite: boolean;
}

/** The prior draw x̃ = priorStd·z / s(1), z = gaussianNoise(seed, PRIOR_STEP, 0, ·), at σ = sigmaTop. */
export function priorState<V>(field: Field<V>, sde: Sde, seed: number, sigmaTop: Sigma): TrajectoryState<V> {
  const factor = sde.priorStd() / sde.scale(asTime(1));
  const xTilde = field.combine([[factor, field.noise(seed, PRIOR_STEP, 0)]]);
  return { i: 0, sigma: sigmaTop, xTilde, denoised: null, history: [], nfeTotal: 0 };
}

export interface EventExtras {
  nfe: number;
  info: Record<string, number>;
  done: boolean;
  samplerId: string;
  trace: StepTrace | null;
}

/** The report for a state under `sde` (t = 0 once σ = 0). */
export function stepReport<V>(
  s: Omit<TrajectoryState<V>, 'history'>,
  sde: Sde,
  extras: EventExtras,
): StepReport<V> {
  const t = s.sigma > 0 ? sde.timeOf(s.sigma) : asTime(0);
  const { i, sigma, xTilde, nfeTotal } = s;
  return { i, t, sigma, scale: sde.scale(t), xTilde, denoised: s.denoised ?? xTilde, nfeTotal, ...extras };
}

/**
 * The event for a report on any backend: x̃ and x̂₀ read back (one read when they are the same
 * vector), then as stepEvent.
 */
export async function readStepEvent<V>(field: Field<V>, report: StepReport<V>): Promise<StepEvent> {
  const same = report.denoised === report.xTilde;
  const [xTilde, denoised] = await Promise.all([
    field.read(report.xTilde),
    same ? null : field.read(report.denoised),
  ]);
  return stepEvent({ ...report, xTilde, denoised: denoised ?? xTilde });
}

/** Native x = s(t)x̃ and copies of the arrays of a CPU report. */
export function stepEvent(report: StepReport): StepEvent {
  const { xTilde, scale, ...rest } = report;
  const x = new Float32Array(xTilde.length);
  let nonFinite = false;
  for (let e = 0; e < x.length; e++) {
    x[e] = scale * xTilde[e];
    if (!Number.isFinite(xTilde[e])) nonFinite = true;
  }
  return { ...rest, x, denoised: Float32Array.from(report.denoised), nonFinite };
}
