/**
 * The sampling loop on any backend: owns the state x̃, the σ grid, the history of (σ, x̂₀) and
 * snapshots, and advances one sampler step per call. Sampler, parameters, SDE, schedule and step
 * count can change between steps; the trajectory continues from the current (x̃, σ) with the step
 * counter unchanged. Vectors are of the backend's type V (Float32Array on the CPU, GPUBuffer on
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
import { sigmaGrid, type GridOptions } from './grids';
import { seedKey } from './rng';
import { inpaintedStep, replaceKnown, checkInpainting, type Inpainting } from './inpaint';
import { getSampler } from './samplers/registry';
import { PREDICTOR_STREAM } from './samplers/util';
import { makeSde } from './sde';
import { SnapshotStore } from './snapshots';
import { priorState, stepReport, type StepReport } from './step-event';
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
  StepCtx,
  StepStart,
  TrajectoryState,
} from './types';

export const HISTORY_LENGTH = 4;
/** Relative tolerance under which two noise levels count as the same grid point. */
const SAME_SIGMA = 1e-9;

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
  /** Kept states: `steps` lists what can be restored exactly, `keepEvery` says how thinned. */
  readonly snapshots: SnapshotStore<V>;
  private busy = false;
  private inpainting: Inpainting<V> | null = null;

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

  setSampler(id: string, params: Params = {}): void {
    this.cfg = { ...this.cfg, sampler: getSampler(id), params: { ...params } };
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
   * state the forward process shows. The step counter restarts at 0 and every snapshot is dropped;
   * reset() goes back to the prior.
   */
  startFrom(xTilde: V, sigma: Sigma): StepReport<V> {
    this.assertIdle('start elsewhere');
    if (!(sigma > 0) || !Number.isFinite(sigma)) {
      throw new Error(`Cannot start the reverse process at σ=${sigma}: use a noise level above 0.`);
    }
    this.snapshots.clear();
    this.state = { i: 0, sigma, xTilde, denoised: null, history: [], nfeTotal: 0 };
    this.remember();
    this.collect();
    return this.reportFor(this.state, 0, {});
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
    if (sigmaNext === null) return this.reportFor(this.state, 0, {});
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
    this.state = priorState(this.field, this.cfg.sde, seed, this.cfg.sigmas[0]);
    this.remember();
    this.collect();
    return this.reportFor(this.state, 0, {});
  }

  /**
   * Rewinds to step k, or to the nearest earlier kept step when snapshots were thinned; later
   * snapshots are dropped, so stepping on (with any settings) starts a new branch.
   */
  seek(k: number): StepReport<V> {
    this.assertIdle('rewind');
    const snapshot = this.snapshots.atOrBefore(Math.max(0, Math.floor(k)));
    if (!snapshot) throw new Error(`Cannot rewind to step ${k}: no snapshot is kept there; restart instead.`);
    this.snapshots.dropAfter(snapshot.i);
    const { i, sigma, xTilde, denoised, history, nfeTotal } = snapshot;
    this.state = { i, sigma, xTilde, denoised, history: [...history], nfeTotal };
    this.collect();
    return this.reportFor(this.state, 0, {});
  }

  /** The frame at step k if its snapshot is kept (for scrubbing without rewinding). */
  frameAt(k: number): StepReport<V> | null {
    const snapshot = this.snapshots.at(k);
    return snapshot ? this.reportFor(snapshot, 0, {}, snapshot.sde) : null;
  }

  private regrid(change: Partial<Pick<LoopSettings, 'sde' | 'schedule' | 'steps' | 'grid'>>): void {
    const next = { ...this.cfg, ...change };
    this.cfg = { ...next, sigmas: sigmaGrid(next.sde, next.schedule, next.steps, next.grid) };
  }

  private async samplerStep(sigmaNext: Sigma): Promise<StepReport<V>> {
    const { state, batch, field, inpainting } = this;
    const { sde, sigmas, params, sampler } = this.cfg;
    const run = (start: StepStart<V>, seed: number) => {
      const ctx: StepCtx<V> = {
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
      };
      return sampler.step(start, ctx);
    };
    const seed = this.cfg.seed;
    const result = inpainting
      ? await inpaintedStep(field, inpainting, state, seed, run, (s) => this.nextSigmaFrom(s) === null)
      : await run(state, seed);
    if (!(result.sigma <= state.sigma)) {
      throw new Error(
        `Sampler ${sampler.id} raised the noise level from σ=${state.sigma} to σ=${result.sigma}.`,
      );
    }
    const sigma = Math.abs(result.sigma - sigmaNext) <= SAME_SIGMA * sigmaNext ? sigmaNext : result.sigma;
    const history = [...state.history, ...result.evaluated].slice(-HISTORY_LENGTH);
    const { xTilde, denoised, nfe, info = {} } = result;
    return this.advance(xTilde, asSigma(sigma), denoised, history, nfe, info);
  }

  /** Tweedie's formula at σ_end: x̃ ← D(x̃, σ_end) = E[x₀ | x̃] (Efron 2011), one NFE. */
  private async finalStep(): Promise<StepReport<V>> {
    const { xTilde, sigma, history } = this.state;
    const denoised = await this.denoiser.denoise(xTilde, sigma, this.batch);
    const kept = [...history, { sigma, denoised }].slice(-HISTORY_LENGTH);
    const { inpainting, field } = this;
    const next = inpainting ? replaceKnown(field, inpainting, denoised, 0, this.cfg.seed) : denoised;
    return this.advance(next, asSigma(0), denoised, kept, 1, { finalDenoise: 1 });
  }

  private advance(
    xTilde: V,
    sigma: Sigma,
    denoised: V,
    history: HistoryEntry<V>[],
    nfe: number,
    info: Record<string, number>,
  ): StepReport<V> {
    const s = this.state;
    this.state = { i: s.i + 1, sigma, xTilde, denoised, history, nfeTotal: s.nfeTotal + nfe };
    this.remember();
    return this.reportFor(this.state, nfe, info);
  }

  private reportFor(
    s: Omit<TrajectoryState<V>, 'history'>,
    nfe: number,
    info: Record<string, number>,
    sde?: Sde,
  ): StepReport<V> {
    const done = s === this.state && this.nextSigma() === null;
    return stepReport(s, sde ?? this.cfg.sde, { nfe, info, done, samplerId: this.cfg.sampler.id });
  }

  private remember(): void {
    this.snapshots.add({ ...this.state, history: [...this.state.history], sde: this.cfg.sde });
  }

  /** Hands every vector the loop no longer holds back to the field. */
  private collect(): void {
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
      })(),
    );
  }

  private assertIdle(what: string): void {
    if (this.busy)
      throw new Error(`Cannot ${what} while a step is running: pause, or wait for the step to finish.`);
  }
}
