/**
 * Probability-flow ODE (Song et al. 2021, eq. 13) in scale-free coordinates, where it reads
 * dx̃/dσ = (x̃ − D(x̃, σ))/σ (Karras et al. 2022, eq. 4 and Alg. 1), solved by Euler or Heun.
 */
import { SYMBOLS } from '../trace';
import type { Sigma, StepCtx, StepResult, StepStart, UpdateFormula } from '../types';
import { defineSampler, entryAt, slope } from './util';

/** The probability-flow ODE in x̃ and σ, as every solver here reads it. */
const PF_ODE = String.raw`\frac{d\tilde x}{d\sigma} = \frac{\tilde x - \hat x_0(\tilde x, \sigma)}{\sigma}`;
/** The Euler step, as the maths reads it and as the step evaluates it. */
const EULER = String.raw`\tilde x_{i+1} = \tilde x_i + (\sigma_{i+1} - \sigma_i)\,\frac{\tilde x_i - \hat x_0}{\sigma_i} = \frac{\sigma_{i+1}}{\sigma_i}\,\tilde x_i + \Big(1 - \frac{\sigma_{i+1}}{\sigma_i}\Big)\hat x_0`;

export const ODE_EULER_FORMULA: UpdateFormula = {
  lines: [PF_ODE, EULER],
  cite: 'Song et al. 2021, eq. 13 (probability-flow ODE) in x̃ = x/s; Karras et al. 2022, eq. 4 and Alg. 1 (Euler)',
};

const EULER_GUESS = '\\tilde x_E';
const DENOISED_AT_GUESS = '\\hat x_0(\\tilde x_E)';
const DELTA_SIGMA = '\\Delta\\sigma = \\sigma_{i+1} - \\sigma_i';

const HEUN_FORMULA: UpdateFormula = {
  lines: [
    PF_ODE,
    String.raw`d_i = \frac{\tilde x_i - \hat x_0}{\sigma_i},\quad \tilde x_E = \tilde x_i + \Delta\sigma\,d_i = \frac{\sigma_{i+1}}{\sigma_i}\,\tilde x_i + \Big(1 - \frac{\sigma_{i+1}}{\sigma_i}\Big)\hat x_0`,
    String.raw`d_E = \frac{\tilde x_E - \hat x_0(\tilde x_E)}{\sigma_{i+1}},\quad \hat x_0(\tilde x_E) = D(\tilde x_E, \sigma_{i+1})`,
    String.raw`\tilde x_{i+1} = \tilde x_i + \tfrac12\,\Delta\sigma\,(d_i + d_E) = \Big(1 + \frac{\Delta\sigma}{2\sigma_i}\Big)\tilde x_i - \frac{\Delta\sigma}{2\sigma_i}\,\hat x_0 + \frac{\Delta\sigma}{2\sigma_{i+1}}\,\tilde x_E - \frac{\Delta\sigma}{2\sigma_{i+1}}\,\hat x_0(\tilde x_E)`,
  ],
  cite: 'Karras et al. 2022, Alg. 1, lines 5–8 (Heun); Euler on the last step to σ = 0',
};

/**
 * One Euler step x̃' = x̃ + (σ' − σ)·(x̃ − D)/σ = D + (σ'/σ)(x̃ − D), recorded as `name`; at σ' = 0
 * this is exactly x̂₀.
 */
export function eulerUpdate<V>(
  ctx: StepCtx<V>,
  x: V,
  denoised: V,
  sigma: Sigma,
  sigmaNext: Sigma,
  name: string = SYMBOLS.next,
  label?: string,
): V {
  const ratio = sigmaNext / sigma;
  return ctx.update(
    name,
    [
      [SYMBOLS.x, ratio, x],
      [SYMBOLS.denoised, 1 - ratio, denoised],
    ],
    label === undefined ? undefined : { label },
  );
}

async function odeEulerStep<V>(state: StepStart<V>, ctx: StepCtx<V>): Promise<StepResult<V>> {
  const { xTilde: x, sigma } = state;
  const denoised = await ctx.denoise(x, sigma);
  ctx.trace.note(DELTA_SIGMA, ctx.sigmaNext - sigma);
  const next = eulerUpdate(ctx, x, denoised, sigma, ctx.sigmaNext);
  return { xTilde: next, sigma: ctx.sigmaNext, denoised, evaluated: entryAt(sigma, denoised), nfe: 1 };
}

/**
 * Heun (Karras et al. 2022, Alg. 1): an Euler guess x̃_E, then x̃' = x̃ + ½Δσ·(d + d′) with the
 * slopes d = (x̃ − D)/σ at the start and d′ = (x̃_E − D′)/σ′ at the guess. Euler on the last step
 * to σ = 0, where d′ is undefined.
 */
async function odeHeunStep<V>(state: StepStart<V>, ctx: StepCtx<V>): Promise<StepResult<V>> {
  const { xTilde: x, sigma } = state;
  const { sigmaNext } = ctx;
  const denoised = await ctx.denoise(x, sigma);
  const evaluated = entryAt(sigma, denoised);
  ctx.trace.note(DELTA_SIGMA, sigmaNext - sigma);
  if (sigmaNext <= 0) {
    const last = eulerUpdate(ctx, x, denoised, sigma, sigmaNext, SYMBOLS.next, 'last step, to σ = 0: Euler');
    return { xTilde: last, sigma: sigmaNext, denoised, evaluated, nfe: 1 };
  }
  const euler = eulerUpdate(ctx, x, denoised, sigma, sigmaNext, EULER_GUESS, 'Euler guess');
  const denoisedNext = await ctx.denoise(euler, sigmaNext);
  const halfStep = 0.5 * (sigmaNext - sigma);
  // x̃ + ½Δσ·d + ½Δσ·d′
  const next = ctx.update(
    SYMBOLS.next,
    [
      [SYMBOLS.x, 1, x],
      ...slope(halfStep, [SYMBOLS.x, x], [SYMBOLS.denoised, denoised], sigma),
      ...slope(halfStep, [EULER_GUESS, euler], [DENOISED_AT_GUESS, denoisedNext], sigmaNext),
    ],
    { label: 'Heun correction: the mean of both slopes' },
  );
  return { xTilde: next, sigma: sigmaNext, denoised: denoisedNext, evaluated, nfe: 2 };
}

export const odeEuler = defineSampler(
  {
    id: 'ode_euler',
    label: 'Probability-flow ODE (Euler)',
    family: 'ode',
    stochastic: false,
    maxOrder: 1,
    cite: 'Song et al. 2021, eq. 13; Karras et al. 2022, Alg. 1',
    description: 'Follows the deterministic probability-flow ODE with first-order Euler steps in σ.',
    params: [],
  },
  () => ODE_EULER_FORMULA,
  odeEulerStep,
);

export const odeHeun = defineSampler(
  {
    id: 'ode_heun',
    label: 'Probability-flow ODE (Heun)',
    family: 'ode',
    stochastic: false,
    maxOrder: 2,
    cite: 'Karras et al. 2022, Alg. 1',
    description:
      "Follows the probability-flow ODE with Heun's second-order method: an Euler guess, then the average of both slopes (Euler on the last step to σ = 0).",
    params: [],
  },
  () => HEUN_FORMULA,
  odeHeunStep,
);
