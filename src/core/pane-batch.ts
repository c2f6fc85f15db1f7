/**
 * Compare mode's core (issue 14): several sampling loops side by side, one per pane, each with its
 * own sampler, step count, SDE, schedule and guidance, sharing the model, the seed, the batch (so
 * the prior draw z and the Brownian path are the same) and every network call. A tick advances
 * the panes that are due, concurrently, with their network requests meeting at one CallGate:
 * the tick makes as many network calls as the largest NFE of any pane in it, not their sum.
 *
 * Panes advance in lock-step on t or by NFE:
 *  - on t, each tick moves a common clock to the first next grid point of any pane, and every pane
 *    whose next grid point is the nearest of its own to the clock (within half its step) takes that
 *    step. A 20-step pane waits while a 1000-step pane takes 25 steps, then steps with it; panes
 *    whose grids nearly agree (VP and VE, whose last times differ) step together every tick;
 *  - by NFE, each tick the panes furthest behind in network evaluations take a step, and every
 *    other pane steps while it is behind them, so panes stay level in cost.
 *
 * A pane's trajectory is the one its loop would take alone: the loops are ordinary SamplingLoops,
 * and batching only changes which rows of a network call carry its samples.
 */
import type { ModelCard } from './card';
import { networkGate, type GateStats } from './call-gate';
import { NetworkDenoiser, type NetworkFn } from './denoiser';
import type { Field } from './field';
import { cpuField } from './field-cpu';
import type { GridOptions } from './grids';
import { SamplingLoop, type NoiseKeying } from './sampling-loop';
import type { StepReport } from './step-event';
import type { Denoiser, Params, ScheduleKind, SdeConfig } from './types';

export type Advance = 't' | 'nfe';
export const ADVANCES: readonly Advance[] = ['t', 'nfe'];

/** The settings of one pane; the rest is shared (PanesOptions). */
export interface PaneSpec {
  samplerId: string;
  steps: number;
  params?: Params;
  sde: SdeConfig;
  schedule: ScheduleKind;
  grid?: GridOptions;
  /** Classifier-free guidance weight (models with classes); undefined = conditional (w = 1). */
  guidance?: number;
}

/** What every pane shares. */
export interface PanesOptions {
  panes: readonly PaneSpec[];
  seed: number;
  batch: number;
  denoiseFinal?: boolean;
  noise?: NoiseKeying;
  snapshotBudgetBytes?: number;
  advance?: Advance;
}

/** The part of a CallGate the panes drive. */
export interface PaneGate {
  enter(pane: number): void;
  leave(pane: number): void;
  readonly stats: GateStats;
}

/** One pane in one tick: its steps (none when it was not due), or why it stopped. */
export interface PaneTick<V> {
  reports: StepReport<V>[];
  error?: Error;
  /** Its share of this tick's network time (gated), or its own step time (ungated), in ms. */
  ms: number;
}

export interface Tick<V> {
  panes: PaneTick<V>[];
  /** Network calls made in this tick (0 without a gate). */
  calls: number;
  /** Time inside those calls, ms. */
  networkMs: number;
}

/** Two diffusion times closer than this are the same grid point. */
const SAME_T = 1e-9;

export class PaneBatch<V> {
  advance: Advance;
  private busy = false;
  /** NFE of each pane's last step (the NFE rule's guess of what its next step costs). */
  private readonly lastNfe: number[];
  private readonly totals: { steps: number; ms: number }[];

  /**
   * @param loops one loop per pane, built with the same seed and batch;
   * @param gate where their network requests meet (null: the panes' denoisers are independent and
   *   cheap, e.g. exact mixtures, and panes step one after another);
   * @param ids each loop's pane number at the gate, the one its denoiser's requests carry (default
   *   0, 1, …). After removing a pane, the others keep theirs: new PaneBatch(rest, gate, advance,
   *   restIds); an added pane takes an unused number.
   */
  constructor(
    readonly loops: readonly SamplingLoop<V>[],
    readonly gate: PaneGate | null,
    advance: Advance = 't',
    readonly ids: readonly number[] = loops.map((_, p) => p),
  ) {
    if (loops.length === 0) throw new Error('A comparison needs at least one pane.');
    if (ids.length !== loops.length || new Set(ids).size !== ids.length) {
      throw new Error(`Panes need one distinct gate number each: ${ids.length} for ${loops.length} loops.`);
    }
    this.advance = advance;
    this.lastNfe = loops.map(() => 1);
    this.totals = loops.map(() => ({ steps: 0, ms: 0 }));
  }

  get done(): boolean {
    return this.loops.every((loop) => loop.done);
  }

  /** Network calls made so far through the gate (0 without one). */
  get networkCalls(): number {
    return this.gate?.stats.calls ?? 0;
  }

  /** Steps taken through ticks, and the pane's network time share (or own time) over them. */
  paneStats(pane: number): { steps: number; nfe: number; ms: number; msPerStep: number } {
    const { steps, ms } = this.totals[pane];
    return { steps, nfe: this.loops[pane].nfeTotal, ms, msPerStep: steps > 0 ? ms / steps : 0 };
  }

  /** Which panes step in the next tick: for each, whether it should take (another) step. */
  private due(): ((loop: SamplingLoop<V>) => boolean)[] {
    const live = this.loops.map((loop) => !loop.done);
    if (this.advance === 't') {
      const next = this.loops.map((loop, p) => (live[p] ? nextTime(loop) : Number.NEGATIVE_INFINITY));
      const clock = Math.max(...next);
      // One step each for the panes whose next grid point is within half their step of the clock.
      return this.loops.map((loop, p) => {
        const half = (loop.settings.sde.timeOf(loop.sigma) - next[p]) / 2;
        let left = live[p] && next[p] >= clock - half - SAME_T ? 1 : 0;
        return () => left-- > 0;
      });
    }
    const behind = Math.min(...this.loops.filter((_, p) => live[p]).map((loop) => loop.nfeTotal));
    const laggards = this.loops.map((loop, p) => live[p] && loop.nfeTotal === behind);
    const target = behind + Math.max(...this.lastNfe.filter((_, p) => laggards[p]));
    return this.loops.map(() => (loop) => !loop.done && loop.nfeTotal < target);
  }

  /** Advances the panes that are due; a pane whose step fails reports its error and stays put. */
  async tick(): Promise<Tick<V>> {
    if (this.busy) throw new Error('A tick is already running: wait for it before ticking again.');
    if (this.done) return { panes: this.loops.map(() => ({ reports: [], ms: 0 })), calls: 0, networkMs: 0 };
    this.busy = true;
    try {
      const due = this.due();
      const { gate } = this;
      const before = gate?.stats;
      // Every pane enters before any starts: a pane's first request is made synchronously, and it
      // must wait for the others.
      this.ids.forEach((id) => gate?.enter(id));
      const panes = gate
        ? await Promise.all(this.loops.map((_, p) => this.runPane(p, due[p])))
        : await sequentially(this.loops.map((_, p) => () => this.runPane(p, due[p])));
      const after = gate?.stats;
      if (before && after) {
        panes.forEach((pane, p) => {
          const id = this.ids[p];
          pane.ms = (after.shareMs[id] ?? 0) - (before.shareMs[id] ?? 0);
        });
      }
      panes.forEach((pane, p) => {
        this.totals[p].steps += pane.reports.length;
        this.totals[p].ms += pane.ms;
        const last = pane.reports.at(-1);
        if (last && last.nfe > 0) this.lastNfe[p] = last.nfe;
      });
      return {
        panes,
        calls: before && after ? after.calls - before.calls : 0,
        networkMs: before && after ? after.ms - before.ms : 0,
      };
    } finally {
      this.busy = false;
    }
  }

  /** Ticks until every pane is done (or one fails: its error is thrown, naming the pane). */
  async run(onTick?: (tick: Tick<V>) => void): Promise<void> {
    while (!this.done) {
      const tick = await this.tick();
      const failed = tick.panes.findIndex((pane) => pane.error);
      if (failed >= 0) {
        const sampler = this.loops[failed].settings.sampler.id;
        throw new Error(`Pane ${failed + 1} (${sampler}): ${tick.panes[failed].error?.message}`);
      }
      onTick?.(tick);
    }
  }

  /** Steps pane p while `again` says so, then leaves the gate (which it entered in tick). */
  private async runPane(p: number, again: (loop: SamplingLoop<V>) => boolean): Promise<PaneTick<V>> {
    const loop = this.loops[p];
    const reports: StepReport<V>[] = [];
    const began = performance.now();
    try {
      while (again(loop)) reports.push(await loop.step());
      return { reports, ms: performance.now() - began };
    } catch (error) {
      return { reports, ms: performance.now() - began, error: error as Error };
    } finally {
      this.gate?.leave(this.ids[p]);
    }
  }
}

/** The diffusion time of a loop's next grid point on its own SDE (0 for the final denoising). */
function nextTime<V>(loop: SamplingLoop<V>): number {
  const sigma = loop.nextSigma();
  return sigma === null || sigma <= 0 ? 0 : loop.settings.sde.timeOf(sigma);
}

async function sequentially<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = [];
  for (const task of tasks) out.push(await task());
  return out;
}

/** Loops for the panes on any backend: `fieldFor` gives each pane its field. */
export function paneLoops<V>(
  options: PanesOptions,
  fieldFor: (pane: number) => Field<V>,
  denoiserFor: (spec: PaneSpec, pane: number) => Denoiser<V>,
): SamplingLoop<V>[] {
  const { seed, batch, denoiseFinal, noise, snapshotBudgetBytes } = options;
  return options.panes.map(
    (spec, p) =>
      new SamplingLoop(fieldFor(p), {
        denoiser: denoiserFor(spec, p),
        sde: spec.sde,
        schedule: spec.schedule,
        steps: spec.steps,
        grid: spec.grid,
        samplerId: spec.samplerId,
        params: spec.params,
        seed,
        batch,
        denoiseFinal,
        noise,
        snapshotBudgetBytes,
      }),
  );
}

/** Where CPU panes get x̂₀: one network shared through a gate, or a denoiser of their own. */
export type CpuPaneModel =
  { network: NetworkFn; card: ModelCard; classLabels?: number[] | number } | { denoiser: Denoiser };

/**
 * Panes on the CPU. With a network, each pane wraps it in its own NetworkDenoiser (its guidance
 * weight, the shared class labels) and the calls meet at one gate; with a denoiser (an exact
 * mixture), the panes share it and step one after another.
 */
export function cpuPanes(options: PanesOptions, model: CpuPaneModel): PaneBatch<Float32Array> {
  const field = (dim: number) => () => cpuField(options.batch, dim);
  if ('denoiser' in model) {
    const loops = paneLoops(options, field(model.denoiser.dim), () => model.denoiser);
    return new PaneBatch(loops, null, options.advance);
  }
  const { network, card, classLabels } = model;
  const dim = card.shape.reduce((a, b) => a * b, 1);
  const shared = networkGate(network, dim);
  const loops = paneLoops(
    options,
    field(dim),
    (spec, p) => new NetworkDenoiser(shared.forPane(p), card, { classLabels, guidance: spec.guidance }),
  );
  return new PaneBatch(loops, shared.gate, options.advance);
}

/** The step counts of a sweep (issue 14 §3). */
export const SWEEP_STEPS: readonly number[] = [10, 20, 50, 100, 200, 500, 1000];

/**
 * One pane per step count, otherwise alike: run together, the same seed's endpoints at each count
 * (with the Brownian path, an SDE sampler's endpoints converge as the grid refines). In lock-step
 * on t, nested grids share their network calls.
 */
export function sweepPanes(
  pane: Omit<PaneSpec, 'steps'>,
  counts: readonly number[] = SWEEP_STEPS,
): PaneSpec[] {
  return counts.map((steps) => ({ ...pane, steps }));
}
