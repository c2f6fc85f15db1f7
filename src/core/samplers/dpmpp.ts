/**
 * DPM-Solver++(2M) (Lu et al. 2022, Alg. 2) in λ = −ln σ over scale-free coordinates: a data-prediction
 * multistep solver whose second order comes from the previous x̂₀ in the trajectory's history.
 */
import type { HistoryEntry, StepCtx, StepResult, StepStart } from '../types';
import { combine, defineSampler, entryAt, times, type Terms } from './util';

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

/**
 * Alg. 2 in x̃ (α = 1): x̃_i = (σ_i/σ_{i−1})·x̃_{i−1} − (e^{−h_i} − 1)·D_i, where
 * D_i = (1 + 1/(2r_i))·x̂₀(t_{i−1}) − 1/(2r_i)·x̂₀(t_{i−2}) with r_i = h_{i−1}/h_i, or D_i = x̂₀(t_{i−1})
 * (first order) when the history holds no earlier x̂₀: the first step, or the first after a swap.
 */
async function dpmpp2mStep<V>(state: StepStart<V>, ctx: StepCtx<V>): Promise<StepResult<V>> {
  const { xTilde: x, sigma } = state;
  const { sigmaNext } = ctx;
  const denoised = await ctx.denoise(x, sigma);
  const evaluated = entryAt(sigma, denoised);
  if (sigmaNext <= 0) {
    return { xTilde: denoised, sigma: sigmaNext, denoised, evaluated, nfe: 1, info: { order: 1 } };
  }
  const h = Math.log(sigma / sigmaNext);
  const previous = previousDenoised(ctx.history, sigma);
  let blend: Terms<V> = [[1, denoised]]; // D_i
  if (previous && h > 0) {
    const r = Math.log(previous.sigma / sigma) / h;
    blend = [
      [1 + 1 / (2 * r), denoised],
      [-1 / (2 * r), previous.denoised],
    ];
  }
  const expMinusH = sigmaNext / sigma; // e^{−h_i} = σ_i/σ_{i−1}
  const next = combine(ctx.field, [[expMinusH, x]], times(-(expMinusH - 1), blend));
  return { xTilde: next, sigma: sigmaNext, denoised, evaluated, nfe: 1, info: { order: previous ? 2 : 1 } };
}

export const dpmpp2m = defineSampler(
  {
    id: 'dpmpp_2m',
    label: 'DPM-Solver++(2M)',
    family: 'ode',
    stochastic: false,
    maxOrder: 2,
    cite: 'Lu et al. 2022, DPM-Solver++ Alg. 2',
    description:
      'A second-order multistep ODE solver in log-σ that reuses the previous x̂₀; it starts (and restarts after a swap) at first order.',
    params: [],
  },
  dpmpp2mStep,
);
