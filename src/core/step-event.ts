/** The runner's trajectory state and the event a step (or a rewind) reports to the page. */
import { gaussianNoise, PRIOR_STEP } from './rng';
import { asTime } from './types';
import type { HistoryEntry, Sde, Sigma, Time } from './types';

/** What one step (or a rewind) shows. Arrays are fresh copies the caller may transfer. */
export interface StepEvent {
  /** Steps taken so far. */
  i: number;
  t: Time;
  sigma: Sigma;
  /** Native coordinates s(t)·x̃, batch × dim. */
  x: Float32Array;
  /** x̂₀ of this step (for step 0, the prior itself). */
  denoised: Float32Array;
  nfe: number;
  nfeTotal: number;
  info: Record<string, number>;
  done: boolean;
  /** The state holds NaN or ±∞ (the step diverged): stop, or rewind and change settings. */
  nonFinite: boolean;
  samplerId: string;
}

/** Where a trajectory is: what a snapshot stores and a rewind restores. */
export interface TrajectoryState {
  i: number;
  sigma: Sigma;
  /** Scale-free coordinates, never mutated once stored. */
  xTilde: Float32Array;
  denoised: Float32Array | null;
  history: HistoryEntry[];
  nfeTotal: number;
}

/** The prior draw x̃ = priorStd·z / s(1), z = gaussianNoise(seed, PRIOR_STEP, 0, ·), at σ = sigmaTop. */
export function priorState(sde: Sde, seed: number, count: number, sigmaTop: Sigma): TrajectoryState {
  const z = gaussianNoise(seed, PRIOR_STEP, 0, count);
  const factor = sde.priorStd() / sde.scale(asTime(1));
  const xTilde = new Float32Array(count);
  for (let e = 0; e < count; e++) xTilde[e] = factor * z[e];
  return { i: 0, sigma: sigmaTop, xTilde, denoised: null, history: [], nfeTotal: 0 };
}

export interface EventExtras {
  nfe: number;
  info: Record<string, number>;
  done: boolean;
  samplerId: string;
}

/** The event for a state: native x = s(t)x̃ under `sde` (t = 0 once σ = 0) and copies of the arrays. */
export function stepEvent(s: Omit<TrajectoryState, 'history'>, sde: Sde, extras: EventExtras): StepEvent {
  const t = s.sigma > 0 ? sde.timeOf(s.sigma) : asTime(0);
  const scale = sde.scale(t);
  const x = new Float32Array(s.xTilde.length);
  let nonFinite = false;
  for (let e = 0; e < x.length; e++) {
    x[e] = scale * s.xTilde[e];
    if (!Number.isFinite(s.xTilde[e])) nonFinite = true;
  }
  const denoised = Float32Array.from(s.denoised ?? s.xTilde);
  return { i: s.i, t, sigma: s.sigma, x, denoised, nfeTotal: s.nfeTotal, nonFinite, ...extras };
}
