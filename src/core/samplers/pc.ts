/**
 * Predictor–corrector sampling (Song et al. 2021, Alg. 2/3): any predictor step to σ_next, then
 * Langevin corrector moves at σ_next with a target signal-to-noise ratio. A composition of the
 * existing samplers, not a loop of its own.
 */
import type { ParamSpec, Sampler, SdeKind, StepCtx, StepResult, StepStart, UpdateFormula } from '../types';
import { correctAt, CORRECTOR_TEX } from './langevin';
import { odeEuler } from './ode';
import { ancestral, eulerMaruyama, keepNativeX, KEEP_NATIVE_X_TEX, reverseDiffusion } from './sde-predictors';
import { defineSampler, intervalBeta, type ParamReader } from './util';

const predictors: Readonly<Record<string, Sampler>> = {
  euler_maruyama: eulerMaruyama,
  reverse_diffusion: reverseDiffusion,
  ancestral,
  ode_euler: odeEuler,
};

const pcParams: readonly ParamSpec[] = [
  {
    name: 'predictor',
    label: 'Predictor',
    kind: 'choice',
    choices: [...Object.keys(predictors), 'none'],
    default: 'reverse_diffusion',
    help: 'The step from σ to σ_next; "none" keeps native x and leaves all the work to the corrector.',
  },
  {
    name: 'corrector',
    label: 'Corrector',
    kind: 'choice',
    choices: ['langevin', 'none'],
    default: 'langevin',
    help: 'Langevin moves at σ_next after each predictor step, or none (predictor only).',
  },
  {
    name: 'snr',
    label: 'Signal-to-noise ratio r',
    kind: 'number',
    min: 0.01,
    max: 1,
    step: 0.01,
    default: 0.16,
    help: 'Sets the corrector step ε = 2α(r‖z‖/‖∇log p‖)²; larger r means bigger moves.',
  },
  {
    name: 'stepNorm',
    label: 'Corrector norms',
    kind: 'choice',
    choices: ['batch', 'sample'],
    default: 'batch',
    help: "Batch (default, as the reference code) uses batch-mean norms, one step size for all samples. Sample uses each sample's own norms: the step then depends on x, which without a matching drift term changes the stationary law (visibly biased in 2D; negligible only in high dimension).",
  },
  {
    name: 'correctorSteps',
    label: 'Corrector steps',
    kind: 'int',
    min: 1,
    max: 10,
    step: 1,
    default: 1,
    help: 'Langevin moves per noise level (each costs one network evaluation).',
  },
];

/** Both lines: the chosen predictor's formula, then the corrector's (Song et al. 2021, Alg. 2–5). */
function pcFormula(sde: SdeKind, params: ParamReader): UpdateFormula {
  const name = params.choice('predictor');
  const predictor = predictors[name];
  const first: UpdateFormula = predictor
    ? predictor.formula(sde, {})
    : { lines: [KEEP_NATIVE_X_TEX], cite: 'Song et al. 2021, Table 1 (corrector-only sampling, C)' };
  if (params.choice('corrector') === 'none') return first;
  return {
    lines: [...first.lines, ...CORRECTOR_TEX],
    cite: `Song et al. 2021, Alg. 2–3 (PC), Alg. 4–5 (corrector); predictor: ${first.cite}`,
  };
}

/** The predictor move; "none" keeps native x fixed while σ moves on (corrector-only sampling). */
async function predict<V>(name: string, state: StepStart<V>, ctx: StepCtx<V>): Promise<StepResult<V>> {
  const predictor = predictors[name];
  if (predictor) return predictor.step(state, ctx);
  const x = keepNativeX(state, ctx);
  return { xTilde: x, sigma: ctx.sigmaNext, denoised: x, evaluated: [], nfe: 0 };
}

async function pcStep<V>(state: StepStart<V>, ctx: StepCtx<V>, params: ParamReader): Promise<StepResult<V>> {
  const predictorName = params.choice('predictor');
  const corrector = params.choice('corrector');
  const snr = params.number('snr');
  const steps = params.number('correctorSteps');
  const norm = params.choice('stepNorm') === 'sample' ? 'sample' : 'batch';
  const predicted = await predict(predictorName, state, ctx);
  if (corrector === 'none' || ctx.sigmaNext <= 0) return predicted;
  // α = 1 − β_i on VP as in the reference code; 1 otherwise.
  const alpha = ctx.sde.kind === 'vp' ? 1 - intervalBeta(ctx.sde, state.sigma, ctx.sigmaNext) : 1;
  const corrected = await correctAt(predicted.xTilde, ctx.sigmaNext, ctx, {
    snr,
    alpha,
    steps,
    norm,
  });
  return {
    xTilde: corrected.x,
    sigma: ctx.sigmaNext,
    denoised: corrected.denoised ?? predicted.denoised,
    evaluated: predicted.evaluated,
    nfe: predicted.nfe + steps,
    info: { ...predicted.info, epsilon: corrected.meanStepSize },
  };
}

export const pc = defineSampler(
  {
    id: 'pc',
    label: 'Predictor–corrector',
    family: 'sde',
    stochastic: true,
    maxOrder: 1,
    cite: 'Song et al. 2021, Alg. 2–3',
    description:
      'A predictor step to the next noise level, then Langevin corrector moves there whose size keeps a target signal-to-noise ratio.',
    params: pcParams,
  },
  pcFormula,
  pcStep,
);
