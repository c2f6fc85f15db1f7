/**
 * Probability-flow ODE (Song et al. 2021, eq. 13) in scale-free coordinates, where it reads
 * dx̃/dσ = (x̃ − D(x̃, σ))/σ (Karras et al. 2022, eq. 4 and Alg. 1), solved by Euler or Heun.
 */
import type { Sigma, StepCtx, StepResult, StepStart } from '../types';
import { combine, defineSampler, entryAt, slope } from './util';

/** One Euler step x̃' = x̃ + (σ' − σ)·(x̃ − D)/σ = D + (σ'/σ)(x̃ − D); at σ' = 0 this is exactly x̂₀. */
export function eulerUpdate<V>(ctx: StepCtx<V>, x: V, denoised: V, sigma: Sigma, sigmaNext: Sigma): V {
  const ratio = sigmaNext / sigma;
  return ctx.field.combine([
    [ratio, x],
    [1 - ratio, denoised],
  ]);
}

async function odeEulerStep<V>(state: StepStart<V>, ctx: StepCtx<V>): Promise<StepResult<V>> {
  const { xTilde: x, sigma } = state;
  const denoised = await ctx.denoise(x, sigma);
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
  const euler = eulerUpdate(ctx, x, denoised, sigma, sigmaNext);
  if (sigmaNext <= 0) return { xTilde: euler, sigma: sigmaNext, denoised, evaluated, nfe: 1 };
  const denoisedNext = await ctx.denoise(euler, sigmaNext);
  const halfStep = 0.5 * (sigmaNext - sigma);
  // x̃ + ½Δσ·d + ½Δσ·d′
  const next = combine(
    ctx.field,
    [[1, x]],
    slope(halfStep, x, denoised, sigma),
    slope(halfStep, euler, denoisedNext, sigmaNext),
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
  odeHeunStep,
);
