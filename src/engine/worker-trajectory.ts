/**
 * One trajectory in the engine: core's SamplingLoop over a model's denoiser, on the CPU
 * (Float32Arrays; the WASM path, and the reference) or resident on the GPU (GPUBuffers; the
 * default on WebGPU), with the time spent in the denoiser measured per step, settings from the
 * protocol resolved against the model card, and the loop's step reports turned into frames.
 */
import type { ModelCard } from '../core/card';
import type { Field } from '../core/field';
import { cpuField } from '../core/field-cpu';
import { noisedStart } from '../core/inpaint';
import { sdeForModel } from '../core/sde';
import { readResumePoint, uploadResumePoint, type ResumePoint } from '../core/resume';
import { readStepEvent, type StepReport } from '../core/step-event';
import { forwardAt } from '../core/forward';
import { SamplingLoop, type LoopSettings } from '../core/sampling-loop';
import { asSigma, type Denoiser, type Params, type SdeConfig, type Sigma } from '../core/types';
import { liveDeviceBuffers } from '../gpu/device-buffers';
import { GpuField } from '../gpu/gpu-field';
import type { LoadedModel } from './model';
import type { FrameEvent, FrameResume, RunChange, RunRecipe, RunSettings, RunStart } from './protocol';
import { nextTask, StepCancelled } from './next-task';
import { appliedBefore, RecipeRecorder } from './run-recipe';

/**
 * Where frame() draws a frame besides (or instead of) sending its arrays: the page's canvases
 * (views.ts). A GPU-resident frame is drawn from its buffers, a CPU-path frame from its arrays.
 */
export interface FrameSink {
  /** Draws x and x̂₀ from GPU buffers (valid for the call; the draw is submitted before it returns). */
  drawBuffers(x: GPUBuffer, denoised: GPUBuffer): void;
  /** Draws x and x̂₀ from arrays. */
  drawArrays(x: Float32Array, denoised: Float32Array): void;
}

export interface FrameOptions {
  /** Draw the frame here (when it is finite). */
  sink?: FrameSink | null;
  /** Send x and x̂₀ with the frame (default true); false sends empty arrays. Only for a drawn frame. */
  arrays?: boolean;
}

/**
 * A denoiser that adds the milliseconds spent inside it to a counter. The denoiser inside can be
 * replaced between steps (a new class or guidance mid-run); the loop keeps calling this one.
 */
class TimedDenoiser<V> implements Denoiser<V> {
  elapsedMs = 0;
  /** Awaited before each call (see WorkerTrajectory.step); it throws to abandon the step. */
  gate: (() => Promise<void>) | null = null;
  constructor(private inner: Denoiser<V>) {}
  get dim(): number {
    return this.inner.dim;
  }
  use(inner: Denoiser<V>): void {
    if (inner.dim !== this.inner.dim)
      throw new Error(`A denoiser of ${inner.dim} values replaces one of ${this.inner.dim}.`);
    this.inner = inner;
  }
  async denoise(xTilde: V, sigma: Sigma, batch: number): Promise<V> {
    if (this.gate !== null) await this.gate();
    const began = performance.now();
    try {
      return await this.inner.denoise(xTilde, sigma, batch);
    } finally {
      this.elapsedMs += performance.now() - began;
    }
  }
}

/**
 * The full SDE config for a requested one: the model's trained process mapped to the requested
 * kind (so the σ range stays inside what the network saw), then any fields the page gave.
 */
export function resolveSde(card: ModelCard, requested: SdeConfig): SdeConfig {
  const defined = Object.fromEntries(Object.entries(requested).filter(([, v]) => v !== undefined));
  return { ...sdeForModel(requested.kind, card.sde), ...defined };
}

/** Where a trajectory's vectors live, and how to free them. */
interface Backing<V> {
  field: Field<V>;
  denoiser: Denoiser<V>;
  /** The denoiser for another class and guidance (the protocol's values), on the same field. */
  condition(classLabel: number | null, guidance: number): Denoiser<V>;
  destroy(): void;
}

/**
 * Core's conditioning for the protocol's: a class only on a model with classes; guidance w as in
 * core and the CLI, D = D_u + w(D_c − D_u) (Ho & Salimans 2022), 1 (the model alone) without one.
 */
function conditioningOf(card: ModelCard, classLabel: number | null, guidance: number) {
  const conditional = classLabel !== null && (card.classes?.length ?? 0) > 0;
  return { classLabel: conditional ? classLabel : null, guidance: conditional ? guidance : 1 };
}

type AnyBacking =
  { onGpu: true; backing: Backing<GPUBuffer> } | { onGpu: false; backing: Backing<Float32Array> };

function backingFor(model: LoadedModel, settings: RunSettings): AnyBacking {
  const { card } = model;
  const { classLabel, guidance } = conditioningOf(card, settings.classLabel, settings.guidance);
  if (model.gpu && settings.residency !== 'cpu') {
    const gpu = model.gpu(settings.batch, classLabel, guidance, { graphCapture: settings.graphCapture });
    const condition = (label: number | null, w: number): Denoiser<GPUBuffer> => {
      const c = conditioningOf(card, label, w);
      gpu.condition(c.classLabel, c.guidance);
      return gpu.denoiser;
    };
    return {
      onGpu: true,
      backing: { field: gpu.field, denoiser: gpu.denoiser, condition, destroy: () => gpu.destroy() },
    };
  }
  const denoiser = model.denoiser(classLabel, guidance);
  const field = cpuField(settings.batch, denoiser.dim);
  const condition = (label: number | null, w: number): Denoiser => {
    const c = conditioningOf(card, label, w);
    return model.denoiser(c.classLabel, c.guidance);
  };
  return { onGpu: false, backing: { field, denoiser, condition, destroy: () => undefined } };
}

/**
 * Puts a new loop at a start other than the prior (controllable generation, issue 13): the given
 * state at σ, or known data — noised to σ(t₀) for SDEdit, and/or a mask for inpainting. The vectors
 * are uploaded to the loop's field, so the same code serves the CPU and the GPU-resident path.
 */
export function applyStart<V>(loop: SamplingLoop<V>, from: RunStart, seed: number): void {
  const { field, batch, dim } = loop;
  const check = (values: Float32Array, what: string) => {
    if (values.length !== batch * dim) {
      throw new Error(
        `${what} holds ${values.length} values, but the run is ${batch} samples × ${dim}: ` +
          'draw or upload it again for this model and batch size.',
      );
    }
    if (!values.every(Number.isFinite)) throw new Error(`${what} holds values that are not finite numbers.`);
  };
  if (from.kind === 'state') {
    check(from.xTilde, 'The state to reverse from');
    loop.startFrom(field.upload(from.xTilde), asSigma(from.sigma));
    return;
  }
  check(from.data, 'The starting image');
  const known = field.upload(from.data);
  if (from.mask !== null) {
    check(from.mask, 'The mask');
    loop.setInpainting({ known, mask: field.upload(from.mask), resample: from.resample });
  }
  if (from.t0 !== null) {
    const start = noisedStart(field, loop.settings.sde, known, from.t0, seed);
    loop.startFrom(start.xTilde, start.sigma);
  }
}

/** A GPU-resident trajectory's field and current report. */
interface GpuState {
  field: Field<GPUBuffer>;
  report: StepReport<GPUBuffer>;
}

export class WorkerTrajectory<V = unknown> {
  private last: StepReport<V>;
  /** The forward state showForward made (its vectors live until the loop's next collect). */
  private forwardShown: { xTilde: V; sigma: Sigma; t: number } | null = null;
  /** How the current branch was reached from the start (faults, issue 16: replay). */
  readonly recipe = new RecipeRecorder();
  private lastTimings = { modelMs: 0, otherMs: 0 };
  /** The class and guidance the run's denoiser has now (core's values; for the tool jobs). */
  conditioning: { classLabel: number | null; guidance: number } = { classLabel: null, guidance: 1 };

  private constructor(
    private readonly loop: SamplingLoop<V>,
    private readonly timed: TimedDenoiser<V>,
    private readonly backing: Backing<V>,
    private readonly card: ModelCard,
    /** Whether x̃, x̂₀ and the sampler history stay in GPU buffers. */
    readonly onGpu: boolean,
  ) {
    this.last = loop.seek(0);
  }

  static create(model: LoadedModel, settings: RunSettings): WorkerTrajectory {
    const chosen = backingFor(model, settings);
    return chosen.onGpu
      ? WorkerTrajectory.on(chosen.backing, model.card, settings, true)
      : WorkerTrajectory.on(chosen.backing, model.card, settings, false);
  }

  private static on<V>(
    backing: Backing<V>,
    card: ModelCard,
    settings: RunSettings,
    onGpu: boolean,
  ): WorkerTrajectory {
    try {
      const timed = new TimedDenoiser(backing.denoiser);
      const loop = new SamplingLoop(backing.field, {
        denoiser: timed,
        sde: resolveSde(card, settings.sde),
        schedule: settings.schedule,
        steps: settings.steps,
        samplerId: settings.sampler,
        params: settings.params,
        seed: settings.seed,
        batch: settings.batch,
        denoiseFinal: settings.denoiseFinal,
        noise: settings.noise ?? 'brownian',
      });
      if (settings.from) applyStart(loop, settings.from, settings.seed);
      const trajectory = new WorkerTrajectory(loop, timed, backing, card, onGpu);
      trajectory.conditioning = conditioningOf(card, settings.classLabel, settings.guidance);
      return trajectory as WorkerTrajectory;
    } catch (e) {
      backing.destroy();
      throw e;
    }
  }

  /** Steps taken so far. */
  get i(): number {
    return this.last.i;
  }
  get done(): boolean {
    return this.loop.done;
  }
  get samplerId(): string {
    return this.loop.settings.sampler.id;
  }
  /** The loop's current settings (SDE, grid, sampler, seed). */
  get settings(): Readonly<LoopSettings> {
    return this.loop.settings;
  }
  /** The run's seed (its prior, its steps' noise and the forward process's noise). */
  get seed(): number {
    return this.loop.settings.seed;
  }
  /** Samples in the batch. */
  get batch(): number {
    return this.loop.batch;
  }
  /** Steps of the whole run, the final denoising included: frames are 0 … totalSteps. */
  get totalSteps(): number {
    const { settings, stepTotal } = this.loop;
    return stepTotal + (settings.denoiseFinal ? 1 : 0);
  }
  /**
   * Takes one step (the frame is read by frame()). Before each network call the worker's queued
   * messages get their turn, and when `cancelled()` is then true the step is abandoned with
   * StepCancelled: the state stays where it was. onnxruntime cannot stop a call once it runs, so
   * this is as soon as a step can stop.
   */
  async step(cancelled: () => boolean = () => false): Promise<void> {
    this.forwardShown = null; // the step's collect frees its vectors
    const modelBefore = this.timed.elapsedMs;
    const began = performance.now();
    this.timed.gate = async () => {
      await nextTask();
      if (cancelled()) throw new StepCancelled();
    };
    const before = this.last.i;
    try {
      this.last = await this.loop.step();
    } finally {
      this.timed.gate = null;
    }
    if (this.last.i > before) this.recipe.stepped(this.last.i);
    const modelMs = this.timed.elapsedMs - modelBefore;
    this.lastTimings = { modelMs, otherMs: Math.max(0, performance.now() - began - modelMs) };
  }

  /** Rewinds to step k (or the nearest kept step before it); the next step starts a new branch. */
  seek(k: number): void {
    this.forwardShown = null; // the seek's collect frees its vectors
    this.last = this.loop.seek(k);
    this.lastTimings = { modelMs: 0, otherMs: 0 };
  }

  /**
   * The forward process at time t (issue 12): x̃_t = x₀ + σ(t)·z from clean data `x0` (batch × dim)
   * with the run's observation path (core's forwardAt), and x̂₀(x̃_t) from one denoiser call (none
   * at σ = 0, where x̂₀ = x₀). frame() then shows it; seek() returns to the reverse trajectory,
   * which this leaves as it was.
   */
  async showForward(x0: Float32Array, t: number): Promise<void> {
    const field = this.backing.field;
    const { sde, seed } = this.loop.settings;
    this.loop.release(); // the previous forward frame's vectors
    const began = performance.now();
    const modelBefore = this.timed.elapsedMs;
    const clean = field.upload(x0);
    const state = forwardAt(field, sde, clean, t, seed);
    this.forwardShown = { xTilde: state.xTilde, sigma: state.sigma, t };
    const calls = state.sigma > 0 ? 1 : 0;
    const denoised = calls > 0 ? await this.timed.denoise(state.xTilde, state.sigma, this.batch) : clean;
    this.last = {
      i: 0,
      t: state.t,
      sigma: state.sigma,
      scale: state.scale,
      xTilde: state.xTilde,
      denoised,
      nfe: calls,
      nfeTotal: calls,
      info: { forward: 1 },
      done: false,
      samplerId: this.samplerId,
      trace: null,
    };
    const modelMs = this.timed.elapsedMs - modelBefore;
    this.lastTimings = { modelMs, otherMs: Math.max(0, performance.now() - began - modelMs) };
  }

  /**
   * "Reverse from here": the reverse process starts at the forward state shown (showForward), at
   * its σ, on the grid's points below it (core's SamplingLoop.startFrom, shared with SDEdit).
   */
  reverseFromForward(): void {
    const shown = this.forwardShown;
    if (shown === null || !(shown.sigma > 0)) {
      throw new Error(
        'There is no noised state to start from: in Forward, move the Timeline above t = 0, then press Reverse from here.',
      );
    }
    this.last = this.loop.startFrom(shown.xTilde, shown.sigma);
    this.recipe.restarted(shown.t);
    this.forwardShown = null;
    this.lastTimings = { modelMs: 0, otherMs: 0 };
  }

  setSampler(id: string, params: Params): void {
    this.loop.setSampler(id, params);
    this.recipe.record({ kind: 'sampler', sampler: id, params: { ...params } });
  }

  setSde(sde: SdeConfig): void {
    this.loop.setSde(resolveSde(this.card, sde));
    this.recipe.record({ kind: 'sde', sde: { ...sde } });
  }

  /** A recorded live change, applied as when it was made. */
  apply(change: RunChange): void {
    if (change.kind === 'sampler') this.setSampler(change.sampler, change.params);
    else if (change.kind === 'sde') this.setSde(change.sde);
    else this.setConditioning(change.classLabel, change.guidance);
  }

  /**
   * Computes this (fresh) run again up to step `to` along `recipe` (faults, issue 16): the same
   * live changes before the same steps; then every change made since, so the run goes on as the
   * lost one would. From `from`, a resume point of the same branch at a step ≤ `to` (the last frame
   * the page holds), it goes on from there, with the changes in force when that step was computed;
   * from step 0 otherwise, with the same "Reverse from here" start, whose clean data `origin` gives.
   * The trajectory is deterministic given its seed, so this is the state the lost run held (to float
   * rounding when the point came from another backend). Returns the step it was computed from.
   */
  async replay(
    to: number,
    recipe: RunRecipe,
    origin: () => Promise<Float32Array>,
    cancelled: () => boolean = () => false,
    from?: ResumePoint,
  ): Promise<number> {
    let applied = 0;
    const applyUpTo = (count: number): void => {
      while (applied < count) this.apply(recipe.changes[applied++]);
    };
    let first = 0;
    if (from !== undefined && from.i <= to) {
      applyUpTo(appliedBefore(recipe, from.i));
      await this.resumeAt(from);
      first = from.i;
    } else if (recipe.origin !== null) {
      applyUpTo(recipe.origin.after);
      await this.showForward(await origin(), recipe.origin.t);
      this.reverseFromForward();
    }
    for (let step = first + 1; step <= to && !this.done; step++) {
      applyUpTo(appliedBefore(recipe, step));
      await this.step(cancelled);
      if (cancelled()) throw new StepCancelled();
    }
    applyUpTo(recipe.changes.length);
    // Resumed, the steps before `from` were not taken here: the recipe is the one given.
    this.recipe.adopt(recipe);
    return first;
  }

  /** Goes on from a resume point (its arrays uploaded to this trajectory's field). */
  private async resumeAt(point: ResumePoint): Promise<void> {
    this.forwardShown = null;
    this.last = this.loop.resumeAt(await uploadResumePoint(this.backing.field, point));
    this.lastTimings = { modelMs: 0, otherMs: 0 };
  }

  /** The earliest step a rewind reaches (0, or the step the run was resumed from). */
  get earliestKept(): number {
    return this.loop.snapshots.steps[0] ?? 0;
  }

  /** The furthest step of the current branch that is kept (a rewind keeps the steps after it). */
  get furthestKept(): number {
    return this.loop.snapshots.steps.at(-1) ?? this.i;
  }

  /**
   * Another class or guidance from the next step on: an input of the denoiser, not of the initial
   * noise, so the trajectory continues from the current state (as a sampler swap does).
   */
  setConditioning(classLabel: number | null, guidance: number): void {
    this.timed.use(this.backing.condition(classLabel, guidance));
    this.conditioning = conditioningOf(this.card, classLabel, guidance);
    this.recipe.record({ kind: 'conditioning', classLabel, guidance });
  }

  /**
   * The current state as a frame with fresh buffers (they are transferred away), and whether it
   * is finite. Without a sink, x̃ and x̂₀ are read back (on the GPU, the one read back per step).
   * With one, a finite frame is drawn there first: on the GPU, x = s·x̃ is formed by the field and
   * drawn with x̂₀ from their buffers, finiteness costs 4 bytes back (allFinite of x̃), and x and
   * x̂₀ are read back only when `arrays` asks — from the very buffers that were drawn, so the
   * arrays are exactly the picture. A non-finite frame is never drawn (the canvases keep the last
   * good one) and comes with its arrays, as without a sink.
   */
  async frame(runId: number, options: FrameOptions = {}): Promise<{ frame: FrameEvent; finite: boolean }> {
    const sink = options.sink ?? null;
    const began = performance.now();
    const gpu = this.gpu();
    let arrays: [Float32Array, Float32Array] | null = null;
    let finite = true;
    if (sink !== null && gpu !== null) {
      finite = await gpu.field.allFinite(gpu.report.xTilde);
      if (finite) arrays = await this.drawOnGpu(sink, gpu, options.arrays ?? true);
    }
    // Not drawn on the GPU: no sink, the CPU path, or a non-finite state (whose arrays go out as before).
    if (arrays === null) {
      const e = await readStepEvent(this.backing.field, this.last);
      finite = !e.nonFinite;
      const drawn = sink !== null && finite;
      if (drawn) sink.drawArrays(e.x, e.denoised);
      arrays =
        !drawn || (options.arrays ?? true) ? [e.x, e.denoised] : [new Float32Array(0), new Float32Array(0)];
    }
    const [x, denoised] = arrays;
    // A run's frame with arrays carries what the run needs to go on from it (faults, issue 16).
    const resume = x.length > 0 && this.forwardShown === null && finite ? await this.resumeData() : undefined;
    const readMs = performance.now() - began;
    const { last } = this;
    const frame: FrameEvent = {
      type: 'frame',
      runId,
      i: last.i,
      steps: this.totalSteps,
      t: last.t,
      sigma: last.sigma,
      nfe: last.nfe,
      nfeTotal: last.nfeTotal,
      x,
      denoised,
      batch: this.loop.batch,
      shape: [...this.card.shape],
      timings: { modelMs: this.lastTimings.modelMs, otherMs: this.lastTimings.otherMs + readMs },
      info: { ...last.info },
      done: this.loop.done,
      onGpu: this.onGpu,
      drawn: sink !== null && finite,
      requested: false,
      trace: last.trace,
      ...(this.onGpu ? { gpuBuffers: GpuField.buffersAlive } : {}),
      ...(this.onGpu ? liveDeviceBuffers() : null),
      ...(resume !== undefined ? { resume } : {}),
    };
    return { frame, finite };
  }

  /** Draws the current state into `sink` (e.g. canvases just attached), reading nothing back. */
  async draw(sink: FrameSink): Promise<void> {
    const gpu = this.gpu();
    if (gpu !== null) {
      await this.drawOnGpu(sink, gpu, false);
    } else {
      const e = await readStepEvent(this.backing.field, this.last);
      sink.drawArrays(e.x, e.denoised);
    }
  }

  /** x = s·x̃ on the GPU, drawn with x̂₀; both read back when `arrays`, else empty arrays. */
  private async drawOnGpu(
    sink: FrameSink,
    { field, report }: GpuState,
    arrays: boolean,
  ): Promise<[Float32Array, Float32Array]> {
    // A vector the loop does not hold: its next collect() returns it to the pool.
    const x = field.combine([[report.scale, report.xTilde]]);
    sink.drawBuffers(x, report.denoised);
    if (!arrays) return [new Float32Array(0), new Float32Array(0)];
    return Promise.all([field.read(x), field.read(report.denoised)]);
  }

  /** The loop's resume point read back, less what the frame has itself. */
  private async resumeData(): Promise<FrameResume> {
    const { xTilde, denoised, history, sigmas, startSigma } = await readResumePoint(
      this.backing.field,
      this.loop.resumePoint(),
    );
    return { xTilde, denoised, history, sigmas, startSigma };
  }

  /** The field and the last report as GPU buffers, when the trajectory is GPU-resident. */
  private gpu(): GpuState | null {
    // onGpu is set exactly when V is GPUBuffer (WorkerTrajectory.create).
    return this.onGpu ? ({ field: this.backing.field, report: this.last } as unknown as GpuState) : null;
  }

  /** Frees the trajectory's GPU buffers (nothing on the CPU). */
  destroy(): void {
    this.backing.destroy();
  }
}
