/**
 * One trajectory in the engine: core's TrajectoryRunner over a model's denoiser, on the CPU
 * (Float32Arrays; the WASM path, and the reference) or resident on the GPU (GPUBuffers; the
 * default on WebGPU), with the time spent in the denoiser measured per step, settings from the
 * protocol resolved against the model card, and the runner's step reports turned into frames.
 */
import type { ModelCard } from '../core/card';
import type { Field } from '../core/field';
import { cpuField } from '../core/field-cpu';
import { sdeForModel } from '../core/sde';
import { readStepEvent, type StepReport } from '../core/step-event';
import { TrajectoryRunner } from '../core/trajectory-runner';
import type { Denoiser, Params, SdeConfig, Sigma } from '../core/types';
import type { LoadedModel } from './model';
import type { FrameEvent, RunSettings } from './protocol';

/** A denoiser that adds the milliseconds spent inside it to a counter. */
class TimedDenoiser<V> implements Denoiser<V> {
  elapsedMs = 0;
  constructor(private readonly inner: Denoiser<V>) {}
  get dim(): number {
    return this.inner.dim;
  }
  async denoise(xTilde: V, sigma: Sigma, batch: number): Promise<V> {
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
  destroy(): void;
}

type AnyBacking =
  { onGpu: true; backing: Backing<GPUBuffer> } | { onGpu: false; backing: Backing<Float32Array> };

function backingFor(model: LoadedModel, settings: RunSettings): AnyBacking {
  const { card } = model;
  const conditional = settings.classLabel !== null && (card.classes?.length ?? 0) > 0;
  // Guidance w as in core and the CLI: D = D_u + w(D_c − D_u) (Ho & Salimans 2022).
  const classLabel = conditional ? settings.classLabel : null;
  const guidance = conditional ? settings.guidance : 1;
  if (model.gpu && settings.residency !== 'cpu') {
    return { onGpu: true, backing: model.gpu(settings.batch, classLabel, guidance) };
  }
  const denoiser = model.denoiser(classLabel, guidance);
  const field = cpuField(settings.batch, denoiser.dim);
  return { onGpu: false, backing: { field, denoiser, destroy: () => undefined } };
}

export class Trajectory<V = unknown> {
  private last: StepReport<V>;
  private lastTimings = { modelMs: 0, otherMs: 0 };

  private constructor(
    private readonly runner: TrajectoryRunner<V>,
    private readonly timed: TimedDenoiser<V>,
    private readonly backing: Backing<V>,
    private readonly card: ModelCard,
    /** Whether x̃, x̂₀ and the sampler history stay in GPU buffers. */
    readonly onGpu: boolean,
  ) {
    this.last = runner.seek(0);
  }

  static create(model: LoadedModel, settings: RunSettings): Trajectory {
    const chosen = backingFor(model, settings);
    return chosen.onGpu
      ? Trajectory.on(chosen.backing, model.card, settings, true)
      : Trajectory.on(chosen.backing, model.card, settings, false);
  }

  private static on<V>(
    backing: Backing<V>,
    card: ModelCard,
    settings: RunSettings,
    onGpu: boolean,
  ): Trajectory {
    try {
      const timed = new TimedDenoiser(backing.denoiser);
      const runner = new TrajectoryRunner(backing.field, {
        denoiser: timed,
        sde: resolveSde(card, settings.sde),
        schedule: settings.schedule,
        steps: settings.steps,
        samplerId: settings.sampler,
        params: settings.params,
        seed: settings.seed,
        batch: settings.batch,
        denoiseFinal: settings.denoiseFinal,
      });
      return new Trajectory(runner, timed, backing, card, onGpu) as Trajectory;
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
    return this.runner.done;
  }
  get samplerId(): string {
    return this.runner.settings.sampler.id;
  }
  /** Takes one step (the frame is read by frame()). */
  async step(): Promise<void> {
    const modelBefore = this.timed.elapsedMs;
    const began = performance.now();
    this.last = await this.runner.step();
    const modelMs = this.timed.elapsedMs - modelBefore;
    this.lastTimings = { modelMs, otherMs: Math.max(0, performance.now() - began - modelMs) };
  }

  /** Rewinds to step k (or the nearest kept step before it); the next step starts a new branch. */
  seek(k: number): void {
    this.last = this.runner.seek(k);
    this.lastTimings = { modelMs: 0, otherMs: 0 };
  }

  setSampler(id: string, params: Params): void {
    this.runner.setSampler(id, params);
  }

  setSde(sde: SdeConfig): void {
    this.runner.setSde(resolveSde(this.card, sde));
  }

  /**
   * The current state as a frame with fresh buffers (they are transferred away), and whether it
   * is finite. On the GPU this is the one read back per step: x̃ and x̂₀.
   */
  async frame(runId: number): Promise<{ frame: FrameEvent; finite: boolean }> {
    const began = performance.now();
    const e = await readStepEvent(this.backing.field, this.last);
    const readMs = performance.now() - began;
    const { settings } = this.runner;
    const frame: FrameEvent = {
      type: 'frame',
      runId,
      i: e.i,
      steps: settings.steps + (settings.denoiseFinal ? 1 : 0),
      t: e.t,
      sigma: e.sigma,
      nfe: e.nfe,
      nfeTotal: e.nfeTotal,
      x: e.x,
      denoised: e.denoised,
      batch: this.runner.batch,
      shape: [...this.card.shape],
      timings: { modelMs: this.lastTimings.modelMs, otherMs: this.lastTimings.otherMs + readMs },
      info: { ...e.info },
      done: this.runner.done,
      onGpu: this.onGpu,
    };
    return { frame, finite: !e.nonFinite };
  }

  /** Frees the trajectory's GPU buffers (nothing on the CPU). */
  destroy(): void {
    this.backing.destroy();
  }
}
