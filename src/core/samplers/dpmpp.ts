/**
 * DPM-Solver++(2M) (Lu et al. 2022, Alg. 2) in λ = −ln σ over scale-free coordinates: a data-prediction
 * multistep solver whose second order comes from the previous x̂₀ in the trajectory's history.
 */
import type { HistoryEntry, Sampler, StepCtx, StepResult, StepStart } from '../types';
import { assertDescending, entryAt } from './util';

/** The most recent history entry strictly above the current σ (the previous step's x̂₀), if any. */
export function previousDenoised<V>(
  history: readonly HistoryEntry<V>[],
  sigma: number,
): HistoryEntry<V> | undefined {
  for (let j = history.length - 1; j >= 0; j--) {
    const entry = history[j];
    if (entry.sigma > sigma && Number.isFinite(entry.sigma)) return entry;
  }
  return undefined;
}

async function dpmpp2mStep<V>(state: StepStart<V>, ctx: StepCtx<V>): Promise<StepResult<V>> {
  assertDescending('dpmpp_2m', state, ctx);
  const denoised = await ctx.denoise(state.xTilde, state.sigma);
  const evaluated = entryAt(state.sigma, denoised);
  if (ctx.sigmaNext <= 0) {
    return { xTilde: denoised, sigma: ctx.sigmaNext, denoised, evaluated, nfe: 1, info: { order: 1 } };
  }
  const h = Math.log(state.sigma / ctx.sigmaNext);
  const previous = previousDenoised(ctx.history, state.sigma);
  // Second order: D_d = (1 + 1/(2r))·D_i − 1/(2r)·D_{i−1} with r = h_{i−1}/h_i (Alg. 2, line 5).
  let weightPrev = 0;
  if (previous && h > 0) {
    const r = Math.log(previous.sigma / state.sigma) / h;
    weightPrev = 1 / (2 * r);
  }
  const ratio = ctx.sigmaNext / state.sigma; // e^{−h}
  // x̃' = e^{−h}·x̃ + (1 − e^{−h})·D_d
  const x = ctx.field.combine([
    [ratio, state.xTilde],
    [(1 - ratio) * (1 + weightPrev), denoised],
    ...(previous && weightPrev !== 0 ? [[-(1 - ratio) * weightPrev, previous.denoised] as const] : []),
  ]);
  return { xTilde: x, sigma: ctx.sigmaNext, denoised, evaluated, nfe: 1, info: { order: previous ? 2 : 1 } };
}

export const dpmpp2m: Sampler = {
  id: 'dpmpp_2m',
  label: 'DPM-Solver++(2M)',
  family: 'ode',
  stochastic: false,
  maxOrder: 2,
  cite: 'Lu et al. 2022, DPM-Solver++ Alg. 2',
  description:
    'A second-order multistep ODE solver in log-σ that reuses the previous x̂₀; it starts (and restarts after a swap) at first order.',
  params: [],
  step: dpmpp2mStep,
};
