/**
 * Training the residual MLP (spec.ts) on a finite point set by denoising score matching, the recipe
 * of models/train/train.py for the shipped toys: ε-prediction on the VP SDE (βmin 0.1, βmax 20),
 * t ~ U(tMin, 1), x_t = α x₀ + √(1 − α²) ε, loss = mean (net(x_t, t) − ε)², Adam with warm-up and
 * cosine decay, gradient norm clipped to 1, and an exponential moving average of the weights (what a
 * snapshot exports).
 *
 * Everything random comes from Philox with the trainer's seed: step s draws its point indices from
 * uniform stream 2s, its times from stream 2s + 1 and its noise from Gaussian step s, and the initial
 * weights from Gaussian step INIT_STEP. So a run is a pure function of (points, options), however
 * it is split into step(n) calls, stopped or resumed.
 *
 * The arithmetic lives behind TrainerBackend (one optimisation step on a prepared batch), so a GPU
 * backend can replace the CPU one without touching the schedule, the data or the card.
 */
import type { ModelCard } from '../card';
import { gaussianNoise, uniform } from '../rng';
import { makeSde } from '../sde';
import { asTime, type SdeConfig } from '../types';
import { MlpCompute } from './network';
import { architectureProblem, mlpBlockOf, mlpLayout, type MlpArchitecture, type MlpModel } from './spec';

export interface TrainOptions {
  /** Planned steps: the learning rate decays over these (later steps keep lrFinal). */
  steps: number;
  batch: number;
  lr: number;
  lrFinal: number;
  warmup: number;
  /** EMA decay of the exported weights (the decay ramps up as (1 + s)/(10 + s) early on). */
  ema: number;
  /** Smallest training time. */
  tMin: number;
  /** Largest gradient norm (larger gradients are scaled down to it). */
  clip: number;
  seed: number;
  width: number;
  blocks: number;
  timeFeatures: number;
}

/**
 * Defaults that train a good 2D model in about half a minute of one CPU core (the README's "Your
 * own data (2D)" section has the measurements). 2 blocks of width 64 with 16 time features is
 * 18,242 parameters. For a fixed budget of samples, more and smaller steps won: batch 128 with
 * 6,000 steps beat batch 256 with 3,000 on the 8-Gaussian ring, and lr 5e-3 beat train.py's 2e-3
 * (this network is 6× smaller than the shipped toys' and trains for fewer samples).
 */
export const TRAIN_DEFAULTS: TrainOptions = {
  steps: 6000,
  batch: 128,
  lr: 5e-3,
  lrFinal: 5e-5,
  warmup: 200,
  ema: 0.999,
  tMin: 1e-5,
  clip: 1,
  seed: 0,
  width: 64,
  blocks: 2,
  timeFeatures: 16,
};

/** The SDE every trained MLP uses: the shipped toys' VP process. */
export const TRAIN_SDE: SdeConfig = { kind: 'vp', betaMin: 0.1, betaMax: 20 };
/** Largest step count: step s uses uniform streams 2s and 2s + 1, which must stay 32-bit. */
export const MAX_TRAIN_STEPS = 2 ** 31 - 1;
/** Largest |coordinate| of a training point (see checkTrainingPoints). */
export const MAX_COORDINATE = 20;
/** Gaussian step of the initial weights (no training step reaches it). */
const INIT_STEP = 0xfffffffe;
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPS = 1e-8;
/** How many of the latest losses `recentLoss` averages (train.py logs means over 100 steps). */
const RECENT_LOSSES = 100;

/** One prepared batch: the network should map (input, t) to target. */
export interface TrainingBatch {
  input: Float64Array;
  t: Float64Array;
  target: Float64Array;
  size: number;
}

/** The optimiser's whole state, enough to resume a run exactly. */
export interface OptimiserState {
  params: Float64Array;
  adamM: Float64Array;
  adamV: Float64Array;
  ema: Float64Array;
}

/** The arithmetic of one training step; the trainer owns the schedule and the data. */
export interface TrainerBackend {
  /**
   * One step of Adam on the batch's mean squared error (gradient clipped to `clip`), then the EMA
   * update; `step` is the 1-based Adam step. Returns the loss before the update.
   */
  step(batch: TrainingBatch, lr: number, clip: number, emaDecay: number, step: number): Promise<number>;
  /** A copy of the optimiser state. */
  read(): Promise<OptimiserState>;
}

/** Everything needed to continue a run: its options, steps taken and optimiser state. */
export interface TrainerState {
  options: TrainOptions;
  dim: number;
  stepsDone: number;
  /** The last RECENT_LOSSES losses, oldest first. */
  recentLosses: number[];
  optimiser: OptimiserState;
}

export function architectureOf(options: TrainOptions, dim: number): MlpArchitecture {
  return {
    kind: 'residual-mlp',
    dim,
    width: options.width,
    blocks: options.blocks,
    activation: 'silu',
    timeEmbedding: { kind: 'sinusoidal', features: options.timeFeatures, scale: 1000, maxPeriod: 10000 },
  };
}

/** Fresh weights: N(0, 1/(3·fan-in)) for matrices and biases (the variance of PyTorch's default), unit LayerNorm gains. */
export function initialParams(arch: MlpArchitecture, seed: number): Float64Array {
  const layout = mlpLayout(arch);
  const params = new Float64Array(layout.total);
  let tensor = 0;
  const fill = (offset: number, count: number, fanIn: number) => {
    const noise = gaussianNoise(seed, INIT_STEP, tensor++, count);
    const std = 1 / Math.sqrt(3 * fanIn);
    for (let i = 0; i < count; i++) params[offset + i] = std * noise[i];
  };
  const { width, dim } = arch;
  fill(layout.wIn, width * layout.inputs, layout.inputs);
  fill(layout.bIn, width, layout.inputs);
  for (const block of layout.blocks) {
    params.fill(1, block.gain, block.gain + width);
    fill(block.w1, width * width, width);
    fill(block.b1, width, width);
    fill(block.w2, width * width, width);
    fill(block.b2, width, width);
  }
  fill(layout.wOut, dim * width, width);
  fill(layout.bOut, dim, width);
  return params;
}

/** The CPU backend: MlpCompute's forward and backward passes, Adam and the EMA in double precision. */
export class CpuTrainerBackend implements TrainerBackend {
  private readonly compute: MlpCompute;
  private readonly gradient: Float64Array;
  private readonly out: Float64Array;
  private readonly dOut: Float64Array;

  constructor(
    arch: MlpArchitecture,
    maxBatch: number,
    private readonly state: OptimiserState,
  ) {
    this.compute = new MlpCompute(arch, maxBatch);
    this.gradient = new Float64Array(state.params.length);
    this.out = new Float64Array(maxBatch * arch.dim);
    this.dOut = new Float64Array(maxBatch * arch.dim);
  }

  /** The batch's loss and its gradient (into `gradient`), without changing the weights. */
  lossAndGradient(params: Float64Array, batch: TrainingBatch, gradient: Float64Array): number {
    const { size } = batch;
    const count = size * this.compute.arch.dim;
    this.compute.forward(params, batch.input, batch.t, size, this.out);
    let loss = 0;
    for (let e = 0; e < count; e++) {
      const diff = this.out[e] - batch.target[e];
      loss += diff * diff;
      this.dOut[e] = (2 * diff) / count;
    }
    gradient.fill(0);
    this.compute.backward(params, this.dOut, size, gradient);
    return loss / count;
  }

  async step(
    batch: TrainingBatch,
    lr: number,
    clip: number,
    emaDecay: number,
    step: number,
  ): Promise<number> {
    const { params, adamM, adamV, ema } = this.state;
    const gradient = this.gradient;
    const loss = this.lossAndGradient(params, batch, gradient);
    let norm = 0;
    for (let i = 0; i < gradient.length; i++) norm += gradient[i] * gradient[i];
    norm = Math.sqrt(norm);
    const shrink = norm > clip ? clip / (norm + 1e-6) : 1;
    const correction1 = 1 - ADAM_BETA1 ** step;
    const correction2 = 1 - ADAM_BETA2 ** step;
    for (let i = 0; i < params.length; i++) {
      const g = gradient[i] * shrink;
      adamM[i] = ADAM_BETA1 * adamM[i] + (1 - ADAM_BETA1) * g;
      adamV[i] = ADAM_BETA2 * adamV[i] + (1 - ADAM_BETA2) * g * g;
      params[i] -= (lr * (adamM[i] / correction1)) / (Math.sqrt(adamV[i] / correction2) + ADAM_EPS);
      ema[i] = emaDecay * ema[i] + (1 - emaDecay) * params[i];
    }
    return loss;
  }

  async read(): Promise<OptimiserState> {
    const { params, adamM, adamV, ema } = this.state;
    return { params: params.slice(), adamM: adamM.slice(), adamV: adamV.slice(), ema: ema.slice() };
  }
}

/** Builds a backend that starts from `state` (it may keep the arrays) for batches up to maxBatch. */
export type BackendFactory = (
  arch: MlpArchitecture,
  maxBatch: number,
  state: OptimiserState,
) => TrainerBackend;

export const cpuBackend: BackendFactory = (arch, maxBatch, state) =>
  new CpuTrainerBackend(arch, maxBatch, state);

/** Checks options; every problem names the option. */
export function checkTrainOptions(options: TrainOptions, dim: number): void {
  const bad = (name: keyof TrainOptions, what: string): never => {
    throw new Error(`Training option ${name} = ${String(options[name])} ${what}.`);
  };
  const whole = (name: keyof TrainOptions, lo: number, hi: number) => {
    const v = options[name];
    if (!Number.isInteger(v) || v < lo || v > hi) bad(name, `must be a whole number from ${lo} to ${hi}`);
  };
  whole('steps', 1, MAX_TRAIN_STEPS);
  whole('batch', 1, 65536);
  whole('warmup', 0, MAX_TRAIN_STEPS);
  whole('seed', 0, Number.MAX_SAFE_INTEGER);
  for (const name of ['lr', 'lrFinal', 'clip'] as const) {
    if (!(options[name] > 0) || !Number.isFinite(options[name])) bad(name, 'must be a positive number');
  }
  if (!(options.ema >= 0 && options.ema < 1)) bad('ema', 'must lie in [0, 1)');
  if (!(options.tMin > 0 && options.tMin < 1)) bad('tMin', 'must lie in (0, 1)');
  const problem = architectureProblem(architectureOf(options, dim));
  if (problem) {
    const name = problem[0] === 'blocks' ? 'blocks' : problem[0] === 'width' ? 'width' : 'timeFeatures';
    bad(name, problem[1]);
  }
}

/** Identity of the card a snapshot writes. */
export interface SnapshotInfo {
  id: string;
  title: string;
  description?: string;
  /** Plot limits of the points; default: the data's extent with a margin, at least [−3, 3]. */
  range?: [number, number];
  /** Extra entries for the card's "train" record (e.g. the data file). */
  train?: Record<string, unknown>;
}

/**
 * A training run over a point set. Call step(n) as often as wanted (a worker calls it in slices and
 * reports the losses between them); stop by not calling it; resume with the same object, or from
 * state() through Trainer.resume.
 */
export class Trainer {
  readonly dim: number;
  readonly count: number;
  readonly options: TrainOptions;
  readonly architecture: MlpArchitecture;
  private readonly points: Float64Array;
  private readonly alphaOf: (t: number) => number;
  private done: number;
  private readonly recent: number[];
  private readonly backend: TrainerBackend;

  private constructor(
    points: ArrayLike<number>,
    dim: number,
    options: TrainOptions,
    state: TrainerState | null,
    makeBackend: BackendFactory,
  ) {
    checkTrainOptions(options, dim);
    const count = points.length / dim;
    if (!Number.isInteger(count) || count < 1) {
      throw new Error(`Training needs at least one ${dim}-D point (got ${points.length} numbers).`);
    }
    this.points = Float64Array.from(points);
    checkTrainingPoints(this.points, dim);
    this.dim = dim;
    this.count = count;
    this.options = { ...options };
    this.architecture = architectureOf(options, dim);
    const sde = makeSde(TRAIN_SDE);
    this.alphaOf = (t) => sde.scale(asTime(t));
    this.done = state?.stepsDone ?? 0;
    this.recent = state ? state.recentLosses.slice(-RECENT_LOSSES) : [];
    const initial = initialParams(this.architecture, options.seed);
    const optimiser: OptimiserState = state
      ? cloneState(state.optimiser)
      : {
          params: initial,
          adamM: new Float64Array(initial.length),
          adamV: new Float64Array(initial.length),
          ema: initial.slice(),
        };
    if (optimiser.params.length !== initial.length || optimiser.ema.length !== initial.length) {
      throw new Error(
        `Trainer state holds ${optimiser.params.length} weights; its options need ${initial.length}.`,
      );
    }
    this.backend = makeBackend(this.architecture, options.batch, optimiser);
  }

  /** A new run on `points` (row-major count × dim) with TRAIN_DEFAULTS overridden by `options`. */
  static create(
    points: ArrayLike<number>,
    dim: number,
    options: Partial<TrainOptions> = {},
    makeBackend: BackendFactory = cpuBackend,
  ): Trainer {
    return new Trainer(points, dim, { ...TRAIN_DEFAULTS, ...options }, null, makeBackend);
  }

  /** Continues a run from state(); the same points give the same steps as an unbroken run. */
  static resume(
    points: ArrayLike<number>,
    state: TrainerState,
    makeBackend: BackendFactory = cpuBackend,
  ): Trainer {
    return new Trainer(points, state.dim, state.options, state, makeBackend);
  }

  get stepsDone(): number {
    return this.done;
  }

  /** Mean loss of the latest (up to 100) steps; null before the first. */
  get recentLoss(): number | null {
    if (this.recent.length === 0) return null;
    return this.recent.reduce((a, b) => a + b, 0) / this.recent.length;
  }

  /** Learning rate of step s (0-based): linear warm-up, then cosine decay to lrFinal over `steps`. */
  lrAt(step: number): number {
    const { lr, lrFinal, warmup, steps } = this.options;
    if (step < warmup) return (lr * (step + 1)) / warmup;
    const progress = Math.min(1, (step - warmup) / Math.max(1, steps - warmup));
    return lrFinal + 0.5 * (lr - lrFinal) * (1 + Math.cos(Math.PI * progress));
  }

  /** Step s's batch: points, times and noise from Philox, then x_t = α x₀ + √(1 − α²) ε. */
  batchAt(step: number): TrainingBatch {
    const { batch: size, seed, tMin } = this.options;
    const { dim, count, points } = this;
    const picks = uniform(seed, 2 * step, size);
    const times = uniform(seed, 2 * step + 1, size);
    const noise = gaussianNoise(seed, step, 0, size * dim);
    const input = new Float64Array(size * dim);
    const t = new Float64Array(size);
    const target = Float64Array.from(noise);
    for (let b = 0; b < size; b++) {
      const k = Math.min(count - 1, Math.floor(picks[b] * count));
      t[b] = tMin + (1 - tMin) * times[b];
      const alpha = this.alphaOf(t[b]);
      const spread = Math.sqrt(1 - alpha * alpha);
      for (let j = 0; j < dim; j++)
        input[b * dim + j] = alpha * points[k * dim + j] + spread * noise[b * dim + j];
    }
    return { input, t, target, size };
  }

  /** Takes n steps; returns their losses (each the batch's loss before its update). */
  async step(n: number): Promise<Float64Array> {
    if (!Number.isInteger(n) || n < 0) throw new Error(`Cannot train ${n} steps: give a whole number ≥ 0.`);
    if (this.done + n > MAX_TRAIN_STEPS) throw new Error(`Training is limited to ${MAX_TRAIN_STEPS} steps.`);
    const losses = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const s = this.done;
      const decay = Math.min(this.options.ema, (1 + s) / (10 + s));
      losses[k] = await this.backend.step(this.batchAt(s), this.lrAt(s), this.options.clip, decay, s + 1);
      this.recent.push(losses[k]);
      if (this.recent.length > RECENT_LOSSES) this.recent.shift();
      this.done = s + 1;
    }
    return losses;
  }

  /** The exported network: the EMA weights rounded to float32 (what a card stores). */
  async model(): Promise<MlpModel> {
    const { ema } = await this.backend.read();
    return { ...this.architecture, params: Float32Array.from(ema) };
  }

  /** A points card of the current EMA weights: loadable by the CLI and the page, no ONNX. */
  async snapshot(info: SnapshotInfo): Promise<ModelCard> {
    const model = await this.model();
    return {
      id: info.id,
      title: info.title,
      ...(info.description ? { description: info.description } : {}),
      task: 'points',
      shape: [this.dim],
      range: info.range ?? plotRange(this.points),
      parameterization: 'eps',
      sde: { ...TRAIN_SDE },
      timeInput: 't01',
      mlp: mlpBlockOf(model),
      train: {
        ...info.train,
        points: this.count,
        steps: this.done,
        seed: this.options.seed,
        batch: this.options.batch,
        params: model.params.length,
        finalLoss: this.recentLoss === null ? null : Number(this.recentLoss.toPrecision(4)),
      },
      license: 'trained on user data',
    };
  }

  /** A copy of everything needed to continue the run (plain arrays: it can be posted to a worker). */
  async state(): Promise<TrainerState> {
    return {
      options: { ...this.options },
      dim: this.dim,
      stepsDone: this.done,
      recentLosses: this.recent.slice(),
      optimiser: await this.backend.read(),
    };
  }
}

/**
 * Points must be finite and within ±MAX_COORDINATE: at t = 1 the VP process keeps α(1) ≈ 0.007 of
 * the data, so only data of moderate scale ends up at the prior N(0, I) that sampling starts from.
 */
export function checkTrainingPoints(points: ArrayLike<number>, dim: number): void {
  for (let e = 0; e < points.length; e++) {
    const v = points[e];
    if (Number.isFinite(v) && Math.abs(v) <= MAX_COORDINATE) continue;
    const where = `point ${Math.floor(e / dim)} (coordinate ${e % dim})`;
    if (!Number.isFinite(v))
      throw new Error(`Training ${where} is ${v}: every coordinate must be a finite number.`);
    throw new Error(
      `Training ${where} is ${v}, beyond ±${MAX_COORDINATE}: the VP process's prior N(0, I) suits data of ` +
        'roughly unit scale, so rescale the points (e.g. divide by their standard deviation).',
    );
  }
}

function cloneState(s: OptimiserState): OptimiserState {
  return { params: s.params.slice(), adamM: s.adamM.slice(), adamV: s.adamV.slice(), ema: s.ema.slice() };
}

/** Symmetric plot limits around the data: its largest |coordinate| plus a quarter, at least 3. */
export function plotRange(points: ArrayLike<number>): [number, number] {
  let extent = 0;
  for (let i = 0; i < points.length; i++) extent = Math.max(extent, Math.abs(points[i]));
  const half = Math.max(3, Math.ceil(1.25 * extent));
  return [-half, half];
}
