/**
 * Adaptive Dormand–Prince 5(4) (Dormand & Prince 1980) on the probability-flow ODE written in
 * u = ln σ: dx̃/du = x̃ − D(x̃, eᵘ). One accepted step per call, aimed at the grid's final σ; rejected
 * tries are retried inside the call with standard step-size control (Hairer et al., ODE I, II.4).
 */
import { SYMBOLS } from '../trace';
import { asSigma } from '../types';
import type {
  HistoryEntry,
  ParamSpec,
  StepCtx,
  StepResult,
  StepStart,
  TracedTerm,
  UpdateFormula,
} from '../types';
import { lastPositiveSigma } from './langevin';
import { defineSampler, denoiseToZero, entryAt, type ParamReader } from './util';

/** Butcher tableau of Dormand–Prince 5(4); the last row is the 5th-order solution (FSAL). */
export const NODES = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1];
export const COUPLING: readonly (readonly number[])[] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
/** 5th-order minus embedded 4th-order weights: the local error estimate. */
export const ERROR_WEIGHTS = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];

const SAFETY = 0.9;
const MIN_FACTOR = 0.2;
/** Growth of the first try over the previous step (see trialFromHistory). */
const GROWTH_AFTER_GROWN = 2;
const GROWTH_AFTER_EQUAL = 1.25;
const MAX_TRIES = 30;

const rk45Params: readonly ParamSpec[] = [
  {
    name: 'rtol',
    label: 'Relative tolerance',
    kind: 'number',
    min: 1e-6,
    max: 1e-1,
    step: 1e-6,
    default: 1e-3,
    log: true,
    help: 'Allowed local error relative to |x̃|; smaller means more, shorter steps.',
  },
  {
    name: 'atol',
    label: 'Absolute tolerance',
    kind: 'number',
    min: 1e-6,
    max: 1e-1,
    step: 1e-6,
    default: 1e-3,
    log: true,
    help: 'Allowed local error in absolute units of x̃ (matters near zero).',
  },
];

const RK45_FORMULA: UpdateFormula = {
  lines: [
    String.raw`u = \ln\sigma,\quad \frac{d\tilde x}{du} = f(\tilde x, u) = \tilde x - \hat x_0(\tilde x, e^{u}),\quad h = \ln\frac{\sigma_{i+1}}{\sigma_i}`,
    String.raw`k_1 = f(\tilde x_i, u_i),\quad k_j = f\Big(\tilde x_i + h\sum_{l<j} a_{jl}\,k_l,\ u_i + c_j h\Big),\ j = 2,\dots,7`,
    String.raw`\tilde x_{i+1} = \tilde x_i + h\sum_{j=1}^{6} b_j\,k_j,\qquad e = h\sum_{j=1}^{7} (b_j - \hat b_j)\,k_j`,
    String.raw`\text{accepted when } \lVert e\rVert = \max_n \sqrt{\operatorname{mean}\Big(\frac{e}{\text{atol} + \text{rtol}\,\max(|\tilde x_i|, |\tilde x_{i+1}|)}\Big)^2} \le 1`,
  ],
  cite: 'Dormand & Prince 1980 (5(4) tableau) on Song et al. 2021, eq. 13 in u = ln σ; error norm: Hairer et al., ODE I, II.4 eq. 4.11',
};

/**
 * A stage's TeX names: the state y_j it evaluates at (x̃_i for the first, the new x̃_{i+1} for the
 * last, FSAL) and its slope k_j (1-based j).
 */
const stageState = (j: number) => (j === 1 ? SYMBOLS.x : j === 7 ? SYMBOLS.next : `\\tilde x^{(${j})}`);
const slopeName = (j: number) => `k_{${j}}`;
const denoisedAt = (j: number) => (j === 1 ? SYMBOLS.denoised : `\\hat x_0(${stageState(j)})`);

/** The slope f(y, u) = y − D(y, eᵘ) of stage j, as a recorded line named k_j. */
type Rhs<V> = (y: V, u: number, stage: number) => Promise<{ slope: V; denoised: V }>;

function makeRhs<V>(ctx: StepCtx<V>): Rhs<V> {
  return async (y, u, stage) => {
    const denoised = await ctx.denoise(y, asSigma(Math.exp(u)));
    const slope = ctx.update(
      slopeName(stage),
      [
        [stageState(stage), 1, y],
        [denoisedAt(stage), -1, denoised],
      ],
      { label: `stage ${stage}: slope`, minor: true },
    );
    return { slope, denoised };
  };
}

/** y0 + h·Σ wⱼ kⱼ (y0 omitted: only the sum), recorded as `name`. */
function advance<V>(
  ctx: StepCtx<V>,
  name: string,
  y0: V | null,
  h: number,
  weights: readonly number[],
  ks: readonly V[],
  extras: { label: string; minor?: boolean },
): V {
  const terms: TracedTerm<V>[] = y0 === null ? [] : [[SYMBOLS.x, 1, y0]];
  weights.forEach((w, j) => {
    if (w !== 0) terms.push([slopeName(j + 1), h * w, ks[j]]);
  });
  return ctx.update(name, terms, extras);
}

interface Tolerance {
  rtol: number;
  atol: number;
}

/** One Dormand–Prince try of size h from (u0, y0) whose first slope k1 is known. */
async function tryStep<V>(ctx: StepCtx<V>, rhs: Rhs<V>, y0: V, k1: V, u0: number, h: number) {
  const ks = [k1];
  for (let stage = 1; stage < 6; stage++) {
    const j = stage + 1;
    const y = advance(ctx, stageState(j), y0, h, COUPLING[stage], ks, { label: `stage ${j}`, minor: true });
    ks.push((await rhs(y, u0 + NODES[stage] * h, j)).slope);
  }
  const y1 = advance(ctx, SYMBOLS.next, y0, h, COUPLING[6], ks, { label: 'the 5th-order step' });
  const last = await rhs(y1, u0 + h, 7);
  ks.push(last.slope);
  const err = advance(ctx, 'e', null, h, ERROR_WEIGHTS, ks, { label: 'error estimate (5th − 4th order)' });
  return { y1, denoised: last.denoised, err };
}

/**
 * Starting step size from the ODE itself (Hairer et al., ODE I, II.4 "starting step size"); one NFE.
 * The norms are the solver's error norm with the scale taken from y0 alone.
 */
async function initialStep<V>(
  ctx: StepCtx<V>,
  rhs: Rhs<V>,
  y0: V,
  k1: V,
  u0: number,
  direction: number,
  tol: Tolerance,
) {
  const rms = (v: V) => ctx.field.errorNorm(v, y0, y0, tol.atol, tol.rtol);
  const d0 = await rms(y0);
  const d1 = await rms(k1);
  const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
  const probe = advance(ctx, stageState(2), y0, direction * h0, [1], [k1], { label: 'step-size probe' });
  const k2 = (await rhs(probe, u0 + direction * h0, 2)).slope;
  const difference = advance(ctx, 'k_2 - k_1', null, 1, [-1, 1], [k1, k2], { label: 'step-size probe' });
  const d2 = (await rms(difference)) / h0;
  const h1 = Math.max(d1, d2) <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / Math.max(d1, d2)) ** (1 / 5);
  return Math.min(100 * h0, h1);
}

/**
 * First try of this call, from the last two step sizes in the history (the controller's suggestion
 * is not carried between calls, so a replay from any state takes the same steps). A first try that
 * was accepted leaves an exact ratio to the step before it (1, 1.25 or 2): after a grown step try ×2,
 * after an equal one ×1.25; any other ratio means a rejection (or a clipped step), so try ×1.
 */
export function trialFromHistory<V>(history: readonly HistoryEntry<V>[], sigma: number): number | undefined {
  const above = history.filter((e) => e.sigma > sigma).map((e) => e.sigma);
  if (above.length === 0) return undefined;
  const previous = Math.log(above[above.length - 1] / sigma);
  if (above.length === 1) return previous;
  const ratio = previous / Math.log(above[above.length - 2] / above[above.length - 1]);
  const near = (target: number) => Math.abs(ratio - target) <= 1e-6 * target;
  if (near(GROWTH_AFTER_GROWN) || near(GROWTH_AFTER_EQUAL)) return GROWTH_AFTER_GROWN * previous;
  if (near(1)) return GROWTH_AFTER_EQUAL * previous;
  return previous;
}

async function rk45Step<V>(
  state: StepStart<V>,
  ctx: StepCtx<V>,
  params: ParamReader,
): Promise<StepResult<V>> {
  const tol = { rtol: params.number('rtol'), atol: params.number('atol') };
  const target = Math.min(
    lastPositiveSigma(ctx.sigmas, state.sigma),
    ctx.sigmaNext > 0 ? ctx.sigmaNext : Infinity,
  );
  if (state.sigma <= target * (1 + 1e-9)) {
    if (ctx.sigmaNext <= 0) return denoiseToZero(state, ctx);
    const d = await ctx.denoise(state.xTilde, state.sigma);
    const kept = ctx.update(SYMBOLS.next, [[SYMBOLS.x, 1, state.xTilde]], {
      label: 'already at the last σ: the state is kept',
    });
    return {
      xTilde: kept,
      sigma: state.sigma,
      denoised: d,
      evaluated: entryAt(state.sigma, d),
      nfe: 1,
    };
  }
  const rhs = makeRhs(ctx);
  const u0 = Math.log(state.sigma);
  const remaining = Math.log(target) - u0; // negative
  const first = await rhs(state.xTilde, u0, 1);
  let nfe = 1;
  let size = trialFromHistory(ctx.history, state.sigma);
  if (size === undefined) {
    // The probe's lines pick h; they are not part of the update.
    const probe = ctx.trace.mark();
    size = await initialStep(ctx, rhs, state.xTilde, first.slope, u0, -1, tol);
    ctx.trace.drop(probe);
    nfe += 1;
  }
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const h: number = -Math.min(size, -remaining);
    const attempt = ctx.trace.mark();
    const tried = await tryStep(ctx, rhs, state.xTilde, first.slope, u0, h);
    nfe += 6;
    const error = await ctx.field.errorNorm(tried.err, state.xTilde, tried.y1, tol.atol, tol.rtol);
    if (error <= 1) {
      const reached = h === remaining ? target : Math.exp(u0 + h);
      ctx.trace.note('h = \\ln(\\sigma_{i+1}/\\sigma_i)', h);
      ctx.trace.note('\\lVert e\\rVert', error);
      ctx.trace.note('\\text{rejected tries}', tries);
      ctx.trace.note('\\text{rtol}', tol.rtol);
      ctx.trace.note('\\text{atol}', tol.atol);
      return {
        xTilde: tried.y1,
        sigma: asSigma(reached),
        denoised: tried.denoised,
        evaluated: entryAt(state.sigma, first.denoised),
        nfe,
        info: { rejections: tries, errorNorm: error, stepLogSigma: -h },
      };
    }
    ctx.trace.drop(attempt);
    size = -h * Math.max(MIN_FACTOR, SAFETY * error ** -0.2);
  }
  throw new Error(
    `ode_rk45: no step met the tolerance after ${MAX_TRIES} tries at σ=${state.sigma.toPrecision(4)}; ` +
      'loosen rtol/atol or switch to another sampler.',
  );
}

export const odeRk45 = defineSampler(
  {
    id: 'ode_rk45',
    label: 'Probability-flow ODE (RK45, adaptive)',
    family: 'ode',
    stochastic: false,
    maxOrder: 5,
    cite: 'Song et al. 2021, eq. 13; Dormand & Prince 1980',
    description:
      'Adaptive 5th-order Runge–Kutta on the probability-flow ODE in log σ: it picks its own step sizes to meet the tolerance, ignoring the grid.',
    params: rk45Params,
  },
  () => RK45_FORMULA,
  rk45Step,
);
