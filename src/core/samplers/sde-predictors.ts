/**
 * Reverse-SDE predictors (Song et al. 2021): Euler–Maruyama, the reverse-diffusion predictor and
 * ancestral sampling. Each is one linear update in native coordinates x = s·x̃,
 *   x' = a·x + b·∇ₓlog p(x) + c·z,
 * so a predictor only says what (a, b, c) are for its interval.
 */
import { SYMBOLS } from '../trace';
import type { Sde, SdeKind, Sigma, StepCtx, StepResult, StepStart, UpdateFormula } from '../types';
import { defineSampler, denoiseToZero, entryAt, intervalBeta, sdePoint } from './util';

/** Coefficients of x' = a·x + b·score + c·z in native coordinates, with the scalars they came from. */
export interface NativeCoefficients {
  a: number;
  b: number;
  c: number;
  /** The scalars the rule used (TeX symbol, value), for the step's trace. */
  given: readonly (readonly [symbol: string, value: number])[];
}

type CoefficientRule = (sde: Sde, sigma: Sigma, sigmaNext: Sigma) => NativeCoefficients;

/** A predictor: its coefficient rule, and that rule in standard notation for each kind of SDE. */
interface Predictor {
  rule: CoefficientRule;
  /** The definitions of a, b, c (TeX) and where they come from. */
  coefficients(sde: SdeKind): { tex: string; cite: string };
}

/** The symbols of the native form: x_i = s_i·x̃_i, ∇ₓlog p and z. */
const NATIVE = { x: 'x_i', score: '\\nabla_x \\log p_{t_i}(x_i)', next: 'x_{i+1}' } as const;

/**
 * The update every predictor runs, whatever its (a, b, c): the native form, then the x̃ form the
 * step evaluates (with x = s·x̃ and ∇ₓlog p = (x̂₀ − x̃)/(s·σ²)).
 */
const NATIVE_FORM = String.raw`${NATIVE.next} = a\,${NATIVE.x} + b\,${NATIVE.score} + c\,z`;
const SCORE_FROM_DENOISER = String.raw`${NATIVE.x} = s_i\,\tilde x_i,\quad ${NATIVE.score} = \frac{\hat x_0 - \tilde x_i}{s_i\,\sigma_i^2},\quad \hat x_0 = D(\tilde x_i, \sigma_i)`;
const TILDE_FORM = String.raw`\tilde x_{i+1} = \frac{1}{s_{i+1}}\Big[\Big(a\,s_i - \frac{b}{s_i\sigma_i^2}\Big)\tilde x_i + \frac{b}{s_i\sigma_i^2}\,\hat x_0 + c\,z\Big]`;

function predictorFormula(p: Predictor, sde: SdeKind): UpdateFormula {
  const { tex, cite } = p.coefficients(sde);
  return { lines: [NATIVE_FORM, tex, SCORE_FROM_DENOISER, TILDE_FORM], cite };
}

/**
 * One predictor step: evaluate x̂₀, apply the native update, map back to x̃ at σ_next. With x = s·x̃
 * and ∇ₓlog p = (D − x̃)/(s·σ²): x̃' = [(a·s − b/(sσ²))·x̃ + b/(sσ²)·D + c·z] / s'. The trace holds
 * the native form with (a, b, c) and the x̃ line the step evaluates.
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
  const { a, b, c, given } = rule(ctx.sde, state.sigma, ctx.sigmaNext);
  const scoreFactor = b / (scale * state.sigma * state.sigma);
  for (const [symbol, value] of given) ctx.trace.note(symbol, value);
  ctx.trace.note('s_i', scale);
  ctx.trace.note('s_{i+1}', scaleNext);
  ctx.trace.form(
    NATIVE.next,
    [[NATIVE.x, a], [NATIVE.score, b], ...(c === 0 ? [] : [[SYMBOLS.z, c] as const])],
    { label: 'predictor, native form' },
  );
  const x = ctx.update(
    SYMBOLS.next,
    [
      [SYMBOLS.x, (a * scale - scoreFactor) / scaleNext, state.xTilde],
      [SYMBOLS.denoised, scoreFactor / scaleNext, denoised],
      ...(c === 0 ? [] : [[SYMBOLS.z, c / scaleNext, ctx.increment(state.sigma, ctx.sigmaNext)] as const]),
    ],
    { label: 'predictor, as evaluated in x̃' },
  );
  return { xTilde: x, sigma: ctx.sigmaNext, denoised, evaluated: entryAt(state.sigma, denoised), nfe: 1 };
}

/** Euler–Maruyama on the reverse SDE dx = [f x − g² ∇log p]dt + g dw̄ (Song et al. 2021, eq. 6). */
export const eulerMaruyamaCoefficients: CoefficientRule = (sde, sigma, sigmaNext) => {
  const here = sdePoint(sde, sigma);
  const dt = here.t - sde.timeOf(sigmaNext);
  const g2 = here.diffusion ** 2;
  return {
    a: 1 - here.drift * dt,
    b: g2 * dt,
    c: here.diffusion * Math.sqrt(dt),
    given: [
      ['\\Delta t = t_i - t_{i+1}', dt],
      ['f(t_i)', here.drift],
      ['g(t_i)^2', g2],
    ],
  };
};

const EULER_MARUYAMA_TEX = String.raw`a = 1 - f(t_i)\,\Delta t,\quad b = g(t_i)^2\,\Delta t,\quad c = g(t_i)\sqrt{\Delta t},\quad \Delta t = t_i - t_{i+1}`;
const EULER_MARUYAMA_CITE = 'Song et al. 2021, eq. 6 (reverse SDE), Euler–Maruyama step';

/** The scalars of an exact VP interval: β_i with √(1 − β_i) = s_i/s_{i+1}. */
const betaGiven = (beta: number) => [['\\beta_i', beta] as const];
/** The scalars of a VE interval: σ_i² − σ_{i+1}². */
const varianceGiven = (variance: number) => [['\\sigma_i^2 - \\sigma_{i+1}^2', variance] as const];

/** Reverse diffusion: the forward SDE's own discretisation, reversed (Song et al. 2021, App. E eq. 46). */
export const reverseDiffusionCoefficients: CoefficientRule = (sde, sigma, sigmaNext) => {
  if (sde.kind === 'vp') {
    const beta = intervalBeta(sde, sigma, sigmaNext);
    return { a: 2 - Math.sqrt(1 - beta), b: beta, c: Math.sqrt(beta), given: betaGiven(beta) };
  }
  if (sde.kind === 've') {
    const variance = sigma * sigma - sigmaNext * sigmaNext;
    return { a: 1, b: variance, c: Math.sqrt(variance), given: varianceGiven(variance) };
  }
  return eulerMaruyamaCoefficients(sde, sigma, sigmaNext);
};

/** DDPM ancestral step (Ho et al. 2020, Alg. 2; Song 2021 eq. 47) or NCSN ancestral on VE (eq. 47). */
export const ancestralCoefficients: CoefficientRule = (sde, sigma, sigmaNext) => {
  if (sde.kind === 've') {
    const variance = sigma * sigma - sigmaNext * sigmaNext;
    return {
      a: 1,
      b: variance,
      c: Math.sqrt((sigmaNext * sigmaNext * variance) / (sigma * sigma)),
      given: varianceGiven(variance),
    };
  }
  const beta = intervalBeta(sde, sigma, sigmaNext);
  const root = Math.sqrt(1 - beta);
  return { a: 1 / root, b: beta / root, c: Math.sqrt(beta), given: betaGiven(beta) };
};

const VP_BETA = String.raw`1 - \beta_i = s_i^2/s_{i+1}^2`;

const eulerMaruyamaPredictor: Predictor = {
  rule: eulerMaruyamaCoefficients,
  coefficients: () => ({ tex: EULER_MARUYAMA_TEX, cite: EULER_MARUYAMA_CITE }),
};

const reverseDiffusionPredictor: Predictor = {
  rule: reverseDiffusionCoefficients,
  coefficients: (kind) => {
    if (kind === 'vp') {
      return {
        tex: String.raw`a = 2 - \sqrt{1 - \beta_i},\quad b = \beta_i,\quad c = \sqrt{\beta_i},\quad ${VP_BETA}`,
        cite: 'Song et al. 2021, App. E, eq. 46 (reverse diffusion, VP)',
      };
    }
    if (kind === 've') {
      return {
        tex: String.raw`a = 1,\quad b = \sigma_i^2 - \sigma_{i+1}^2,\quad c = \sqrt{\sigma_i^2 - \sigma_{i+1}^2}`,
        cite: 'Song et al. 2021, App. E, eq. 46 (reverse diffusion, VE)',
      };
    }
    return {
      tex: EULER_MARUYAMA_TEX,
      cite: `${EULER_MARUYAMA_CITE} (sub-VP has no discrete forward chain)`,
    };
  },
};

const ancestralPredictor: Predictor = {
  rule: ancestralCoefficients,
  coefficients: (kind) =>
    kind === 've'
      ? {
          tex: String.raw`a = 1,\quad b = \sigma_i^2 - \sigma_{i+1}^2,\quad c = \sqrt{\frac{\sigma_{i+1}^2\,(\sigma_i^2 - \sigma_{i+1}^2)}{\sigma_i^2}}`,
          cite: 'Song et al. 2021, eq. 47 (ancestral sampling of NCSN)',
        }
      : {
          tex: String.raw`a = \frac{1}{\sqrt{1 - \beta_i}},\quad b = \frac{\beta_i}{\sqrt{1 - \beta_i}},\quad c = \sqrt{\beta_i},\quad ${VP_BETA}`,
          cite: 'Ho et al. 2020, Alg. 2, line 4, with ε = −√(1 − ᾱ)·∇log p',
        },
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
  (sde) => predictorFormula(eulerMaruyamaPredictor, sde),
  (state, ctx) => nativeLinearStep(eulerMaruyamaPredictor.rule, state, ctx),
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
  (sde) => predictorFormula(reverseDiffusionPredictor, sde),
  (state, ctx) => nativeLinearStep(reverseDiffusionPredictor.rule, state, ctx),
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
  (sde) => predictorFormula(ancestralPredictor, sde),
  (state, ctx) => nativeLinearStep(ancestralPredictor.rule, state, ctx),
);

/** x̃ at σ_next when native x stays put (the "none" predictor of Song et al. 2021): x̃·s(t)/s(t_next). */
export function keepNativeX<V>(state: StepStart<V>, ctx: StepCtx<V>): V {
  const ratio = ctx.sde.scale(ctx.sde.timeOf(state.sigma)) / ctx.sde.scale(ctx.sde.timeOf(ctx.sigmaNext));
  return ctx.update(SYMBOLS.next, [[SYMBOLS.x, ratio, state.xTilde]], {
    label: 'no predictor: native x kept, x̃ rescaled',
  });
}

/** The "none" predictor in standard notation. */
export const KEEP_NATIVE_X_TEX = String.raw`x_{i+1} = x_i:\quad \tilde x_{i+1} = \frac{s_i}{s_{i+1}}\,\tilde x_i`;
