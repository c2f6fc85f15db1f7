/**
 * Probability-flow ODE (Song et al. 2021, eq. 13) in scale-free coordinates, where it reads
 * dx̃/dσ = (x̃ − D(x̃, σ))/σ (Karras et al. 2022, eq. 4 and Alg. 1), solved by Euler or Heun.
 */
import type { Sampler, Sigma, StepCtx, StepResult, TrajState } from '../types';
import { assertDescending, entryAt } from './util';

/** The ODE's slope dx̃/dσ = (x̃ − D)/σ (Karras et al. 2022, Alg. 1 line 4). */
export function flowSlope(x: Float32Array, denoised: Float32Array, sigma: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let k = 0; k < x.length; k++) out[k] = (x[k] - denoised[k]) / sigma;
  return out;
}

/** One Euler step x̃' = x̃ + (σ' − σ)·d; at σ' = 0 this is exactly x̂₀. */
export function eulerUpdate(
  x: Float32Array,
  denoised: Float32Array,
  sigma: Sigma,
  sigmaNext: Sigma,
): Float32Array {
  const ratio = sigmaNext / sigma;
  const out = new Float32Array(x.length);
  for (let k = 0; k < x.length; k++) out[k] = denoised[k] + ratio * (x[k] - denoised[k]);
  return out;
}

async function odeEulerStep(state: TrajState, ctx: StepCtx): Promise<StepResult> {
  assertDescending('ode_euler', state, ctx);
  const denoised = await ctx.denoise(state.x, state.sigma);
  const x = eulerUpdate(state.x, denoised, state.sigma, ctx.sigmaNext);
  return { x, sigma: ctx.sigmaNext, denoised, evaluated: entryAt(state.sigma, denoised), nfe: 1 };
}

async function odeHeunStep(state: TrajState, ctx: StepCtx): Promise<StepResult> {
  assertDescending('ode_heun', state, ctx);
  const denoised = await ctx.denoise(state.x, state.sigma);
  const euler = eulerUpdate(state.x, denoised, state.sigma, ctx.sigmaNext);
  if (ctx.sigmaNext <= 0) {
    return { x: euler, sigma: ctx.sigmaNext, denoised, evaluated: entryAt(state.sigma, denoised), nfe: 1 };
  }
  const denoisedNext = await ctx.denoise(euler, ctx.sigmaNext);
  const slope = flowSlope(state.x, denoised, state.sigma);
  const slopeNext = flowSlope(euler, denoisedNext, ctx.sigmaNext);
  const dSigma = ctx.sigmaNext - state.sigma;
  const x = new Float32Array(state.x.length);
  for (let k = 0; k < x.length; k++) x[k] = state.x[k] + 0.5 * dSigma * (slope[k] + slopeNext[k]);
  return {
    x,
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
