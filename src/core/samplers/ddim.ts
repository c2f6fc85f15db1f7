/** DDIM with stochasticity η (Song, Meng & Ermon 2021, eq. 12) in scale-free coordinates. */
import { SYMBOLS } from '../trace';
import type { ParamSpec, StepCtx, StepResult, StepStart, UpdateFormula } from '../types';
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
  ctx.trace.note('\\eta', eta);
  ctx.trace.note('\\sigma_{\\text{up}}', sigmaUp);
  ctx.trace.note('\\sqrt{\\sigma_{i+1}^2 - \\sigma_{\\text{up}}^2}/\\sigma_i', noiseScale);
  // ε̂ = (x̃ − D)/σ; x̃' = D + √(σ'² − σ_up²)·ε̂ + σ_up·z
  const x = ctx.update(SYMBOLS.next, [
    [SYMBOLS.x, noiseScale, state.xTilde],
    [SYMBOLS.denoised, 1 - noiseScale, denoised],
    ...(sigmaUp > 0 ? [[SYMBOLS.z, sigmaUp, ctx.increment(state.sigma, ctx.sigmaNext)] as const] : []),
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

const DDIM_FORMULA: UpdateFormula = {
  lines: [
    String.raw`\hat\epsilon = \frac{\tilde x_i - \hat x_0}{\sigma_i},\quad \sigma_{\text{up}} = \eta\,\frac{\sigma_{i+1}\sqrt{\sigma_i^2 - \sigma_{i+1}^2}}{\sigma_i}`,
    String.raw`\tilde x_{i+1} = \hat x_0 + \sqrt{\sigma_{i+1}^2 - \sigma_{\text{up}}^2}\;\hat\epsilon + \sigma_{\text{up}}\,z`,
    String.raw`= \frac{\sqrt{\sigma_{i+1}^2 - \sigma_{\text{up}}^2}}{\sigma_i}\,\tilde x_i + \Big(1 - \frac{\sqrt{\sigma_{i+1}^2 - \sigma_{\text{up}}^2}}{\sigma_i}\Big)\hat x_0 + \sigma_{\text{up}}\,z`,
  ],
  cite: 'Song, Meng & Ermon 2021, eq. 12, with σ_t(η) of eq. 16, divided by √ᾱ (x̃ = x/√ᾱ)',
};

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
  () => DDIM_FORMULA,
  ddimStep,
);
