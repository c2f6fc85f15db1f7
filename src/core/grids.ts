/**
 * Noise-level grids from σ(1) down to σ(tEnd): uniform in t, Karras et al. 2022 (eq. 5, ρ = 7), or
 * uniform in log-SNR λ = −2 ln σ (Lu et al. 2022).
 */
import { asSigma, asTime, type ScheduleKind, type Sde, type Sigma } from './types';

export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['uniform', 'karras', 'logsnr'];
export const MAX_STEPS = 100_000;

export interface GridOptions {
  /** Karras ρ (default 7). */
  rho?: number;
}

/** Decreasing grid of `steps + 1` noise levels from σ(1) to σ(tEnd). */
export function sigmaGrid(sde: Sde, schedule: ScheduleKind, steps: number, opts: GridOptions = {}): Sigma[] {
  return gridFrom(sde, schedule, steps, sde.sigma(asTime(1)), 1, opts);
}

/**
 * The same schedule's grid of `steps + 1` noise levels from `sigmaStart` (above σ(tEnd)) down to
 * σ(tEnd): what is left of a run that continues from σ with `steps` steps to go (a live SDE swap).
 */
export function sigmaGridFrom(
  sde: Sde,
  schedule: ScheduleKind,
  steps: number,
  sigmaStart: Sigma,
  opts: GridOptions = {},
): Sigma[] {
  if (!(sigmaStart > sde.sigma(sde.tEnd))) {
    throw new Error(`Cannot build a grid from σ = ${sigmaStart}: it is not above the end σ(tEnd).`);
  }
  return gridFrom(sde, schedule, steps, sigmaStart, sde.timeOf(sigmaStart), opts);
}

function gridFrom(
  sde: Sde,
  schedule: ScheduleKind,
  steps: number,
  sigmaMax: number,
  tStart: number,
  opts: GridOptions,
): Sigma[] {
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS) {
    throw new Error(`Cannot build a grid of ${steps} steps: use a whole number from 1 to ${MAX_STEPS}.`);
  }
  const sigmaMin: number = sde.sigma(sde.tEnd);
  const fraction = (i: number) => i / steps;
  let at: (i: number) => number;
  switch (schedule) {
    case 'uniform': {
      const tEnd: number = sde.tEnd;
      at = (i) => sde.sigma(asTime(tStart + fraction(i) * (tEnd - tStart)));
      break;
    }
    case 'karras': {
      const rho = opts.rho ?? 7;
      if (!(rho > 0)) throw new Error(`Karras ρ must be positive (got ${rho}); the usual value is 7.`);
      const top = sigmaMax ** (1 / rho);
      const bottom = sigmaMin ** (1 / rho);
      at = (i) => (top + fraction(i) * (bottom - top)) ** rho;
      break;
    }
    case 'logsnr': {
      const top = Math.log(sigmaMax);
      const bottom = Math.log(sigmaMin);
      at = (i) => Math.exp(top + fraction(i) * (bottom - top));
      break;
    }
    default:
      throw new Error(`Unknown schedule "${String(schedule)}": use one of ${SCHEDULE_KINDS.join(', ')}.`);
  }
  const grid: Sigma[] = [];
  for (let i = 0; i <= steps; i++) grid.push(asSigma(i === 0 ? sigmaMax : i === steps ? sigmaMin : at(i)));
  return grid;
}
