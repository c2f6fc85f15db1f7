/**
 * The sampling loop on any backend: owns the state x̃, the σ grid, the history of (σ, x̂₀) and
 * snapshots, and advances one sampler step per call. Sampler, parameters, SDE, schedule and step
 * count can change between steps; the trajectory continues from the current (x̃, σ) with the step
 * counter unchanged, and the run still ends at `steps`: the rest of the σ grid is refitted to the
 * steps left (see fitGrid). Vectors are of the backend's type V (Float32Array on the CPU, GPUBuffer on
 * WebGPU); after every change the loop tells the field which vectors it still holds.
 *
 * Noise: the prior is gaussianNoise(seed, PRIOR_STEP, 0, ·); step i (0-based: the i-th step taken)
 * draws gaussianNoise(seed, i, stream, ·).
 *
 * A run need not start from the prior: `startFrom(x̃, σ)` starts the reverse process anywhere (SDEdit,
 * "Reverse from here"), and an `Inpainting` conditions every step by replacement (inpaint.ts).
 */
import { brownianPlan, clockIndex } from './brownian';
import type { Field } from './field';
import { sigmaGrid, sigmaGridFrom, type GridOptions } from './grids';
import { seedKey } from './rng';
import { checkResumeNumbers, type ResumePoint } from './resume';
import { inpaintedStep, replaceKnown, checkInpainting, type Inpainting } from './inpaint';
import { getSampler } from './samplers/registry';
import { PREDICTOR_STREAM } from './samplers/util';
import { makeSde } from './sde';
import { SnapshotStore } from './snapshots';
import { priorState, stepReport, type StepReport } from './step-event';
import { StepRecorder, tracedCtx } from './trace';
import { asSigma } from './types';
import type {
  Denoiser,
  HistoryEntry,
  Params,
  Sampler,
  ScheduleKind,
  Sde,
  SdeConfig,
  Sigma,
  StepStart,
  StepTrace,
  TrajectoryState,
  UpdateFormula,
} from './types';

export const HISTORY_LENGTH = 4;

/** Relative tolerance under which two noise levels count as the same grid point. */
const SAME_SIGMA = 1e-9;

/** Grid points strictly below σ (the steps a run at σ still takes). */
function pointsBelow(sigmas: readonly Sigma[], sigma: number): number {
  let n = 0;
  for (const g of sigmas) if (g < sigma * (1 - SAME_SIGMA)) n++;
  return n;
}
/**
 * Records an inpainting step's replacement in its trace: a per-element blend, not a linear
 * combination with one coefficient per sample, so it is a form line, and the new x̃ comes from it.
 */
function replacementLine<V>(recorder: StepRecorder<V>, replaced: V): void {
  recorder.form(
    '\\tilde x_{i+1}',
    [
      ['m \\odot (x_0 + W_{\\text{obs}}(\\sigma_{i+1}^2))', 1],
      ['(1 - m) \\odot \\tilde x_{i+1}', 1],
    ],
    { label: 'replacement of the known part (Song et al. 2021, App. I.2)' },
  );
  recorder.origin(replaced, { kind: 'line', index: recorder.mark() - 1 });
}

/** The loop's own last step when asked for it: Tweedie's formula at the grid's last σ. */
const FINAL_DENOISE: UpdateFormula = {
  lines: ['\\tilde x_{i+1} = \\hat x_0(\\tilde x_i, \\sigma_i) = \\mathbb{E}[x_0 \\mid \\tilde x_i]'],
  cite: "Tweedie's formula (Efron 2011)",
};

export interface LoopOptions<V = Float32Array> {
  denoiser: Denoiser<V>;
  /** The process to sample with (for a network, usually sdeForModel(kind, card.sde)). */
  sde: SdeConfig;
  schedule: ScheduleKind;
  steps: number;
  samplerId: string;
  params?: Params;
  seed: number;
  batch: number;
  /** Tweedie noise removal after the last grid point: one more NFE, x̃ ← D(x̃, σ_end), σ ← 0. */
  denoiseFinal?: boolean;
  grid?: GridOptions;
  /** Snapshot memory budget (default 256 MB); beyond it snapshots thin out (see snapshots.ts). */
  snapshotBudgetBytes?: number;
  /**
   * Where the SDE steps' noise comes from: 'brownian' (default) is one Brownian path per seed,
   * sampled by a Brownian tree, so any step count sees the same path; 'step' keys it by
   * (seed, step, element), as links made before the tree did.
   */
  noise?: NoiseKeying;
  /** Conditioning by replacement: known values and mask (vectors of the loop's field). */
  inpainting?: Inpainting<V>;
}

export type NoiseKeying = 'brownian' | 'step';
export const NOISE_KEYINGS: readonly NoiseKeying[] = ['brownian', 'step'];

/** The settings a step reads; every one can change between steps. */
export interface LoopSettings {
  seed: number;
  sde: Sde;
  schedule: ScheduleKind;
  steps: number;
  grid: GridOptions;
  sigmas: readonly Sigma[];
  sampler: Sampler;
  params: Params;
  denoiseFinal: boolean;
  noise: NoiseKeying;
}

export type { Inpainting } from './inpaint';

export class SamplingLoop<V> {
  readonly denoiser: Denoiser<V>;
  readonly batch: number;
  readonly dim: number;
  private cfg: LoopSettings;
  private state: TrajectoryState<V>;
  /** How the current state was reached (null for the prior). */
  private trace: StepTrace | null = null;
  /** Kept states: `steps` lists what can be restored exactly, `keepEvery` says how thinned. */
  readonly snapshots: SnapshotStore<V>;
  private busy = false;
  private inpainting: Inpainting<V> | null = null;
  /** Where a run started by startFrom began (null: the prior); its steps are the grid's points below. */
  private startSigma: Sigma | null = null;

  constructor(
    readonly field: Field<V>,
    options: LoopOptions<V>,
  ) {
    const { batch, seed, schedule, steps, denoiser } = options;
    if (!Number.isInteger(batch) || batch < 1)
      throw new Error(`Batch ${batch} is not usable: use a whole number ≥ 1.`);
    if (field.batch !== batch || field.dim !== denoiser.dim) {
      throw new Error(
        `The field is ${field.batch} × ${field.dim} but the run is ${batch} × ${denoiser.dim}.`,
      );
    }
    seedKey(seed);
    const sde = makeSde(options.sde);
    const grid = options.grid ?? {};
    const sigmas = sigmaGrid(sde, schedule, steps, grid);
    this.cfg = {
      seed,
      sde,
      schedule,
      steps,
      grid,
      sigmas,
      sampler: getSampler(options.samplerId),
      params: { ...options.params },
      denoiseFinal: !!options.denoiseFinal,
      noise: options.noise ?? 'brownian',
    };
    this.denoiser = denoiser;
    this.batch = batch;
    this.dim = denoiser.dim;
    this.snapshots = new SnapshotStore<V>(batch * this.dim * 4, options.snapshotBudgetBytes);
    if (options.inpainting) this.setInpainting(options.inpainting);
    this.state = priorState(field, sde, seed, sigmas[0]);
    this.remember();
  }

  /** Current settings (seed, SDE, schedule, grid, sampler, params). */
  get settings(): Readonly<LoopSettings> {
    return this.cfg;
  }
  get sigma(): Sigma {
    return this.state.sigma;
  }
  /** Steps taken so far (the frame count of the current branch). */
  get framesSoFar(): number {
    return this.state.i;
  }
  /** Current state x̃ (scale-free coordinates); do not modify. */
  get xTilde(): V {
    return this.state.xTilde;
  }
  get nfeTotal(): number {
    return this.state.nfeTotal;
  }
  /** Whether the trajectory has reached its end (σ_end, or 0 after the final denoising). */
  get done(): boolean {
    return this.nextSigma() === null;
  }
  /**
   * Steps the current run takes in all: the Steps setting from the prior; from a startFrom σ, the
   * points of the full grid below it (SDEdit at t₀ takes about (1 − t₀)·steps of a uniform grid).
   */
  get stepTotal(): number {
    const { startSigma } = this;
    if (startSigma === null) return this.cfg.steps;
    const { sde, schedule, steps, grid } = this.cfg;
    return pointsBelow(sigmaGrid(sde, schedule, steps, grid), startSigma);
  }
  /** The σ a startFrom run began at, or null for a run from the prior. */
  get startedAt(): Sigma | null {
    return this.startSigma;
  }

  setSampler(id: string, params: Params = {}): void {
    this.cfg = { ...this.cfg, sampler: getSampler(id), params: { ...params } };
    // An adaptive sampler (RK45) may have left the grid: the new one takes the steps left.
    this.fitGrid();
  }
  setParams(params: Params): void {
    this.cfg = { ...this.cfg, params: { ...params } };
  }
  /** Switches process: x̃ and σ stay, only t (and native x = s(t)x̃) change. */
  setSde(config: SdeConfig): void {
    this.regrid({ sde: makeSde(config) });
  }
  setSchedule(schedule: ScheduleKind, grid: GridOptions = this.cfg.grid): void {
    this.regrid({ schedule, grid });
  }
  setSteps(steps: number): void {
    this.regrid({ steps });
  }
  setDenoiseFinal(on: boolean): void {
    this.cfg = { ...this.cfg, denoiseFinal: on };
  }
  /**
   * Conditions every later step by replacement (inpaint.ts): after each step the known part of x̃
   * is the known data noised to the σ reached, and the last state holds it exactly. null: off.
   */
  setInpainting(inpainting: Inpainting<V> | null): void {
    if (inpainting) checkInpainting(inpainting);
    this.inpainting = inpainting;
  }

  /**
   * Starts the reverse process at noise level σ from x̃ (scale-free coordinates, a vector of this
   * loop's field) instead of the prior: the σ grid's points below σ are the steps. SDEdit starts
   * from the data forward-noised to σ(t₀) (inpaint.ts noisedStart), "Reverse from here" from the
   * state the forward process shows. The step counter restarts at 0, every snapshot and the step
   * trace are dropped; reset() goes back to the prior.
   */
  startFrom(xTilde: V, sigma: Sigma): StepReport<V> {
    this.assertIdle('start elsewhere');
    if (!(sigma > 0) || !Number.isFinite(sigma)) {
      throw new Error(`Cannot start the reverse process at σ=${sigma}: use a noise level above 0.`);
    }
    this.snapshots.clear();
    this.startSigma = sigma;
    const { sde, schedule, steps, grid } = this.cfg;
    this.cfg = { ...this.cfg, sigmas: sigmaGrid(sde, schedule, steps, grid) };
    this.state = { i: 0, sigma, xTilde, denoised: null, history: [], nfeTotal: 0 };
    this.trace = null;
    this.fitGrid();
    this.remember();
    this.collect();
    return this.reportFor(this.state, 0, {}, null);
  }

  /**
   * Where the loop is, as a resume point (resume.ts): what its next step reads. Its vectors are the
   * loop's own (read them back before the next step collects them).
   */
  resumePoint(): ResumePoint<V> {
    const { i, sigma, xTilde, denoised, history, nfeTotal } = this.state;
    return {
      i,
      sigma,
      xTilde,
      denoised,
      history: history.map((entry) => ({ ...entry })),
      nfeTotal,
      sigmas: [...this.cfg.sigmas],
      startSigma: this.startSigma,
      trace: this.trace,
    };
  }

  /**
   * Goes on from a resume point of a loop with the same seed, settings and live changes in force
   * (the vectors on this loop's field): its next step is the one that loop would have taken, to the
   * bit on the same backend. Every snapshot goes: the point's step is the earliest a rewind reaches.
   */
  resumeAt(point: ResumePoint<V>): StepReport<V> {
    this.assertIdle('resume');
    checkResumeNumbers(point); // its vectors' lengths: uploadResumePoint, where they are arrays
    const { i, sigma, xTilde, denoised, history, nfeTotal } = point;
    this.snapshots.clear();
    this.startSigma = point.startSigma === null ? null : asSigma(point.startSigma);
    this.cfg = { ...this.cfg, sigmas: point.sigmas.map(asSigma) };
    this.state = { i, sigma, xTilde, denoised, history: history.map((entry) => ({ ...entry })), nfeTotal };
    this.trace = point.trace;
    this.remember();
    this.collect();
    return this.reportFor(this.state, 0, {}, this.trace);
  }

  /** The noise level the next step should reach, or null when the trajectory is complete. */
  nextSigma(): Sigma | null {
    return this.nextSigmaFrom(this.state.sigma);
  }

  private nextSigmaFrom(sigma: Sigma): Sigma | null {
    if (sigma <= 0) return null;
    const below = this.cfg.sigmas.find((g) => g < sigma * (1 - SAME_SIGMA));
    if (below !== undefined) return below;
    return this.cfg.denoiseFinal ? asSigma(0) : null;
  }

  /** Advances one step. Sampler errors reject and leave the state unchanged. */
  async step(): Promise<StepReport<V>> {
    if (this.busy) throw new Error('A step is already running: wait for it before stepping again.');
    const sigmaNext = this.nextSigma();
    if (sigmaNext === null) return this.reportFor(this.state, 0, {}, this.trace);
    this.busy = true;
    try {
      return sigmaNext === 0 ? await this.finalStep() : await this.samplerStep(sigmaNext);
    } finally {
      this.busy = false;
      this.collect();
    }
  }

  /** Restarts from the prior (optionally with a new seed), dropping every snapshot. */
  reset(seed: number = this.cfg.seed): StepReport<V> {
    this.assertIdle('restart');
    seedKey(seed);
    this.cfg = { ...this.cfg, seed };
    this.snapshots.clear();
    this.startSigma = null;
    const { sde, schedule, steps, grid } = this.cfg;
    this.cfg = { ...this.cfg, sigmas: sigmaGrid(sde, schedule, steps, grid) };
    this.state = priorState(this.field, this.cfg.sde, seed, this.cfg.sigmas[0]);
    this.trace = null;
    this.remember();
    this.collect();
    return this.reportFor(this.state, 0, {}, null);
  }

  /**
   * Goes to step k, or to the nearest earlier kept step when snapshots were thinned. Later
   * snapshots stay until the next step, so scrubbing back and forth along the trajectory moves
   * through it; stepping on from here (with any settings) drops them and starts a new branch.
   */
  seek(k: number): StepReport<V> {
    this.assertIdle('rewind');
    const snapshot = this.snapshots.atOrBefore(Math.max(0, Math.floor(k)));
    if (!snapshot) throw new Error(`Cannot rewind to step ${k}: no snapshot is kept there; restart instead.`);
    const { i, sigma, xTilde, denoised, history, nfeTotal } = snapshot;
    this.state = { i, sigma, xTilde, denoised, history: [...history], nfeTotal };
    this.fitGrid();
    this.trace = snapshot.trace;
    this.collect();
    return this.reportFor(this.state, 0, {}, this.trace);
  }

  /** The frame at step k if its snapshot is kept (for scrubbing without rewinding). */
  frameAt(k: number): StepReport<V> | null {
    const snapshot = this.snapshots.at(k);
    return snapshot ? this.reportFor(snapshot, 0, {}, snapshot.trace, snapshot.sde) : null;
  }

  private regrid(change: Partial<Pick<LoopSettings, 'sde' | 'schedule' | 'steps' | 'grid'>>): void {
    const next = { ...this.cfg, ...change };
    this.cfg = { ...next, sigmas: sigmaGrid(next.sde, next.schedule, next.steps, next.grid) };
    this.fitGrid();
  }

  /**
   * Keeps the step total: from step i at σ, exactly `stepTotal − i` grid points must lie below σ, so
   * the counter, the Timeline and an export all end at `stepTotal` (`steps` from the prior). The full grid of the current
   * settings is kept when it gives that (a sampler swap on the grid, a rewind within it: bit for
   * bit the same steps). Otherwise — a new SDE puts σ elsewhere on its grid, an adaptive sampler
   * left the grid, a rewind went back before such a change — the rest of the run is the same
   * schedule from σ down to the end, in the steps left.
   */
  private fitGrid(): void {
    const { sigma, i } = this.state;
    const left = Math.max(0, this.stepTotal - i);
    if (pointsBelow(this.cfg.sigmas, sigma) === left) return;
    const { sde, schedule, steps, grid } = this.cfg;
    const full = sigmaGrid(sde, schedule, steps, grid);
    let sigmas: Sigma[];
    if (pointsBelow(full, sigma) === left) sigmas = full;
    else if (left >= 1 && sigma > full[full.length - 1] * (1 + SAME_SIGMA))
      sigmas = sigmaGridFrom(sde, schedule, left, sigma, grid);
    else sigmas = [sigma]; // nothing left to step: only the final denoising, if it is on
    this.cfg = { ...this.cfg, sigmas };
  }

  private async samplerStep(sigmaNext: Sigma): Promise<StepReport<V>> {
    const { state, batch, field, inpainting } = this;
    const { sde, sigmas, params, sampler } = this.cfg;
    // One traced sampler step from `start` with the noise of `seed` (an inpainting step may take
    // several: the trace shows the last, plus its replacement line).
    let recorder = new StepRecorder(field);
    const run = (start: StepStart<V>, seed: number) => {
      const traced = tracedCtx<V>(
        {
          sde,
          sigmaNext,
          sigmas,
          params,
          field,
          history: state.history.filter((h) => h.sigma > start.sigma),
          denoise: (x, sigma) => this.denoiser.denoise(x, sigma, batch),
          noise: (stream) => field.noise(seed, start.i, stream),
          increment: (from, to) =>
            this.cfg.noise === 'brownian'
              ? field.brownian(seed, brownianPlan(clockIndex(to), clockIndex(from)))
              : field.noise(seed, start.i, PREDICTOR_STREAM),
        },
        start,
      );
      recorder = traced.recorder;
      return sampler.step(start, traced.ctx);
    };
    const seed = this.cfg.seed;
    const result = inpainting
      ? await inpaintedStep(field, inpainting, state, seed, run, (s) => this.nextSigmaFrom(s) === null)
      : await run(state, seed);
    if (inpainting) replacementLine(recorder, result.xTilde);
    if (!(result.sigma <= state.sigma)) {
      throw new Error(
        `Sampler ${sampler.id} raised the noise level from σ=${state.sigma} to σ=${result.sigma}.`,
      );
    }
    const sigma = Math.abs(result.sigma - sigmaNext) <= SAME_SIGMA * sigmaNext ? sigmaNext : result.sigma;
    const history = [...state.history, ...result.evaluated].slice(-HISTORY_LENGTH);
    const { xTilde, denoised, nfe, info = {} } = result;
    const formula = sampler.formula(sde.kind, params);
    const trace = this.finishTrace(recorder, sampler.id, formula, xTilde, asSigma(sigma), nfe);
    return this.advance(xTilde, asSigma(sigma), denoised, history, nfe, info, trace);
  }

  /** Tweedie's formula at σ_end: x̃ ← D(x̃, σ_end) = E[x₀ | x̃] (Efron 2011), one NFE. */
  private async finalStep(): Promise<StepReport<V>> {
    const { xTilde, sigma, history } = this.state;
    const recorder = new StepRecorder(this.field);
    const denoised = recorder.origin(await this.denoiser.denoise(xTilde, sigma, this.batch), {
      kind: 'denoised',
      of: { kind: 'state' },
      sigma,
    });
    const next = recorder.update('\\tilde x_{i+1}', [['\\hat x_0', 1, denoised]], {
      label: 'final denoising (Tweedie)',
    });
    // Inpainting: the last state holds the known values exactly.
    const { inpainting, field } = this;
    const result = inpainting ? replaceKnown(field, inpainting, next, 0, this.cfg.seed) : next;
    if (inpainting) replacementLine(recorder, result);
    const trace = this.finishTrace(recorder, this.cfg.sampler.id, FINAL_DENOISE, result, asSigma(0), 1);
    const kept = [...history, { sigma, denoised }].slice(-HISTORY_LENGTH);
    return this.advance(result, asSigma(0), denoised, kept, 1, { finalDenoise: 1 }, trace);
  }

  private finishTrace(
    recorder: StepRecorder<V>,
    samplerId: string,
    formula: UpdateFormula,
    result: V,
    sigmaReached: Sigma,
    nfe: number,
  ): StepTrace {
    const { sde } = this.cfg;
    const { sigma, nfeTotal } = this.state;
    const nfeSoFar = nfeTotal + nfe;
    return recorder.finish({ samplerId, formula, result, sde, sigma, sigmaReached, nfe, nfeTotal: nfeSoFar });
  }

  private advance(
    xTilde: V,
    sigma: Sigma,
    denoised: V,
    history: HistoryEntry<V>[],
    nfe: number,
    info: Record<string, number>,
    trace: StepTrace,
  ): StepReport<V> {
    const s = this.state;
    // A step from a rewound state branches: the old future's snapshots go.
    this.snapshots.dropAfter(s.i);
    this.state = { i: s.i + 1, sigma, xTilde, denoised, history, nfeTotal: s.nfeTotal + nfe };
    this.trace = trace;
    this.remember();
    return this.reportFor(this.state, nfe, info, trace);
  }

  private reportFor(
    s: Omit<TrajectoryState<V>, 'history'>,
    nfe: number,
    info: Record<string, number>,
    trace: StepTrace | null,
    sde?: Sde,
  ): StepReport<V> {
    const done = s === this.state && this.nextSigma() === null;
    return stepReport(s, sde ?? this.cfg.sde, { nfe, info, done, samplerId: this.cfg.sampler.id, trace });
  }

  private remember(): void {
    const { state, trace } = this;
    this.snapshots.add({ ...state, history: [...state.history], sde: this.cfg.sde, trace });
  }

  /**
   * Hands every vector neither the loop nor `extra` holds back to the field: for vectors made on
   * the loop's field beside it (the forward process's x̃_t and x̂₀), which the loop's own collect
   * would otherwise free only at its next step.
   */
  release(extra: readonly V[] = []): void {
    this.assertIdle('free vectors');
    this.collect(extra);
  }

  /** Hands every vector the loop no longer holds back to the field. */
  private collect(extra: readonly V[] = []): void {
    const { xTilde, denoised, history } = this.state;
    const { snapshots, inpainting } = this;
    // Lazy: the CPU field never walks it.
    this.field.collect(
      (function* () {
        yield xTilde;
        if (denoised !== null) yield denoised;
        for (const entry of history) yield entry.denoised;
        if (inpainting) yield* [inpainting.known, inpainting.mask];
        yield* snapshots.vectors();
        yield* extra;
      })(),
    );
  }

  private assertIdle(what: string): void {
    if (this.busy)
      throw new Error(`Cannot ${what} while a step is running: pause, or wait for the step to finish.`);
  }
}
