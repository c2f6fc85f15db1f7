/**
 * Compare mode in the engine (issue 14): one comparison of 1–8 panes, played like a single run
 * (play, pause, step, speed, back-pressure) but ticked through core's PaneBatch, so each network
 * call serves every pane that needs one at that moment. Where the panes' network calls meet:
 *  - a network on the CPU/WASM path: core's networkGate, one call on the concatenated batch;
 *  - a network on WebGPU: gpu-pane-gate's gate, the vectors never leaving the device (read back
 *    once per tick for the page);
 *  - an exact mixture: core's denoiserGate, one release per distinct σ. With `errorPlot`, each
 *    tick also measures every pane's sliced W1 to the exact marginal (core/pane-error.ts).
 * Each tick posts one `compareFrame` with every pane's x and x̂₀. A comparison does not rewind.
 */
import { denoiserGate, networkGate } from '../core/call-gate';
import { NetworkDenoiser } from '../core/denoiser';
import type { Field } from '../core/field';
import { cpuField } from '../core/field-cpu';
import { paneLoops, PaneBatch, type PaneGate, type PanesOptions } from '../core/pane-batch';
import { exactReference, marginalError, samplingFloor, type ExactReference } from '../core/pane-error';
import { readStepEvent, type StepReport } from '../core/step-event';
import type { Denoiser } from '../core/types';
import type { LoadedModel } from './model';
import { nextTask } from './next-task';
import type {
  CompareFrameEvent,
  ComparePaneFrame,
  CompareReplay,
  CompareSettings,
  EngineEvent,
} from './protocol';
import { resolveSde } from './worker-trajectory';

type StartCompare = CompareSettings & { runId: number };

/** Where the panes live and how their calls meet. */
interface PanesBacking<V> {
  fields: Field<V>[];
  denoisers: Denoiser<V>[];
  gate: PaneGate;
  onGpu: boolean;
  destroy(): void;
}

function cpuBacking(model: LoadedModel, request: StartCompare): PanesBacking<Float32Array> {
  const { card } = model;
  const dim = card.shape.reduce((a, b) => a * b, 1);
  const fields = request.panes.map(() => cpuField(request.batch, dim));
  if (model.network === null) {
    // An exact mixture, a drawing's empirical denoiser or a small MLP: denoised in plain
    // JavaScript, one call per distinct σ.
    const shared = denoiserGate(model.denoiser(null, 1));
    return {
      fields,
      denoisers: request.panes.map((_, p) => shared.forPane(p)),
      gate: shared.gate,
      onGpu: false,
      destroy: () => undefined,
    };
  }
  const shared = networkGate(model.network, dim);
  const conditional = request.classLabel !== null && (card.classes?.length ?? 0) > 0;
  const denoisers = request.panes.map(
    (pane, p) =>
      new NetworkDenoiser(shared.forPane(p), card, {
        classLabels: conditional ? (request.classLabel ?? undefined) : undefined,
        guidance: conditional ? pane.guidance : 1,
      }),
  );
  return { fields, denoisers, gate: shared.gate, onGpu: false, destroy: () => undefined };
}

function gpuBacking(model: LoadedModel, request: StartCompare): PanesBacking<GPUBuffer> | null {
  if (model.gpuPanes === null) return null;
  const conditional = request.classLabel !== null && (model.card.classes?.length ?? 0) > 0;
  const guidances = request.panes.map((p) => (conditional ? p.guidance : 1));
  const panes = model.gpuPanes(request.batch, conditional ? request.classLabel : null, guidances);
  return { ...panes, onGpu: true };
}

export class CompareRun<V = unknown> {
  playing = false;
  stopped = false;
  unacked = 0;
  wakeOnAck: (() => void) | null = null;
  stepsPerSecond: number;
  private ticks = 0;
  private callsTotal = 0;
  private last: StepReport<V>[];
  private readonly reference: ExactReference | null;
  private readonly floor: { low: number; high: number } | null;

  private constructor(
    readonly runId: number,
    private readonly batch: PaneBatch<V>,
    private readonly backing: PanesBacking<V>,
    private readonly model: LoadedModel,
    private readonly request: StartCompare,
  ) {
    this.stepsPerSecond = request.stepsPerSecond;
    this.last = batch.loops.map((loop) => loop.seek(0));
    const { mixture } = model;
    if (request.errorPlot && mixture !== null) {
      this.reference = exactReference(mixture, request.batch, request.seed);
      this.floor = samplingFloor(mixture, this.reference, request.seed);
    } else {
      this.reference = null;
      this.floor = null;
    }
  }

  static create(model: LoadedModel, request: StartCompare): CompareRun {
    const gpu = gpuBacking(model, request);
    return gpu !== null
      ? CompareRun.on(gpu, model, request)
      : CompareRun.on(cpuBacking(model, request), model, request);
  }

  private static on<V>(backing: PanesBacking<V>, model: LoadedModel, request: StartCompare): CompareRun {
    try {
      const options: PanesOptions = {
        panes: request.panes.map((pane) => ({
          samplerId: pane.sampler,
          params: pane.params,
          steps: pane.steps,
          sde: resolveSde(model.card, pane.sde),
          schedule: pane.schedule,
          guidance: pane.guidance,
        })),
        seed: request.seed,
        batch: request.batch,
        denoiseFinal: request.denoiseFinal,
        noise: request.noise ?? 'brownian',
        advance: request.advance,
      };
      const loops = paneLoops(
        options,
        (p) => backing.fields[p],
        (_, p) => backing.denoisers[p],
      );
      const batch = new PaneBatch(loops, backing.gate, request.advance);
      return new CompareRun(request.runId, batch, backing, model, request) as CompareRun;
    } catch (e) {
      backing.destroy();
      throw e;
    }
  }

  get done(): boolean {
    return this.batch.done;
  }

  get tick(): number {
    return this.ticks;
  }

  set advance(advance: 't' | 'nfe') {
    this.batch.advance = advance;
  }

  /**
   * One tick: the panes that are due step, their network calls shared. Returns the frame, and the
   * first pane that failed (its step threw, or its state is not finite) with why.
   */
  async step(): Promise<{ frame: CompareFrameEvent; failure: string | null }> {
    await nextTask();
    const tick = await this.batch.tick();
    this.ticks += 1;
    this.callsTotal += tick.calls;
    tick.panes.forEach((pane, p) => {
      const report = pane.reports.at(-1);
      if (report) this.last[p] = report;
    });
    const frame = await this.frame(tick.calls, tick.networkMs);
    const failed = tick.panes.findIndex((pane) => pane.error);
    const failure =
      failed >= 0
        ? `Pane ${failed + 1} (${this.request.panes[failed].sampler}) failed: ${tick.panes[failed].error?.message}`
        : (frame.panes.find((pane) => pane.failure !== null)?.failure ?? null);
    return { frame, failure };
  }

  /** The current state of every pane as a frame (fresh arrays, to transfer). */
  async frame(calls = 0, networkMs = 0): Promise<CompareFrameEvent> {
    const { card } = this.model;
    const panes: ComparePaneFrame[] = [];
    for (const [p, loop] of this.batch.loops.entries()) {
      const report = this.last[p];
      const e = await readStepEvent(this.backing.fields[p], report);
      const stats = this.batch.paneStats(p);
      const { settings } = loop;
      const error =
        this.reference !== null && !e.nonFinite
          ? marginalError(this.reference, e.x, this.request.batch, report.scale, report.sigma)
          : null;
      panes.push({
        sampler: settings.sampler.id,
        i: report.i,
        steps: settings.steps + (settings.denoiseFinal ? 1 : 0),
        t: report.t,
        sigma: report.sigma,
        nfe: report.i === 0 ? 0 : report.nfe,
        nfeTotal: report.nfeTotal,
        msPerStep: stats.msPerStep,
        x: e.x,
        denoised: e.denoised,
        error,
        done: loop.done,
        failure: e.nonFinite
          ? `Pane ${p + 1} (${settings.sampler.id}) produced NaN or infinite values at step ${report.i}: ` +
            'give it more steps or another sampler, then press Reset.'
          : null,
      });
    }
    return {
      type: 'compareFrame',
      runId: this.runId,
      tick: this.ticks,
      calls,
      callsTotal: this.callsTotal,
      networkMs,
      batch: this.request.batch,
      shape: [...card.shape],
      panes,
      floor: this.floor,
      particles: this.reference?.n ?? 0,
      done: this.batch.done,
      onGpu: this.backing.onGpu,
    };
  }

  /** Whether the panes live in GPU buffers. */
  get onGpu(): boolean {
    return this.backing.onGpu;
  }

  destroy(): void {
    this.backing.destroy();
  }
}

/**
 * Ticks a fresh comparison again up to `replay.to` (faults, issue 16), with the advance mode in
 * force at each tick, posting nothing: its ticks depend only on its settings, so this is the state
 * the lost one held. A tick that fails (a NaN) stops it with the tick's message.
 */
export async function replayCompare(run: CompareRun, replay: CompareReplay): Promise<void> {
  for (let tick = 1; tick <= replay.to && !run.done && !run.stopped; tick++) {
    for (const change of replay.advances) if (change.tick === tick) run.advance = change.advance;
    const { failure } = await run.step();
    if (failure !== null) throw new Error(failure);
    await nextTask(); // let a pause or a new run in
  }
  for (const change of replay.advances) if (change.tick > replay.to) run.advance = change.advance;
}

/** What the engine gives a comparison to play with. */
export interface ComparePlayer {
  emit(event: EngineEvent): void;
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  isCurrent(run: CompareRun): boolean;
  waitUntil(time: number): Promise<void>;
  maxInFlight: number;
}

/** One tick, posted; on a failure the run pauses with an error. Returns whether it ticked cleanly. */
export async function advanceCompare(run: CompareRun, player: ComparePlayer): Promise<boolean> {
  return player.exclusive(async () => {
    if (!player.isCurrent(run) || run.stopped || run.done) return false;
    player.emit({ type: 'stepStarted', runId: run.runId, i: run.tick + 1 });
    let result: Awaited<ReturnType<CompareRun['step']>>;
    try {
      result = await run.step();
    } catch (e) {
      haltCompare(run, player, `Tick ${run.tick + 1} failed: ${(e as Error).message}`);
      return false;
    }
    if (!player.isCurrent(run)) return false;
    run.unacked += 1;
    player.emit(result.frame);
    if (result.failure !== null) {
      haltCompare(run, player, result.failure);
      return false;
    }
    return true;
  });
}

function haltCompare(run: CompareRun, player: ComparePlayer, message: string): void {
  run.playing = false;
  player.emit({ type: 'error', scope: 'run', runId: run.runId, message, recoverable: true });
  player.emit({ type: 'paused', runId: run.runId, reason: 'error', i: run.tick });
}

/** Plays a comparison, paced like a single run: one tick per step interval, MAX_IN_FLIGHT frames ahead. */
export async function playCompare(run: CompareRun, player: ComparePlayer): Promise<void> {
  let due = performance.now();
  while (run.playing && player.isCurrent(run)) {
    while (run.unacked >= player.maxInFlight && run.playing && player.isCurrent(run)) {
      await new Promise<void>((resolve) => (run.wakeOnAck = resolve));
      run.wakeOnAck = null;
    }
    if (!run.playing || !player.isCurrent(run)) return;
    const ok = await advanceCompare(run, player);
    if (!ok || run.done) {
      if (run.playing && ok) player.emit({ type: 'paused', runId: run.runId, reason: 'done', i: run.tick });
      run.playing = false;
      return;
    }
    const interval = run.stepsPerSecond > 0 ? 1000 / run.stepsPerSecond : 0;
    due = Math.max(due + interval, performance.now());
    await player.waitUntil(due);
  }
}
