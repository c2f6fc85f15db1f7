/**
 * The sampling loop: owns the state x̃, the σ grid, the history of (σ, x̂₀) and snapshots, and
 * advances one sampler step per call. Sampler, parameters, SDE, schedule and step count can change
 * between steps; the trajectory continues from the current (x̃, σ) with the step counter unchanged.
 *
 * Noise: the prior is gaussianNoise(seed, PRIOR_STEP, 0, ·); step i (0-based: the i-th step taken)
 * draws gaussianNoise(seed, i, stream, ·). Event arrays are fresh copies the caller may transfer.
 */
import { sigmaGrid, type GridOptions } from './grids';
import { gaussianNoise, PRIOR_STEP, seedKey } from './rng';
import { makeSde } from './sde';
import { getSampler } from './samplers/registry';
import { SnapshotStore, type Snapshot } from './snapshots';
import { asSigma, asTime } from './types';
import type {
  Denoiser,
  HistoryEntry,
  Params,
  Sampler,
  ScheduleKind,
  Sde,
  SdeConfig,
  Sigma,
  StepCtx,
  Time,
} from './types';

export const HISTORY_LENGTH = 4;
/** Relative tolerance under which two noise levels count as the same grid point. */
const SAME_SIGMA = 1e-9;

export interface RunnerOptions {
  denoiser: Denoiser;
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
}

/** What one step (or a rewind) shows. */
export interface StepEvent {
  /** Steps taken so far. */
  i: number;
  t: Time;
  sigma: Sigma;
  /** Native coordinates s(t)·x̃, batch × dim. */
  x: Float32Array;
  /** x̂₀ of this step (for step 0, the prior itself). */
  denoised: Float32Array;
  nfe: number;
  nfeTotal: number;
  info: Record<string, number>;
  done: boolean;
  /** The new state holds NaN or ±∞ (the step diverged); the run should be stopped or rewound. */
  nonFinite: boolean;
  samplerId: string;
}

interface State {
  i: number;
  sigma: Sigma;
  xTilde: Float32Array;
  denoised: Float32Array | null;
  history: HistoryEntry[];
  nfeTotal: number;
}

export class Runner {
  readonly denoiser: Denoiser;
  readonly batch: number;
  readonly dim: number;
  private seedValue: number;
  private sdeValue: Sde;
  private scheduleValue: ScheduleKind;
  private stepsValue: number;
  private gridOptions: GridOptions;
  private grid: Sigma[];
  private sampler: Sampler;
  private paramsValue: Params;
  private finalDenoise: boolean;
  private state: State;
  private readonly snapshots: SnapshotStore;
  private busy = false;

  constructor(options: RunnerOptions) {
    const { batch } = options;
    if (!Number.isInteger(batch) || batch < 1)
      throw new Error(`Batch ${batch} is not usable: use a whole number ≥ 1.`);
    seedKey(options.seed);
    this.denoiser = options.denoiser;
    this.batch = batch;
    this.dim = options.denoiser.dim;
    this.seedValue = options.seed;
    this.sdeValue = makeSde(options.sde);
    this.scheduleValue = options.schedule;
    this.stepsValue = options.steps;
    this.gridOptions = options.grid ?? {};
    this.grid = sigmaGrid(this.sdeValue, this.scheduleValue, this.stepsValue, this.gridOptions);
    this.sampler = getSampler(options.samplerId);
    this.paramsValue = { ...options.params };
    this.finalDenoise = options.denoiseFinal ?? false;
    this.snapshots = new SnapshotStore(options.snapshotBudgetBytes);
    this.state = this.priorState();
    this.remember();
  }

  get seed(): number {
    return this.seedValue;
  }
  get sde(): Sde {
    return this.sdeValue;
  }
  get schedule(): ScheduleKind {
    return this.scheduleValue;
  }
  get steps(): number {
    return this.stepsValue;
  }
  get sigmas(): readonly Sigma[] {
    return this.grid;
  }
  get samplerId(): string {
    return this.sampler.id;
  }
  get params(): Params {
    return this.paramsValue;
  }
  get denoiseFinal(): boolean {
    return this.finalDenoise;
  }
  get sigma(): Sigma {
    return this.state.sigma;
  }
  /** Steps taken so far (the frame count of the current branch). */
  get framesSoFar(): number {
    return this.state.i;
  }
  /** Current state x̃ (scale-free coordinates); do not modify. */
  get xTilde(): Float32Array {
    return this.state.xTilde;
  }
  get nfeTotal(): number {
    return this.state.nfeTotal;
  }
  /** Steps that can be restored or shown exactly, ascending. */
  get keptSteps(): number[] {
    return this.snapshots.steps;
  }
  /** Snapshot thinning: 1 = every step kept, 2 = every 2nd, … */
  get snapshotStride(): number {
    return this.snapshots.keepEvery;
  }

  /** Whether the trajectory has reached its end (σ_end, or 0 after the final denoising). */
  get done(): boolean {
    return this.nextSigma() === null;
  }

  setSampler(id: string, params: Params = {}): void {
    this.sampler = getSampler(id);
    this.paramsValue = { ...params };
  }
  setParams(params: Params): void {
    this.paramsValue = { ...params };
  }
  /** Switches process: x̃ and σ stay, only t (and native x = s(t)x̃) change. */
  setSde(config: SdeConfig): void {
    const sde = makeSde(config);
    this.grid = sigmaGrid(sde, this.scheduleValue, this.stepsValue, this.gridOptions);
    this.sdeValue = sde;
  }
  setSchedule(schedule: ScheduleKind, grid: GridOptions = this.gridOptions): void {
    this.grid = sigmaGrid(this.sdeValue, schedule, this.stepsValue, grid);
    this.scheduleValue = schedule;
    this.gridOptions = grid;
  }
  setSteps(steps: number): void {
    this.grid = sigmaGrid(this.sdeValue, this.scheduleValue, steps, this.gridOptions);
    this.stepsValue = steps;
  }
  setDenoiseFinal(on: boolean): void {
    this.finalDenoise = on;
  }

  /** The noise level the next step should reach, or null when the trajectory is complete. */
  nextSigma(): Sigma | null {
    const sigma = this.state.sigma;
    if (sigma <= 0) return null;
    const below = this.grid.find((g) => g < sigma * (1 - SAME_SIGMA));
    if (below !== undefined) return below;
    return this.finalDenoise ? asSigma(0) : null;
  }

  /** Advances one step. Sampler errors reject and leave the state unchanged. */
  async step(): Promise<StepEvent> {
    if (this.busy) throw new Error('A step is already running: wait for it before stepping again.');
    const sigmaNext = this.nextSigma();
    if (sigmaNext === null) return this.eventFor(this.state, 0, {});
    this.busy = true;
    try {
      return sigmaNext === 0 ? await this.finalStep() : await this.samplerStep(sigmaNext);
    } finally {
      this.busy = false;
    }
  }

  /** Restarts from the prior (optionally with a new seed), dropping every snapshot. */
  reset(seed: number = this.seedValue): StepEvent {
    this.assertIdle('restart');
    seedKey(seed);
    this.seedValue = seed;
    this.snapshots.clear();
    this.state = this.priorState();
    this.remember();
    return this.eventFor(this.state, 0, {});
  }

  /**
   * Rewinds to step k, or to the nearest earlier kept step when snapshots were thinned; later
   * snapshots are dropped, so stepping on (with any settings) starts a new branch.
   */
  seek(k: number): StepEvent {
    this.assertIdle('rewind');
    const snapshot = this.snapshots.atOrBefore(Math.max(0, Math.floor(k)));
    if (!snapshot) throw new Error(`Cannot rewind to step ${k}: no snapshot is kept there; restart instead.`);
    this.snapshots.dropAfter(snapshot.i);
    this.state = {
      i: snapshot.i,
      sigma: snapshot.sigma,
      xTilde: snapshot.xTilde,
      denoised: snapshot.denoised,
      history: [...snapshot.history],
      nfeTotal: snapshot.nfeTotal,
    };
    return this.eventFor(this.state, 0, {});
  }

  /** The frame at step k if its snapshot is kept (for scrubbing without rewinding). */
  frameAt(k: number): StepEvent | null {
    const snapshot = this.snapshots.at(k);
    return snapshot ? this.eventFor(snapshot, 0, {}, snapshot.sde) : null;
  }

  private async samplerStep(sigmaNext: Sigma): Promise<StepEvent> {
    const { state, sampler, batch, dim } = this;
    const seed = this.seedValue;
    const ctx: StepCtx = {
      sde: this.sdeValue,
      sigmaNext,
      sigmas: this.grid,
      params: this.paramsValue,
      history: state.history.filter((h) => h.sigma > state.sigma),
      denoise: (x, sigma) => this.denoiser.denoise(x, sigma, batch),
      noise: (stream) => gaussianNoise(seed, state.i, stream, batch * dim),
    };
    const result = await sampler.step({ i: state.i, sigma: state.sigma, x: state.xTilde, batch, dim }, ctx);
    if (!(result.sigma <= state.sigma)) {
      throw new Error(
        `Sampler ${sampler.id} raised the noise level from σ=${state.sigma} to σ=${result.sigma}.`,
      );
    }
    const sigma = Math.abs(result.sigma - sigmaNext) <= SAME_SIGMA * sigmaNext ? sigmaNext : result.sigma;
    const history = [...state.history, ...result.evaluated].slice(-HISTORY_LENGTH);
    return this.advance(result.x, asSigma(sigma), result.denoised, history, result.nfe, result.info ?? {});
  }

  /** Tweedie's formula at σ_end: x̃ ← D(x̃, σ_end) = E[x₀ | x̃] (Efron 2011), one NFE. */
  private async finalStep(): Promise<StepEvent> {
    const denoised = await this.denoiser.denoise(this.state.xTilde, this.state.sigma, this.batch);
    const history = [...this.state.history, { sigma: this.state.sigma, denoised }].slice(-HISTORY_LENGTH);
    return this.advance(Float32Array.from(denoised), asSigma(0), denoised, history, 1, { finalDenoise: 1 });
  }

  private advance(
    xTilde: Float32Array,
    sigma: Sigma,
    denoised: Float32Array,
    history: HistoryEntry[],
    nfe: number,
    info: Record<string, number>,
  ): StepEvent {
    const s = this.state;
    this.state = { i: s.i + 1, sigma, xTilde, denoised, history, nfeTotal: s.nfeTotal + nfe };
    this.remember();
    return this.eventFor(this.state, nfe, info);
  }

  private eventFor(
    s: Omit<State, 'history'>,
    nfe: number,
    info: Record<string, number>,
    sde = this.sdeValue,
  ): StepEvent {
    const t = s.sigma > 0 ? sde.timeOf(s.sigma) : asTime(0);
    const scale = sde.scale(t);
    const x = new Float32Array(s.xTilde.length);
    let nonFinite = false;
    for (let e = 0; e < x.length; e++) {
      x[e] = scale * s.xTilde[e];
      if (!Number.isFinite(s.xTilde[e])) nonFinite = true;
    }
    const denoised = s.denoised ? Float32Array.from(s.denoised) : Float32Array.from(s.xTilde);
    const done = s === this.state && this.nextSigma() === null;
    return {
      i: s.i,
      t,
      sigma: s.sigma,
      x,
      denoised,
      nfe,
      nfeTotal: s.nfeTotal,
      info,
      done,
      nonFinite,
      samplerId: this.sampler.id,
    };
  }

  private priorState(): State {
    const n = this.batch * this.dim;
    const z = gaussianNoise(this.seedValue, PRIOR_STEP, 0, n);
    const factor = this.sdeValue.priorStd() / this.sdeValue.scale(asTime(1));
    const xTilde = new Float32Array(n);
    for (let e = 0; e < n; e++) xTilde[e] = factor * z[e];
    return { i: 0, sigma: this.grid[0], xTilde, denoised: null, history: [], nfeTotal: 0 };
  }

  private remember(): void {
    const s = this.state;
    const snapshot: Snapshot = { ...s, history: [...s.history], sde: this.sdeValue };
    this.snapshots.add(snapshot);
  }

  private assertIdle(what: string): void {
    if (this.busy)
      throw new Error(`Cannot ${what} while a step is running: pause, or wait for the step to finish.`);
  }
}
