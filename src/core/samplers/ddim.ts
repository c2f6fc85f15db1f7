/** DDIM with stochasticity η (Song, Meng & Ermon 2021, eq. 12) in scale-free coordinates. */
import type { ParamSpec, StepCtx, StepResult, StepStart } from '../types';
import { defineSampler, entryAt, type ParamReader } from './util';

const ddimParams: readonly ParamSpec[] = [
  {
    name: 'eta',
    label: 'η',
    kind: 'number',
    min: 0,
    max: 1,
    step: 0.05,
    default: 0,
    help: 'Fresh noise per step: 0 is the deterministic DDIM (the ODE), 1 is ancestral sampling.',
  },
];

/** Noise std of the step σ → σ' for stochasticity η: η·σ'·√(σ² − σ'²)/σ (eq. 16 in x̃). */
export function ddimSigmaUp(eta: number, sigma: number, sigmaNext: number): number {
  return (eta * sigmaNext * Math.sqrt(Math.max(sigma * sigma - sigmaNext * sigmaNext, 0))) / sigma;
}

async function ddimStep<V>(
  state: StepStart<V>,
  ctx: StepCtx<V>,
  params: ParamReader,
): Promise<StepResult<V>> {
  const eta = params.number('eta');
  const denoised = await ctx.denoise(state.xTilde, state.sigma);
  const sigmaUp = ddimSigmaUp(eta, state.sigma, ctx.sigmaNext);
  const noiseScale = Math.sqrt(Math.max(ctx.sigmaNext * ctx.sigmaNext - sigmaUp * sigmaUp, 0)) / state.sigma;
  // ε̂ = (x̃ − D)/σ; x̃' = D + √(σ'² − σ_up²)·ε̂ + σ_up·z
  const x = ctx.field.combine([
    [noiseScale, state.xTilde],
    [1 - noiseScale, denoised],
    ...(sigmaUp > 0 ? [[sigmaUp, ctx.increment(state.sigma, ctx.sigmaNext)] as const] : []),
  ]);
  return {
    xTilde: x,
    sigma: ctx.sigmaNext,
    denoised,
    evaluated: entryAt(state.sigma, denoised),
    nfe: 1,
    info: { sigmaUp },
  };
}

export const ddim = defineSampler(
  {
    id: 'ddim',
    label: 'DDIM',
    family: 'ode',
    stochastic: true,
    maxOrder: 1,
    cite: 'Song, Meng & Ermon 2021, eq. 12',
    description:
      'Predicts x̂₀, then re-noises it to the next level along the predicted noise; η blends in fresh noise (η = 0 is deterministic).',
    params: ddimParams,
  },
  ddimStep,
);
