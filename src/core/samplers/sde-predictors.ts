/**
 * Reverse-SDE predictors (Song et al. 2021): Euler–Maruyama, the reverse-diffusion predictor and
 * ancestral sampling. Each is one linear update in native coordinates x = s·x̃,
 *   x' = a·x + b·∇ₓlog p(x) + c·z,
 * so a predictor only says what (a, b, c) are for its interval.
 */
import type { Sde, Sigma, StepCtx, StepResult, StepStart } from '../types';
import { defineSampler, denoiseToZero, entryAt, intervalBeta, sdePoint } from './util';

/** Coefficients of x' = a·x + b·score + c·z in native coordinates. */
export interface NativeCoefficients {
  a: number;
  b: number;
  c: number;
}

type CoefficientRule = (sde: Sde, sigma: Sigma, sigmaNext: Sigma) => NativeCoefficients;

/**
 * One predictor step: evaluate x̂₀, apply the native update, map back to x̃ at σ_next. With x = s·x̃
 * and ∇ₓlog p = (D − x̃)/(s·σ²): x̃' = [(a·s − b/(sσ²))·x̃ + b/(sσ²)·D + c·z] / s'.
 */
async function nativeLinearStep<V>(
  rule: CoefficientRule,
  state: StepStart<V>,
  ctx: StepCtx<V>,
): Promise<StepResult<V>> {
  if (ctx.sigmaNext <= 0) return denoiseToZero(state, ctx);
  const denoised = await ctx.denoise(state.xTilde, state.sigma);
  const scale = ctx.sde.scale(ctx.sde.timeOf(state.sigma));
  const scaleNext = ctx.sde.scale(ctx.sde.timeOf(ctx.sigmaNext));
  const { a, b, c } = rule(ctx.sde, state.sigma, ctx.sigmaNext);
  const scoreFactor = b / (scale * state.sigma * state.sigma);
  const x = ctx.field.combine([
    [(a * scale - scoreFactor) / scaleNext, state.xTilde],
    [scoreFactor / scaleNext, denoised],
    ...(c === 0 ? [] : [[c / scaleNext, ctx.increment(state.sigma, ctx.sigmaNext)] as const]),
  ]);
  return { xTilde: x, sigma: ctx.sigmaNext, denoised, evaluated: entryAt(state.sigma, denoised), nfe: 1 };
}

/** Euler–Maruyama on the reverse SDE dx = [f x − g² ∇log p]dt + g dw̄ (Song et al. 2021, eq. 6). */
export const eulerMaruyamaCoefficients: CoefficientRule = (sde, sigma, sigmaNext) => {
  const here = sdePoint(sde, sigma);
  const dt = here.t - sde.timeOf(sigmaNext);
  return { a: 1 - here.drift * dt, b: here.diffusion ** 2 * dt, c: here.diffusion * Math.sqrt(dt) };
};

/** Reverse diffusion: the forward SDE's own discretisation, reversed (Song et al. 2021, App. E eq. 46). */
export const reverseDiffusionCoefficients: CoefficientRule = (sde, sigma, sigmaNext) => {
  if (sde.kind === 'vp') {
    const beta = intervalBeta(sde, sigma, sigmaNext);
    return { a: 2 - Math.sqrt(1 - beta), b: beta, c: Math.sqrt(beta) };
  }
  if (sde.kind === 've') {
    const variance = sigma * sigma - sigmaNext * sigmaNext;
    return { a: 1, b: variance, c: Math.sqrt(variance) };
  }
  return eulerMaruyamaCoefficients(sde, sigma, sigmaNext);
};

/** DDPM ancestral step (Ho et al. 2020, Alg. 2; Song 2021 eq. 47) or NCSN ancestral on VE (eq. 47). */
export const ancestralCoefficients: CoefficientRule = (sde, sigma, sigmaNext) => {
  if (sde.kind === 've') {
    const variance = sigma * sigma - sigmaNext * sigmaNext;
    return { a: 1, b: variance, c: Math.sqrt((sigmaNext * sigmaNext * variance) / (sigma * sigma)) };
  }
  const beta = intervalBeta(sde, sigma, sigmaNext);
  const root = Math.sqrt(1 - beta);
  return { a: 1 / root, b: beta / root, c: Math.sqrt(beta) };
};

export const eulerMaruyama = defineSampler(
  {
    id: 'euler_maruyama',
    label: 'Euler–Maruyama (reverse SDE)',
    family: 'sde',
    stochastic: true,
    maxOrder: 1,
    cite: 'Song et al. 2021, eq. 6',
    description:
      'Integrates the reverse-time SDE with the simplest stochastic scheme: a drift step along the score plus fresh Gaussian noise.',
    params: [],
  },
  (state, ctx) => nativeLinearStep(eulerMaruyamaCoefficients, state, ctx),
);

export const reverseDiffusion = defineSampler(
  {
    id: 'reverse_diffusion',
    label: 'Reverse diffusion',
    family: 'sde',
    stochastic: true,
    maxOrder: 1,
    cite: 'Song et al. 2021, App. E, eq. 46',
    description:
      "Runs the forward process's own discretisation backwards (exact interval β on VP, exact variance on VE, Euler–Maruyama on sub-VP).",
    params: [],
  },
  (state, ctx) => nativeLinearStep(reverseDiffusionCoefficients, state, ctx),
);

export const ancestral = defineSampler(
  {
    id: 'ancestral',
    label: 'Ancestral (DDPM / NCSN)',
    family: 'sde',
    stochastic: true,
    maxOrder: 1,
    cite: 'Ho et al. 2020, Alg. 2; Song et al. 2021, eq. 47',
    description:
      "DDPM ancestral sampling on VP, NCSN ancestral sampling on VE; sub-VP uses the VP form with that step's β.",
    params: [],
  },
  (state, ctx) => nativeLinearStep(ancestralCoefficients, state, ctx),
);

/** x̃ at σ_next when native x stays put (the "none" predictor of Song et al. 2021): x̃·s(t)/s(t_next). */
export function keepNativeX<V>(state: StepStart<V>, ctx: StepCtx<V>): V {
  const ratio = ctx.sde.scale(ctx.sde.timeOf(state.sigma)) / ctx.sde.scale(ctx.sde.timeOf(ctx.sigmaNext));
  return ctx.field.combine([[ratio, state.xTilde]]);
}
