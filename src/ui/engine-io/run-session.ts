/**
 * What the actions and the engine-event handling (engine-events.ts) share: the store, the door to
 * the engine, and what only the page's side of the conversation knows about the current run — a
 * seek on its way, a run waiting for its model, when the recent steps came, exports waiting for a
 * frame. Every action module and the event handler take a RunSession; none of them keeps state of
 * its own about the run.
 */
import type { ResumePoint } from '../../core/resume';
import type { Params } from '../../core/types';
import type { CompareAdvance, EngineRequest, FrameEvent, RunRecipe } from '../../engine/protocol';
import type { AppStore } from '../state/store';

export interface ActionDeps {
  send(request: EngineRequest): void;
  nextRunId(): number;
  /** Parameters to send for a sampler: registry defaults overlaid with what the user set. */
  samplerParams(samplerId: string, stored: Params | undefined): Params;
  /** Address of the models/ folder (the engine reads <id>.json and the network from there). */
  modelsUrl: string;
  /** Milliseconds, monotonic (performance.now in the page). */
  now(): number;
  /**
   * Stops the engine worker at once (even inside a network call) and starts a fresh one, which has
   * no model loaded and no run.
   */
  restartEngine(): void;
}

export type StartRequest = Extract<EngineRequest, { type: 'start' }>;

/**
 * A run to compute again in a fresh worker (faults, issue 16): its start request, the step the
 * page showed, the recipe of live changes, whether it was playing, and why the worker stopped.
 */
export interface QueuedReplay {
  kind: 'run';
  start: StartRequest;
  to: number;
  recipe: RunRecipe;
  /** The last frame the page holds with its resume data at or before `to` (null: from step 0). */
  from: ResumePoint | null;
  playing: boolean;
  /** What stopped the run: the worker crashed (its words), or the GPU device was lost (the browser's). */
  cause: ReplayCause;
}

export type ReplayCause = { kind: 'crash'; what: string } | { kind: 'deviceLost'; reason: string };

export type StartCompareRequest = Extract<EngineRequest, { type: 'startCompare' }>;

/** A comparison to tick again in a fresh worker (faults, issue 16): its start and the tick shown. */
export interface QueuedCompareReplay {
  kind: 'compare';
  start: StartCompareRequest;
  to: number;
  advances: { tick: number; advance: CompareAdvance }[];
  playing: boolean;
  cause: ReplayCause;
}

/** A readFrame waiting for its answer (a frame with `requested: true` of this run). */
export interface FrameRequest {
  runId: number;
  resolve(frame: FrameEvent): void;
  reject(error: Error): void;
}

/** The measured steps/s counts the steps of about the last second. */
const RATE_WINDOW_MS = 1000;

export class RunSession {
  /** Step index of a seek whose frame has not arrived yet (that frame is not a branch). */
  private seekPending: number | null = null;
  /** Autoplay flag of a run waiting for its model to load, or null when none waits. */
  private queuedStart: boolean | null = null;
  /** When the recent steps of a playing run arrived (deps.now), oldest first. */
  private arrivals: number[] = [];
  /** A learned score field asked of the engine and not answered yet (score-field.ts). */
  scoreAsked: { runId: number; sigma: number; scale: number } | null = null;
  /** The next run is a step sweep (issue 14) of the current settings, until it is closed. */
  sweep = false;
  /** readFrame requests not answered yet. */
  private frameRequests: FrameRequest[] = [];
  /** The `start` request of the current single run (null for a comparison or no run). */
  startSent: StartRequest | null = null;
  /** The `startCompare` request of the current comparison (null for a single run or no run). */
  compareSent: StartCompareRequest | null = null;
  /** The comparison's advance-mode changes, each in force from its tick on (for a replay). */
  compareAdvances: { tick: number; advance: CompareAdvance }[] = [];
  /** The current run's replay recipe, as the engine last announced it (null: no live change yet). */
  recipe: RunRecipe | null = null;
  /** A run to compute again once its model is loaded in a fresh worker. */
  private queuedReplay: QueuedReplay | QueuedCompareReplay | null = null;
  /** The model chosen before the current one (a cancelled download goes back to it). */
  previousModel: string | null = null;
  /** Models whose download the page cancelled: their late progress events are ignored. */
  readonly cancelledLoads = new Set<string>();
  /** A replayed run whose first frame should say so: its runId and why the worker stopped. */
  replayNotice: { runId: number; cause: ReplayCause; playing: boolean } | null = null;
  /**
   * The step a replayed run went on from (a held frame's, above 0): the engine keeps only the
   * steps from there on, so a rewind before it computes the run again from step 0, once.
   */
  resumedFrom: number | null = null;

  constructor(
    readonly store: AppStore,
    readonly deps: ActionDeps,
  ) {}

  get isPlaying(): boolean {
    return this.store.getState().run.status === 'playing';
  }

  /** Sends a request about the current run; nothing when there is no run. */
  sendToRun(make: (runId: number) => EngineRequest): void {
    const id = this.store.getState().run.runId;
    if (id !== null) this.deps.send(make(id));
  }

  /** A new run: the old one's seek and frame time are forgotten, its waiting readFrames fail. */
  beginRun(): void {
    this.seekPending = null;
    this.arrivals = [];
    this.scoreAsked = null;
    this.startSent = null;
    this.compareSent = null;
    this.compareAdvances = [];
    this.recipe = null;
    this.replayNotice = null;
    this.resumedFrom = null;
    this.store.setState({ learnedScore: null });
    for (const request of this.frameRequests.splice(0)) {
      request.reject(
        new Error('A new run started before the frame arrived, so nothing was exported. Export again.'),
      );
    }
  }

  /** The engine was asked to rewind to step k. */
  seekSent(k: number): void {
    this.seekPending = k;
  }

  /** True when no seek is waiting for its frame. */
  get seekSettled(): boolean {
    return this.seekPending === null;
  }

  /** True, once, for the frame at step i that answers the seek on its way. */
  takeSeekAnswer(i: number): boolean {
    if (this.seekPending !== i) return false;
    this.seekPending = null;
    return true;
  }

  /** A run should be computed again once the current model is ready (it replaces a queued start). */
  queueReplay(replay: QueuedReplay | QueuedCompareReplay): void {
    this.queuedReplay = replay;
  }

  /** The queued replay, or null; the queue is emptied. */
  takeQueuedReplay(): QueuedReplay | QueuedCompareReplay | null {
    const replay = this.queuedReplay;
    this.queuedReplay = null;
    return replay;
  }

  /** A run should start (playing when `autoplay`) once the current model is ready. */
  queueStart(autoplay: boolean): void {
    this.queuedStart = autoplay;
  }

  /** The queued start's autoplay flag, or null when none waits (the queue is kept). */
  get queuedAutoplay(): boolean | null {
    return this.queuedStart;
  }

  /** The queued start's autoplay flag, or null when none waits; the queue is emptied. */
  takeQueuedStart(): boolean | null {
    const autoplay = this.queuedStart;
    this.queuedStart = null;
    return autoplay;
  }

  /**
   * Notes a frame's arrival at `now`; when it is a step of a playing run (`counted`), returns the
   * measured steps/s: the steps that arrived in about the last second over the time they took
   * (at least the last two). Counting steps, not averaging per-step rates: at 120 steps/s on a
   * 60 Hz page frames often arrive two in one task and then 16 ms later, and the mean of 1000/1
   * and 1000/16 is ~530. Any other frame (a seek, a step while paused) starts the count afresh.
   */
  stepArrived(now: number, counted: boolean): number | null {
    if (!counted) {
      this.arrivals = [now];
      return null;
    }
    const arrivals = this.arrivals;
    arrivals.push(now);
    while (arrivals.length > 2 && now - arrivals[1] >= RATE_WINDOW_MS) arrivals.shift();
    const span = now - arrivals[0];
    return arrivals.length >= 2 && span > 0 ? ((arrivals.length - 1) * 1000) / span : null;
  }

  addFrameRequest(request: FrameRequest): void {
    this.frameRequests.push(request);
  }

  removeFrameRequest(request: FrameRequest): void {
    this.frameRequests = this.frameRequests.filter((r) => r !== request);
  }

  /** Resolves every readFrame of the frame's run with it. */
  answerFrameRequests(frame: FrameEvent): void {
    const answered = this.frameRequests.filter((r) => r.runId === frame.runId);
    this.frameRequests = this.frameRequests.filter((r) => r.runId !== frame.runId);
    for (const request of answered) request.resolve(frame);
  }
}
