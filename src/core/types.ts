/**
 * The shared vocabulary of the numerical core. Everything here is plain data or pure functions:
 * no DOM, no onnxruntime, no Math.random.
 *
 * Coordinates. Every forward process has marginals x_t = s(t)·(x₀ + σ(t)·n). The sampling loop keeps
 * the state in the scale-free ("variance-exploding") coordinates x̃ = x / s(t), where the noise level
 * σ alone says where a trajectory is. Changing SDE mid-run is then only a change of the map t ↔ σ.
 */

import type { Coef, Field } from './field';

/** Diffusion time t ∈ [ε, 1]. Branded so it cannot be mixed up with a noise level. */
export type Time = number & { readonly __unit: 'time' };
/** Noise level σ of the scale-free coordinates x̃ (σ = √(1−α²)/α for VP). */
export type Sigma = number & { readonly __unit: 'sigma' };

export const asTime = (t: number): Time => t as Time;
export const asSigma = (sigma: number): Sigma => sigma as Sigma;

export type SdeKind = 'vp' | 'subvp' | 've';

export interface SdeConfig {
  kind: SdeKind;
  /** VP and sub-VP: β(t) = βmin + t(βmax − βmin). */
  betaMin?: number;
  betaMax?: number;
  /** VE: σ(t) = σmin (σmax/σmin)^t. */
  sigmaMin?: number;
  sigmaMax?: number;
  /** Smallest time of the grid (1e-3 for VP/sub-VP, 1e-5 for VE by default). */
  tEnd?: number;
}

/** A forward process dx = f(t)·x dt + g(t) dw with marginals x_t = s(t)(x₀ + σ(t) n). */
export interface Sde {
  readonly kind: SdeKind;
  readonly config: Required<SdeConfig>;
  readonly tEnd: Time;
  /** s(t): the mean scale of the marginal. */
  scale(t: Time): number;
  /** σ(t) in the scale-free coordinates. */
  sigma(t: Time): Sigma;
  /** The inverse of sigma(t), clamped to [0, 1]. */
  timeOf(sigma: Sigma): Time;
  /** f(t): linear drift coefficient. */
  drift(t: Time): number;
  /** g(t): diffusion coefficient. */
  diffusion(t: Time): number;
  /** Standard deviation of the prior p_T in native coordinates x (per element). */
  priorStd(): number;
}

export type ScheduleKind = 'uniform' | 'karras' | 'logsnr';

/**
 * A batched denoiser in scale-free coordinates: given x̃ (batch × dim, row-major) at noise level σ,
 * returns x̂₀ = E[x₀ | x̃] with the same layout. Class labels and guidance are bound in the instance.
 */
export interface Denoiser<V = Float32Array> {
  readonly dim: number;
  denoise(xTilde: V, sigma: Sigma, batch: number): Promise<V>;
}

export type ParamValue = number | string | boolean;
export type Params = Readonly<Record<string, ParamValue>>;

/** What a sampler parameter is, so the UI can build its control from the registry alone. */
export type ParamSpec =
  | {
      name: string;
      label: string;
      kind: 'number' | 'int';
      min: number;
      max: number;
      step: number;
      default: number;
      log?: boolean;
      help: string;
    }
  | { name: string; label: string; kind: 'choice'; choices: readonly string[]; default: string; help: string }
  | { name: string; label: string; kind: 'bool'; default: boolean; help: string };

export interface HistoryEntry<V = Float32Array> {
  sigma: Sigma;
  denoised: V;
}

/**
 * Where a trajectory is: what a step starts from, what a snapshot stores and a rewind restores.
 * V is the vector type of the backend (see field.ts); vectors are never mutated.
 */
export interface TrajectoryState<V = Float32Array> {
  /** Step index: how many steps have been taken. */
  readonly i: number;
  /** Current noise level. */
  readonly sigma: Sigma;
  /** Current sample in scale-free coordinates, batch × dim. */
  readonly xTilde: V;
  /** The x̂₀ shown for this state (null for the prior at step 0). */
  readonly denoised: V | null;
  /** Earlier (σ, x̂₀) pairs of this trajectory, oldest first (the last few). */
  readonly history: readonly HistoryEntry<V>[];
  /** Network evaluations so far. */
  readonly nfeTotal: number;
}

/**
 * The part of the trajectory state a sampler step reads (its history comes in StepCtx, keeping
 * only entries above the current σ; batch and dim are the field's).
 */
export type StepStart<V = Float32Array> = Pick<TrajectoryState<V>, 'i' | 'sigma' | 'xTilde'>;

/**
 * Where a vector a step used came from, so that a trace can be checked against arithmetic done
 * apart from the step: the x̃ it started from, an earlier line of the same step, a denoiser call,
 * an x̂₀ kept from an earlier step, or the run's noise.
 */
export type TraceSource =
  | { kind: 'state' }
  | { kind: 'line'; index: number }
  | { kind: 'denoised'; of: TraceSource; sigma: number }
  | { kind: 'history'; sigma: number }
  | { kind: 'noise'; stream: number }
  | { kind: 'increment'; sigma: number; sigmaNext: number };

/** A coefficient as recorded: one number for the batch, or one per sample. */
export type TraceCoef = number | readonly number[];

/** One term of a recorded line: its symbol (TeX), the coefficient used and where its vector came from. */
export interface TraceTerm {
  symbol: string;
  coef: TraceCoef;
  /** Absent on a 'form' line, whose terms are the paper's, not vectors of the step. */
  source?: TraceSource;
}

/** A scalar of a step or of one line (TeX symbol and value): t, σ, β, Δt, the corrector's ε … */
export interface TraceValue {
  symbol: string;
  value: TraceCoef;
}

/**
 * One linear combination of a step. 'update': the step computed exactly Σ coef·vector (through
 * field.combine, or the vector itself for a single coefficient of 1). 'form': the paper's form of
 * the update line that follows it (e.g. x' = a·x + b·∇log p + c·z in native coordinates), which
 * that line was derived from; not evaluated.
 */
export interface TraceLine {
  /** The left-hand side (TeX). */
  name: string;
  kind: 'update' | 'form';
  terms: readonly TraceTerm[];
  /** What the line is: "predictor", "corrector move 2 of 3", "stage 3" … */
  label?: string;
  /** Scalars that belong to this line (e.g. the corrector's ε of this move). */
  values: readonly TraceValue[];
  /** A detail a reader can skip (the stages of an adaptive solver). */
  minor?: boolean;
}

/** What one step computed, as the page shows it: the declared formula and the numbers used. */
export interface StepTrace {
  samplerId: string;
  /** The update in standard notation (KaTeX), as the sampler declares it for this step's settings. */
  formula: readonly string[];
  /** Paper and equation. */
  cite: string;
  /** Scalars of the step: t, t', σ, σ', NFE, then the sampler's own (β, Δt, a, b, c …). */
  values: readonly TraceValue[];
  /** The step's linear combinations, in the order they ran; each line's result may feed a later one. */
  lines: readonly TraceLine[];
  /** Where the new x̃ came from: usually the last line named x̃_{i+1}. */
  result: TraceSource | null;
}

/** A term given to ctx.update: symbol (TeX), coefficient, vector. */
export type TracedTerm<V> = readonly [symbol: string, coef: Coef, vector: V];

/** A scalar to record: one number, or one per sample. */
export type TraceNumber = number | Float64Array | readonly number[];

/** Optional parts of a recorded line. */
export interface LineExtras {
  label?: string;
  values?: readonly (readonly [symbol: string, value: TraceNumber])[];
  minor?: boolean;
}

/** The trace a step writes besides its update lines. */
export interface StepTraceWriter {
  /** Records a scalar of the step (β, Δt, a, b, c …) under its TeX symbol. */
  note(symbol: string, value: TraceNumber): void;
  /** Records the paper's form of the next update line: symbols and coefficients, nothing evaluated. */
  form(name: string, terms: readonly (readonly [symbol: string, coef: number])[], extras?: LineExtras): void;
  /** How many lines are recorded so far: a mark for `drop`. */
  mark(): number;
  /** Forgets the lines recorded after `mark` (a rejected try, a step-size probe). */
  drop(mark: number): void;
}

export interface StepCtx<V = Float32Array> {
  readonly sde: Sde;
  /** Noise level to reach at the end of this step (the next grid point below the current σ). */
  readonly sigmaNext: Sigma;
  /** The whole σ grid, decreasing; the final entry is the end of the trajectory. */
  readonly sigmas: readonly Sigma[];
  readonly params: Params;
  /** Earlier (σ, x̂₀) pairs of this trajectory, oldest first, for multistep methods. */
  readonly history: readonly HistoryEntry<V>[];
  /** The arithmetic on vectors: linear combinations, norms (CPU arrays or GPU buffers). */
  readonly field: Field<V>;
  /** The denoiser (class and guidance already bound). Each call is one NFE. */
  denoise(x: V, sigma: Sigma): Promise<V>;
  /**
   * Standard normal noise of length batch × dim, a pure function of (seed, step i, stream, element).
   * Use a different stream for each independent draw inside one step.
   */
  noise(stream: number): V;
  /**
   * The standard-normal increment that drives an SDE step from σ down to σ′: with the run's
   * Brownian path (the default), (W(σ²) − W(σ′²))/√(σ² − σ′²) of one path W per seed, whatever the
   * grid (brownian.ts); with step-keyed noise (links made before the tree), noise(stream 0).
   */
  increment(sigma: Sigma, sigmaNext: Sigma): V;
  /**
   * Σ cⱼ·vⱼ as one field.combine, recorded in the step's trace as the line `name` with each term's
   * symbol and the very coefficient used: the numbers the page shows are these. Terms on the same
   * vector are merged (coefficients summed in the order written); a single term with coefficient
   * 1 is the vector itself.
   */
  update(name: string, terms: readonly TracedTerm<V>[], extras?: LineExtras): V;
  /** The rest of the step's trace: scalars, the paper's forms, marks for rejected tries. */
  readonly trace: StepTraceWriter;
}

export interface StepResult<V = Float32Array> {
  /** New state in scale-free coordinates. */
  xTilde: V;
  /** Noise level reached (normally ctx.sigmaNext; adaptive solvers may stop earlier). */
  sigma: Sigma;
  /** The x̂₀ estimate to display for this step (e.g. the last denoiser output). */
  denoised: V;
  /** (σ, x̂₀) pairs to append to the history (the sampling loop keeps the last few). */
  evaluated: HistoryEntry<V>[];
  /** Network evaluations used by this step. */
  nfe: number;
  /** Extra numbers to show, e.g. Langevin step size, RK45 error estimate and rejections. */
  info?: Record<string, number>;
}

/** A sampler's update as it declares it: KaTeX lines and where they come from. */
export interface UpdateFormula {
  lines: readonly string[];
  cite: string;
}

export type SamplerFamily = 'sde' | 'ode' | 'langevin';

export interface Sampler {
  readonly id: string;
  readonly label: string;
  readonly family: SamplerFamily;
  readonly stochastic: boolean;
  readonly maxOrder: number;
  /** e.g. "Song et al. 2021, Alg. 2". */
  readonly cite: string;
  /** One sentence for the UI. */
  readonly description: string;
  readonly params: readonly ParamSpec[];
  /**
   * The update in standard notation (KaTeX lines) for these parameters and this kind of SDE, with
   * paper and equation; the lines' symbols are those of the step's trace.
   */
  formula(sde: SdeKind, params: Params): UpdateFormula;
  /** One step; written once against Field<V>, it runs on any backend. */
  step<V>(state: StepStart<V>, ctx: StepCtx<V>): Promise<StepResult<V>>;
}
