/**
 * Probability-flow ODE (Song et al. 2021, eq. 13) in scale-free coordinates, where it reads
 * dx̃/dσ = (x̃ − D(x̃, σ))/σ (Karras et al. 2022, eq. 4 and Alg. 1), solved by Euler or Heun.
 */
import type { Sampler, Sigma, StepCtx, StepResult, StepStart } from '../types';
import { assertDescending, entryAt } from './util';

/** One Euler step x̃' = x̃ + (σ' − σ)·(x̃ − D)/σ = D + (σ'/σ)(x̃ − D); at σ' = 0 this is exactly x̂₀. */
export function eulerUpdate<V>(ctx: StepCtx<V>, x: V, denoised: V, sigma: Sigma, sigmaNext: Sigma): V {
  const ratio = sigmaNext / sigma;
  return ctx.field.combine([
    [ratio, x],
    [1 - ratio, denoised],
  ]);
}

async function odeEulerStep<V>(state: StepStart<V>, ctx: StepCtx<V>): Promise<StepResult<V>> {
  assertDescending('ode_euler', state, ctx);
  const denoised = await ctx.denoise(state.xTilde, state.sigma);
  const x = eulerUpdate(ctx, state.xTilde, denoised, state.sigma, ctx.sigmaNext);
  return { xTilde: x, sigma: ctx.sigmaNext, denoised, evaluated: entryAt(state.sigma, denoised), nfe: 1 };
}

/**
 * Heun (Karras et al. 2022, Alg. 1): x̃' = x̃ + ½Δσ·(d + d'), with slopes d = (x̃ − D)/σ at the start
 * and d' = (x̃_E − D')/σ' at the Euler guess x̃_E, written as one combination of x̃, D, x̃_E and D'.
 */
async function odeHeunStep<V>(state: StepStart<V>, ctx: StepCtx<V>): Promise<StepResult<V>> {
  assertDescending('ode_heun', state, ctx);
  const denoised = await ctx.denoise(state.xTilde, state.sigma);
  const euler = eulerUpdate(ctx, state.xTilde, denoised, state.sigma, ctx.sigmaNext);
  if (ctx.sigmaNext <= 0) {
    return {
      xTilde: euler,
      sigma: ctx.sigmaNext,
      denoised,
      evaluated: entryAt(state.sigma, denoised),
      nfe: 1,
    };
  }
  const denoisedNext = await ctx.denoise(euler, ctx.sigmaNext);
  const half = 0.5 * (ctx.sigmaNext - state.sigma);
  const k0 = half / state.sigma;
  const k1 = half / ctx.sigmaNext;
  const x = ctx.field.combine([
    [1 + k0, state.xTilde],
    [-k0, denoised],
    [k1, euler],
    [-k1, denoisedNext],
  ]);
  return {
    xTilde: x,
    sigma: ctx.sigmaNext,
    denoised: denoisedNext,
    evaluated: entryAt(state.sigma, denoised),
    nfe: 2,
  };
}

export const odeEuler: Sampler = {
  id: 'ode_euler',
  label: 'Probability-flow ODE (Euler)',
  family: 'ode',
  stochastic: false,
  maxOrder: 1,
  cite: 'Song et al. 2021, eq. 13; Karras et al. 2022, Alg. 1',
  description: 'Follows the deterministic probability-flow ODE with first-order Euler steps in σ.',
  params: [],
  step: odeEulerStep,
};

export const odeHeun: Sampler = {
  id: 'ode_heun',
  label: 'Probability-flow ODE (Heun)',
  family: 'ode',
  stochastic: false,
  maxOrder: 2,
  cite: 'Karras et al. 2022, Alg. 1',
  description:
    "Follows the probability-flow ODE with Heun's second-order method: an Euler guess, then the average of both slopes (Euler on the last step to σ = 0).",
  params: [],
  step: odeHeunStep,
};
