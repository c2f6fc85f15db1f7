/**
 * DPM-Solver++(2M) (Lu et al. 2022, Alg. 2) in λ = −ln σ over scale-free coordinates: a data-prediction
 * multistep solver whose second order comes from the previous x̂₀ in the trajectory's history.
 */
import { SYMBOLS } from '../trace';
import type { HistoryEntry, StepCtx, StepResult, StepStart, UpdateFormula } from '../types';
import { defineSampler, entryAt, times, type Terms } from './util';

const PREVIOUS_DENOISED = '\\hat x_0^{(i-1)}';

const DPMPP_2M_FORMULA: UpdateFormula = {
  lines: [
    String.raw`h = \ln\frac{\sigma_i}{\sigma_{i+1}},\quad r = \frac{h_{i-1}}{h},\quad h_{i-1} = \ln\frac{\sigma_{i-1}}{\sigma_i}`,
    String.raw`D = \Big(1 + \frac{1}{2r}\Big)\hat x_0 - \frac{1}{2r}\,\hat x_0^{(i-1)}\qquad(\text{first order, } D = \hat x_0\text{, with no earlier }\hat x_0)`,
    String.raw`\tilde x_{i+1} = \frac{\sigma_{i+1}}{\sigma_i}\,\tilde x_i - \big(e^{-h} - 1\big)\,D`,
  ],
  cite: 'Lu et al. 2022, DPM-Solver++ Alg. 2 (2M), with α = 1 in x̃',
};

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
    const last = ctx.update(SYMBOLS.next, [[SYMBOLS.denoised, 1, denoised]], {
      label: 'last step, to σ = 0: the sample becomes x̂₀',
    });
    return { xTilde: last, sigma: sigmaNext, denoised, evaluated, nfe: 1, info: { order: 1 } };
  }
  const h = Math.log(sigma / sigmaNext);
  const previous = previousDenoised(ctx.history, sigma);
  let blend: Terms<V> = [[SYMBOLS.denoised, 1, denoised]]; // D_i
  ctx.trace.note('h', h);
  if (previous && h > 0) {
    const r = Math.log(previous.sigma / sigma) / h;
    ctx.trace.note('r', r);
    blend = [
      [SYMBOLS.denoised, 1 + 1 / (2 * r), denoised],
      [PREVIOUS_DENOISED, -1 / (2 * r), previous.denoised],
    ];
  }
  ctx.trace.note('\\text{order}', previous ? 2 : 1);
  const expMinusH = sigmaNext / sigma; // e^{−h_i} = σ_i/σ_{i−1}
  const next = ctx.update(SYMBOLS.next, [[SYMBOLS.x, expMinusH, x], ...times(-(expMinusH - 1), blend)]);
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
  () => DPMPP_2M_FORMULA,
  dpmpp2mStep,
);
