/**
 * One trajectory in the engine: core's Runner over a model's denoiser, with the time spent in the
 * denoiser measured per step, settings from the protocol resolved against the model card, and
 * the runner's step events turned into protocol frames.
 */
import type { ModelCard } from '../core/card';
import { Runner, type StepEvent } from '../core/runner';
import { sdeForModel } from '../core/sde';
import type { Denoiser, Params, SdeConfig, Sigma } from '../core/types';
import type { LoadedModel } from './model';
import type { FrameEvent, RunSettings } from './protocol';

/** A denoiser that adds the milliseconds spent inside it to a counter. */
class TimedDenoiser implements Denoiser {
  elapsedMs = 0;
  constructor(private readonly inner: Denoiser) {}
  get dim(): number {
    return this.inner.dim;
  }
  async denoise(xTilde: Float32Array, sigma: Sigma, batch: number): Promise<Float32Array> {
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

export class Trajectory {
  private last: StepEvent;
  private lastTimings = { modelMs: 0, otherMs: 0 };

  private constructor(
    private readonly runner: Runner,
    private readonly timed: TimedDenoiser,
    private readonly card: ModelCard,
  ) {
    this.last = runner.seek(0);
  }

  static create(model: LoadedModel, settings: RunSettings): Trajectory {
    const { card } = model;
    const conditional = settings.classLabel !== null && (card.classes?.length ?? 0) > 0;
    // Guidance w as in core and the CLI: D = D_u + w(D_c − D_u) (Ho & Salimans 2022).
    const inner = conditional
      ? model.denoiser(settings.classLabel, settings.guidance)
      : model.denoiser(null, 1);
    const timed = new TimedDenoiser(inner);
    const runner = new Runner({
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
    return new Trajectory(runner, timed, card);
  }

  /** Steps taken so far. */
  get i(): number {
    return this.last.i;
  }
  get done(): boolean {
    return this.runner.done;
  }
  get samplerId(): string {
    return this.runner.samplerId;
  }

  /** Takes one step; returns whether the new state is finite. */
  async step(): Promise<boolean> {
    const modelBefore = this.timed.elapsedMs;
    const began = performance.now();
    this.last = await this.runner.step();
    const modelMs = this.timed.elapsedMs - modelBefore;
    this.lastTimings = { modelMs, otherMs: Math.max(0, performance.now() - began - modelMs) };
    return !this.last.nonFinite;
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

  /** The current state as a frame with fresh buffers (they are transferred away). */
  frame(runId: number): FrameEvent {
    const e = this.last;
    return {
      type: 'frame',
      runId,
      i: e.i,
      steps: this.runner.steps + (this.runner.denoiseFinal ? 1 : 0),
      t: e.t,
      sigma: e.sigma,
      nfe: e.nfe,
      nfeTotal: e.nfeTotal,
      x: e.x.slice(),
      denoised: e.denoised.slice(),
      batch: this.runner.batch,
      shape: [...this.card.shape],
      timings: { ...this.lastTimings },
      info: { ...e.info },
      done: this.runner.done,
    };
  }
}
