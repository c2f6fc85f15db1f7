/**
 * Shared helpers of the samplers: how a sampler is defined (its step, the σ guard and a parameter
 * reader bound to its id), linear combinations written as the maths reads, the x̃ score and the
 * native ↔ scale-free map of an SDE. Vector arithmetic goes through ctx.field.
 */
import type { Coef } from '../field';
import { SYMBOLS } from '../trace';
import type {
  HistoryEntry,
  Params,
  ParamSpec,
  Sampler,
  Sde,
  SdeKind,
  Sigma,
  StepCtx,
  StepResult,
  StepStart,
  Time,
  TracedTerm,
  UpdateFormula,
} from '../types';

/** Noise streams used inside one step; composed samplers keep them apart. */
export const PREDICTOR_STREAM = 0;
export const CORRECTOR_STREAM = 16;

/**
 * Score of p_σ in x̃ coordinates by Tweedie's formula: ∇ log p = (D − x̃)/σ² (Vincent 2011), a
 * recorded line named `name` whose terms are called `xSymbol` and `denoisedSymbol`.
 */
export function scoreTilde<V>(
  ctx: StepCtx<V>,
  x: V,
  denoised: V,
  sigma: number,
  symbols: { name: string; x: string; denoised: string; label?: string },
): V {
  const inv = 1 / (sigma * sigma);
  return ctx.update(
    symbols.name,
    [
      [symbols.denoised, inv, denoised],
      [symbols.x, -inv, x],
    ],
    symbols.label === undefined ? undefined : { label: symbols.label },
  );
}

/** Where a noise level lies on an SDE: its time t, mean scale s(t), drift f(t) and diffusion g(t). */
export interface SdePoint {
  t: Time;
  scale: number;
  drift: number;
  diffusion: number;
}

export function sdePoint(sde: Sde, sigma: Sigma): SdePoint {
  const t = sde.timeOf(sigma);
  return { t, scale: sde.scale(t), drift: sde.drift(t), diffusion: sde.diffusion(t) };
}

/**
 * The β of one discrete VP step from t_next up to t, exact for the interval: the forward transition
 * is x_t = √(1−β)·x_{t_next} + √β·n with √(1−β) = s(t)/s(t_next) (Ho et al. 2020, eq. 2).
 */
export function intervalBeta(sde: Sde, sigma: Sigma, sigmaNext: Sigma): number {
  const ratio = sde.scale(sde.timeOf(sigma)) / sde.scale(sde.timeOf(sigmaNext));
  return 1 - ratio * ratio;
}

/** Reads a number parameter, falling back to its default; a bad value is an error the UI shows. */
function numberParam(samplerId: string, specs: readonly ParamSpec[], params: Params, name: string): number {
  const spec = findSpec(samplerId, specs, name);
  if (spec.kind !== 'number' && spec.kind !== 'int')
    throw new Error(`${samplerId}: "${name}" is not a number`);
  const value = params[name] ?? spec.default;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) {
    throw new Error(
      `${samplerId}: ${spec.label} must be a number from ${spec.min} to ${spec.max} (got ${String(value)}); ` +
        `set it in that range or reset it to ${spec.default}.`,
    );
  }
  return spec.kind === 'int' ? Math.round(value) : value;
}

/** Reads a choice parameter, falling back to its default. */
function choiceParam(samplerId: string, specs: readonly ParamSpec[], params: Params, name: string): string {
  const spec = findSpec(samplerId, specs, name);
  if (spec.kind !== 'choice') throw new Error(`${samplerId}: "${name}" is not a choice`);
  const value = params[name] ?? spec.default;
  if (typeof value !== 'string' || !spec.choices.includes(value)) {
    throw new Error(
      `${samplerId}: ${spec.label} must be one of ${spec.choices.join(', ')} (got ${String(value)}); ` +
        `pick one of those or reset it to ${spec.default}.`,
    );
  }
  return value;
}

function findSpec(samplerId: string, specs: readonly ParamSpec[], name: string): ParamSpec {
  const spec = specs.find((p) => p.name === name);
  if (!spec) throw new Error(`${samplerId}: no parameter named "${name}"`);
  return spec;
}

/** A sampler's parameters for one step: defaults filled in, a bad value an error naming the sampler. */
export interface ParamReader {
  number(name: string): number;
  choice(name: string): string;
}

function paramReader(samplerId: string, specs: readonly ParamSpec[], params: Params): ParamReader {
  return {
    number: (name) => numberParam(samplerId, specs, params, name),
    choice: (name) => choiceParam(samplerId, specs, params, name),
  };
}

/** A sampler's step as its file writes it: the state, the context and its own parameters. */
export type SamplerStep = <V>(
  state: StepStart<V>,
  ctx: StepCtx<V>,
  params: ParamReader,
) => Promise<StepResult<V>>;

/** A sampler's declared update for a kind of SDE and its own parameters. */
export type FormulaOf = (sde: SdeKind, params: ParamReader) => UpdateFormula;

/**
 * A sampler from what it is, its formula and its step. The step runs only on a descending σ and
 * reads its parameters through a reader bound to this sampler's id and specs (no step repeats its
 * id to read one); so does the formula.
 */
export function defineSampler(
  about: Omit<Sampler, 'step' | 'formula'>,
  formula: FormulaOf,
  step: SamplerStep,
): Sampler {
  return {
    ...about,
    formula: (sde, params) => formula(sde, paramReader(about.id, about.params, params)),
    async step(state, ctx) {
      assertDescending(about.id, state, ctx);
      return step(state, ctx, paramReader(about.id, about.params, ctx.params));
    },
  };
}

/** A step must not raise the noise level; equal levels are allowed (a corrector-only step). */
function assertDescending<V>(samplerId: string, state: StepStart<V>, ctx: StepCtx<V>): void {
  if (!(ctx.sigmaNext <= state.sigma) || ctx.sigmaNext < 0) {
    throw new Error(
      `${samplerId}: a step must lower the noise level, but it was asked to go from σ=${state.sigma} ` +
        `to σ=${ctx.sigmaNext}; restart the trajectory or pick a decreasing σ grid.`,
    );
  }
}

/** The last step onto σ = 0: the sample becomes the denoiser's estimate x̂₀ (one NFE). */
export async function denoiseToZero<V>(state: StepStart<V>, ctx: StepCtx<V>): Promise<StepResult<V>> {
  const denoised = await ctx.denoise(state.xTilde, state.sigma);
  const next = ctx.update(SYMBOLS.next, [[SYMBOLS.denoised, 1, denoised]], {
    label: 'last step, to σ = 0: the sample becomes x̂₀',
  });
  return {
    xTilde: next,
    sigma: ctx.sigmaNext,
    denoised,
    evaluated: [{ sigma: state.sigma, denoised }],
    nfe: 1,
  };
}

/** The one history entry a step contributes: x̂₀ at the state it started from. */
export function entryAt<V>(sigma: Sigma, denoised: V): HistoryEntry<V>[] {
  return [{ sigma, denoised }];
}

/** The terms of a recorded linear combination Σ cⱼ·vⱼ, each with its symbol. */
export type Terms<V> = readonly TracedTerm<V>[];

function scaleCoef(c: number, k: Coef): Coef {
  return typeof k === 'number' ? c * k : k.map((kb) => c * kb);
}

/** c·(Σ cⱼ·vⱼ) = Σ (c·cⱼ)·vⱼ. */
export function times<V>(c: number, terms: Terms<V>): TracedTerm<V>[] {
  return terms.map(([symbol, k, v]) => [symbol, scaleCoef(c, k), v]);
}

/**
 * h·d, where d = (x̃ − D)/σ is the probability-flow ODE's slope dx̃/dσ at (x̃, σ) with D = D(x̃, σ)
 * (Karras et al. 2022, eq. 4 in scale-free coordinates): the terms (h/σ)·x̃ − (h/σ)·D.
 */
export function slope<V>(
  h: number,
  x: readonly [symbol: string, vector: V],
  denoised: readonly [symbol: string, vector: V],
  sigma: number,
): TracedTerm<V>[] {
  const k = h / sigma;
  return [
    [x[0], k, x[1]],
    [denoised[0], -k, denoised[1]],
  ];
}
