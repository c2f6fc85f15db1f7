/**
 * The engine behind the worker: loads models, owns the current trajectory, and plays it one step
 * per frame — paced by steps per second, held back while the page has more than MAX_IN_FLIGHT
 * frames not yet acknowledged (the page acknowledges a frame once it has taken it in; see
 * src/ui/engine-io/worker-client.ts), stopped on a non-finite state. Messages about an older run are ignored.
 *
 * When the page has attached its x_t and x̂₀ canvases (attachViews) and the run is an image model
 * on WebGPU, the engine draws every frame into them itself (views.ts) and sends the arrays only
 * on the schedule of shared/frame-schedule.ts or when asked (readFrame).
 */
import { UnusableResumePoint } from '../core/resume';
import { asSigma, type Params, type SdeConfig } from '../core/types';
import type {
  EngineEvent,
  EngineRequest,
  EpPreference,
  FrameEvent,
  RunChange,
  RunReplay,
  ToolJob,
} from './protocol';
import { runToolJob } from './tool-jobs';
import { runSizeProblem } from '../core/memory-cap';
import type { LoadedModel } from './model';
import { loadModel, localModel, summarize } from './model';
import { WorkerTrajectory } from './worker-trajectory';
import { errorText } from './backend';
import { DownloadCancelled } from './fetch-model';
import { carriesArrays } from '../shared/frame-schedule';
import { ViewPainter, type AttachedViews } from './views';
import { nextTask, StepCancelled } from './next-task';
import { chosenExamples, forwardData } from './forward-data';
import { advanceCompare, CompareRun, playCompare, replayCompare, type ComparePlayer } from './compare-run';

/**
 * Refuses a run over the memory cap before anything is allocated (src/core/memory-cap.ts).
 * Guidance counts whenever the model has classes: a run may switch it on mid-run
 * (setConditioning) without restarting. Compare panes join one network call, so they count too.
 */
function refuseOversize(model: LoadedModel, batch: number, panes: number): void {
  const tooLarge = runSizeProblem({
    sampleElements: model.card.shape.reduce((a, b) => a * b, 1),
    batch,
    guided: (model.card.classes?.length ?? 0) > 0,
    panes,
  });
  if (tooLarge !== null) throw new Error(tooLarge);
}

/** Frames posted but not yet acknowledged before the play loop waits. */
export const MAX_IN_FLIGHT = 2;

type StartRequest = Extract<EngineRequest, { type: 'start' }>;
type StartCompareRequest = Extract<EngineRequest, { type: 'startCompare' }>;

interface Run {
  runId: number;
  /** What started it (faults, issue 16: the run is computed again from it on WASM after a device loss). */
  request: StartRequest;
  model: LoadedModel;
  trajectory: WorkerTrajectory;
  /** Draws this run's frames into the attached canvases (made on first use, per pair of canvases). */
  painter: ViewPainter | null;
  stepsPerSecond: number;
  playing: boolean;
  /** Indices of frames posted and not yet acknowledged. */
  unacked: number;
  wakeOnAck: (() => void) | null;
  /** The run was replaced or stopped: its step in flight stops at the next network call. */
  stopped: boolean;
  /** Counts Cancel step presses: a step queued or running before the latest one is abandoned. */
  cancels: number;
  /** A step of this run is running now. */
  stepping: boolean;
  /** The trajectory's recipe version the page last heard of (see `announceRecipe`). */
  recipeVersion: number;
}

/** A run not yet playing, painting or stepping (started, or computed again on another backend). */
function newRun(
  runId: number,
  request: StartRequest,
  stepsPerSecond: number,
  model: LoadedModel,
  trajectory: WorkerTrajectory,
): Run {
  return {
    runId,
    request,
    model,
    trajectory,
    painter: null,
    stepsPerSecond,
    playing: false,
    unacked: 0,
    wakeOnAck: null,
    stopped: false,
    cancels: 0,
    stepping: false,
    recipeVersion: 0,
  };
}

/** A model loaded (or loading) for a backend preference, and where its files are. */
interface ModelEntry {
  ep: EpPreference;
  loading: Promise<LoadedModel>;
  /** The loaded model, once it is (read when the GPU device is lost). */
  loaded?: LoadedModel;
  /** The models/ address it came from; null for a model the page defined. */
  baseUrl: string | null;
}

export class Engine {
  private ep: EpPreference = 'auto';
  /** Loaded (or loading) models by id, with the backend preference they were loaded for. */
  private readonly models = new Map<string, ModelEntry>();
  private run: Run | null = null;
  /** The comparison (compare mode, issue 14), when one is the current run instead. */
  private compare: CompareRun | null = null;
  /** The page's canvases, while attached. */
  private views: AttachedViews | null = null;
  /** Serialises everything that touches the trajectory, so a step never interleaves with a swap. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Tool jobs asked for and not finished (issue 13), with whether each was cancelled. */
  private readonly toolJobs = new Map<number, { cancelled: boolean }>();
  /** Downloads in progress by model id, for the page's Cancel. */
  private readonly downloads = new Map<string, AbortController>();
  /** WebGPU devices whose loss is watched (faults, issue 16). */
  private readonly watched = new WeakSet<GPUDevice>();
  private disposed = false;

  constructor(private readonly emit: (event: EngineEvent) => void) {}

  async init(ep: EpPreference): Promise<void> {
    this.ep = ep;
  }

  async loadModel(modelId: string, baseUrl: string): Promise<void> {
    const known = this.models.get(modelId);
    if (known && known.ep === this.ep) {
      const model = await known.loading;
      this.emit({ type: 'backend', ...model.backend });
      this.emit({ type: 'ready', modelId, model: summarize(model.card) });
      return;
    }
    const download = new AbortController();
    this.downloads.set(modelId, download);
    let model: LoadedModel;
    try {
      model = await this.register(
        modelId,
        baseUrl,
        loadModel(modelId, baseUrl, this.ep, this.emit, download.signal),
      );
    } catch (e) {
      if (e instanceof DownloadCancelled || download.signal.aborted) return; // the page asked for it
      throw e;
    } finally {
      if (this.downloads.get(modelId) === download) this.downloads.delete(modelId);
    }
    this.emit({ type: 'ready', modelId, model: summarize(model.card) });
  }

  /** The page's Cancel: the model's download stops, and the model is not loaded (it may be asked again). */
  async cancelLoad(modelId: string): Promise<void> {
    this.downloads.get(modelId)?.abort();
  }

  /** Keeps a model's loading under its id (a failed load is forgotten, so it may be retried). */
  private register(
    modelId: string,
    baseUrl: string | null,
    loading: Promise<LoadedModel>,
  ): Promise<LoadedModel> {
    const entry: ModelEntry = { ep: this.ep, loading, baseUrl };
    this.models.set(modelId, entry);
    loading.then(
      (model) => {
        entry.loaded = model;
        if (model.device) this.watchDevice(model.device);
      },
      () => {
        if (this.models.get(modelId) === entry) this.models.delete(modelId);
      },
    );
    return loading;
  }

  /**
   * Your own data (issue 15): a model the page defines (a drawn point set or an MLP card). It
   * replaces any model of that id; a run of the old one stops.
   */
  async defineModel(modelId: string, card: unknown, points: Float32Array | null): Promise<void> {
    const known = this.models.get(modelId);
    if (known && this.run && (await known.loading.catch(() => null)) === this.run.model) this.stopCurrent();
    const loading = Promise.resolve().then(() => localModel(card, points, this.emit));
    const model = await this.register(modelId, null, loading);
    this.emit({ type: 'ready', modelId, model: { ...summarize(model.card), id: modelId } });
  }

  async start(request: StartRequest): Promise<void> {
    const loading = this.models.get(request.model)?.loading;
    if (!loading) {
      throw new Error(
        `Model "${request.model}" is not loaded yet: choose it again to load it, then press play.`,
      );
    }
    const model = await loading;
    refuseOversize(model, request.batch, 1);
    this.stopCurrent();
    this.stopCompare();
    // The page may have heard of another model's backend since (it starts a loaded model without
    // asking to load it again): say where this run's model runs.
    this.emit({ type: 'backend', ...model.backend });
    const trajectory = WorkerTrajectory.create(model, request);
    const run = newRun(request.runId, request, request.stepsPerSecond, model, trajectory);
    this.run = run;
    const { replay } = request;
    await this.exclusive(async () => {
      let replayedFrom: number | undefined;
      if (replay !== undefined) {
        try {
          replayedFrom = await this.replayInto(run, replay);
        } catch (e) {
          if (run.stopped) return;
          throw new Error(
            `The run could not be computed again up to step ${replay.to} (${errorText(e)}). ` +
              'Press Reset to start it at step 0.',
          );
        }
      }
      if (this.run !== run) return;
      const { frame } = await this.frameOf(run, replay !== undefined);
      this.post(run, replayedFrom === undefined ? frame : { ...frame, replayedFrom });
    });
    if (request.autoplay) await this.play(request.runId);
  }

  /**
   * Computes a fresh run again up to `replay.to` (faults, issue 16): from the resume point given
   * when it is usable, else from step 0 (a point this run cannot take — another batch, a damaged
   * array — must not stop the replay). Returns the step it went on from.
   */
  private async replayInto(run: Run, replay: RunReplay): Promise<number> {
    const { trajectory, model } = run;
    const origin = () => forwardData(model, trajectory.batch, trajectory.seed);
    if (replay.from !== undefined) {
      try {
        return await trajectory.replay(replay.to, replay.recipe, origin, () => run.stopped, replay.from);
      } catch (e) {
        if (run.stopped || !(e instanceof UnusableResumePoint)) throw e;
        // Nothing was stepped yet: start the same trajectory afresh and go from step 0.
        run.trajectory.destroy();
        run.trajectory = WorkerTrajectory.create(model, run.request);
      }
    }
    return run.trajectory.replay(replay.to, replay.recipe, origin, () => run.stopped);
  }

  /**
   * A run resumed from a frame keeps only the steps from there on. A rewind before them computes
   * the run again from step 0 up to the furthest step it holds (the same branch, along its recipe),
   * then rewinds as usual: exact, and paid once.
   */
  private async recomputeFromStart(run: Run): Promise<void> {
    const old = run.trajectory;
    const fresh = WorkerTrajectory.create(run.model, run.request);
    try {
      await fresh.replay(
        old.furthestKept,
        old.recipe.snapshot(),
        () => forwardData(run.model, fresh.batch, fresh.seed),
        () => run.stopped,
      );
    } catch (e) {
      fresh.destroy();
      throw e;
    }
    fresh.conditioning = old.conditioning;
    run.trajectory = fresh;
    old.destroy();
  }

  async play(runId: number): Promise<void> {
    const compare = this.currentCompare(runId);
    if (compare) return this.playCompare(compare);
    const run = this.current(runId);
    if (!run || run.playing) return;
    if (run.trajectory.done) {
      this.emit({ type: 'paused', runId, reason: 'done', i: run.trajectory.i });
      return;
    }
    run.playing = true;
    run.unacked = 0; // a fresh start for back-pressure, whatever the page did not acknowledge before
    this.emit({ type: 'playing', runId });
    void this.playLoop(run);
  }

  async pause(runId: number): Promise<void> {
    const compare = this.currentCompare(runId);
    if (compare) {
      if (!compare.playing) return;
      compare.playing = false;
      compare.wakeOnAck?.();
      this.emit({ type: 'paused', runId, reason: 'user', i: compare.tick });
      return;
    }
    const run = this.current(runId);
    if (!run || !run.playing) return;
    run.playing = false;
    run.wakeOnAck?.();
    this.emit({ type: 'paused', runId, reason: 'user', i: run.trajectory.i });
  }

  async stepOnce(runId: number): Promise<void> {
    const compare = this.currentCompare(runId);
    if (compare) {
      if (compare.playing) await this.pause(runId);
      await advanceCompare(compare, this.comparePlayer);
      return;
    }
    const run = this.current(runId);
    if (!run) return;
    if (run.playing) await this.pause(runId);
    await this.advance(run);
  }

  async seek(runId: number, k: number): Promise<void> {
    const run = this.current(runId);
    if (!run) return;
    if (run.playing) await this.pause(runId);
    await this.exclusive(async () => {
      if (k < run.trajectory.earliestKept) {
        try {
          await this.recomputeFromStart(run);
        } catch (e) {
          if (run.stopped) return; // a new run replaced it meanwhile
          throw new Error(
            `Step ${k} could not be computed again (${errorText(e)}). Press Reset to start over.`,
          );
        }
      }
      if (this.run !== run) return;
      run.trajectory.seek(k);
      this.post(run, (await this.frameOf(run)).frame);
    });
  }

  async setSampler(runId: number, sampler: string, params: Params): Promise<void> {
    await this.swap(runId, { kind: 'sampler', sampler, params });
  }

  async setSde(runId: number, sde: SdeConfig): Promise<void> {
    await this.swap(runId, { kind: 'sde', sde });
  }

  async setConditioning(runId: number, classLabel: number | null, guidance: number): Promise<void> {
    await this.swap(runId, { kind: 'conditioning', classLabel, guidance });
  }

  /**
   * A live change between steps; the page hears of the run's new recipe. The run is looked up
   * when the change's turn comes: after a GPU device loss it is the run computed again on WASM.
   */
  private async swap(runId: number, change: RunChange): Promise<void> {
    if (!this.current(runId)) return;
    await this.exclusive(async () => {
      const run = this.current(runId);
      if (!run) return;
      run.trajectory.apply(change);
      this.announceRecipe(run);
    });
  }

  async setSpeed(runId: number, stepsPerSecond: number): Promise<void> {
    const compare = this.currentCompare(runId);
    if (compare) compare.stepsPerSecond = Math.max(0, stepsPerSecond);
    const run = this.current(runId);
    if (run) run.stepsPerSecond = Math.max(0, stepsPerSecond);
  }

  /** The page left this run: it stops, and its step in flight stops at the next network call. */
  async stop(runId: number): Promise<void> {
    if (this.current(runId)) this.stopCurrent();
    if (this.currentCompare(runId)) this.stopCompare();
  }

  /**
   * Cancel step: the step in flight is abandoned at its next network call, steps queued before now
   * never run, and the run pauses. `paused` (reason 'cancelled') answers once no step runs.
   */
  async cancelStep(runId: number): Promise<void> {
    const compare = this.currentCompare(runId);
    if (compare) {
      // A tick cannot stop between its panes' shared calls: it finishes and posts its frame, and
      // the comparison stays paused from now on.
      compare.playing = false;
      compare.wakeOnAck?.();
      this.emit({ type: 'paused', runId, reason: 'cancelled', i: compare.tick });
      return;
    }
    const run = this.current(runId);
    if (!run) return;
    run.cancels += 1;
    run.playing = false;
    run.wakeOnAck?.();
    if (!run.stepping) this.emit({ type: 'paused', runId, reason: 'cancelled', i: run.trajectory.i });
  }

  async frameAck(runId: number, _i: number): Promise<void> {
    const compare = this.currentCompare(runId);
    if (compare) {
      compare.unacked = Math.max(0, compare.unacked - 1);
      compare.wakeOnAck?.();
      return;
    }
    const run = this.current(runId);
    if (!run) return;
    run.unacked = Math.max(0, run.unacked - 1);
    run.wakeOnAck?.();
  }

  /**
   * The page's canvases: from now on image frames are drawn into them here. The current state is
   * drawn at once (the canvases are new and blank).
   */
  async attachViews(views: AttachedViews): Promise<void> {
    this.views = views;
    const run = this.run;
    if (!run) return;
    await this.exclusive(async () => {
      if (this.run !== run) return;
      const painter = this.painterFor(run);
      try {
        if (painter) await run.trajectory.draw(painter);
      } catch (e) {
        throw new Error(
          `Drawing step ${run.trajectory.i} into the page failed (${errorText(e)}). ` +
            'Press Step to draw the next one; reload the page if the pictures stay blank.',
        );
      }
    });
  }

  /** The canvases left the page: frames carry their arrays again, for the page to draw. */
  async detachViews(): Promise<void> {
    this.views = null;
    const run = this.run;
    // painterFor frees the painter of canvases no longer attached.
    if (run) await this.exclusive(async () => this.painterFor(run));
  }

  /** Answers with the current frame and its arrays (for an export); the run does not move. */
  async readFrame(runId: number): Promise<void> {
    const run = this.current(runId);
    if (!run) return;
    await this.exclusive(async () => {
      if (this.run !== run) return;
      const { frame } = await this.frameOf(run, true);
      this.post(run, { ...frame, requested: true });
    });
  }

  /**
   * The score of the run's model at `points` (scale-free, count × dim) and noise level σ, from one
   * batched call of its denoiser (unconditional): s = (D(x̃, σ) − x̃)/σ² (Tweedie). For the arrows
   * of a learned 2D model; between steps, like everything that runs the network.
   */
  async scoreField(runId: number, sigma: number, points: Float32Array): Promise<void> {
    const run = this.current(runId);
    if (!run) return;
    await this.exclusive(async () => {
      if (this.run !== run) return;
      let score = new Float32Array(0);
      try {
        const denoiser = run.model.denoiser(null, 1);
        if (points.length === 0 || points.length % denoiser.dim !== 0) {
          throw new Error(`points of ${denoiser.dim} values each are needed (got ${points.length} values)`);
        }
        const count = points.length / denoiser.dim;
        const denoised = await denoiser.denoise(points, asSigma(sigma), count);
        score = new Float32Array(points.length);
        for (let k = 0; k < points.length; k++) score[k] = (denoised[k] - points[k]) / (sigma * sigma);
      } catch (e) {
        // Arrows are an extra: the run goes on without them (an empty answer says so).
        console.warn(`The score field could not be computed: ${errorText(e)}`);
      }
      if (this.run === run) this.emit({ type: 'scoreField', runId, sigma, points, score });
    });
  }

  // ---- compare mode (issue 14) ----

  /** Starts a comparison (it replaces any run) at tick 0: every pane at the shared prior. */
  async startCompare(request: StartCompareRequest): Promise<void> {
    const loading = this.models.get(request.model)?.loading;
    if (!loading) {
      throw new Error(
        `Model "${request.model}" is not loaded yet: choose it again to load it, then press Compare.`,
      );
    }
    const model = await loading;
    refuseOversize(model, request.batch, request.panes.length);
    this.stopCurrent();
    this.stopCompare();
    this.emit({ type: 'backend', ...model.backend });
    const compare = CompareRun.create(model, request);
    this.compare = compare;
    const { replay } = request;
    await this.exclusive(async () => {
      if (replay !== undefined) {
        try {
          await replayCompare(compare, replay);
        } catch (e) {
          if (compare.stopped) return;
          throw new Error(
            `The comparison could not be ticked again up to tick ${replay.to} (${errorText(e)}). ` +
              'Press Reset to start it at tick 0.',
          );
        }
      }
      if (this.compare !== compare) return;
      compare.unacked += 1;
      const frame = await compare.frame();
      this.emit(replay === undefined ? frame : { ...frame, replayedFrom: 0 });
    });
    if (request.autoplay) await this.play(request.runId);
  }

  /** Lock-step on t or by NFE from the next tick on. */
  async setAdvance(runId: number, advance: 't' | 'nfe'): Promise<void> {
    const compare = this.currentCompare(runId);
    if (compare) await this.exclusive(async () => void (compare.advance = advance));
  }

  private currentCompare(runId: number): CompareRun | null {
    return this.compare && this.compare.runId === runId ? this.compare : null;
  }

  private readonly comparePlayer: ComparePlayer = {
    emit: (event) => this.emit(event),
    exclusive: (task) => this.exclusive(task),
    isCurrent: (run) => this.compare === run,
    waitUntil: (time) => waitUntil(time),
    maxInFlight: MAX_IN_FLIGHT,
  };

  private async playCompare(compare: CompareRun): Promise<void> {
    if (compare.playing) return;
    if (compare.done) {
      this.emit({ type: 'paused', runId: compare.runId, reason: 'done', i: compare.tick });
      return;
    }
    compare.playing = true;
    compare.unacked = 0;
    this.emit({ type: 'playing', runId: compare.runId });
    void playCompare(compare, this.comparePlayer);
  }

  private stopCompare(): void {
    const compare = this.compare;
    if (!compare) return;
    compare.playing = false;
    compare.stopped = true;
    compare.wakeOnAck?.();
    this.compare = null;
    void this.exclusive(async () => compare.destroy());
  }

  /**
   * Controllable generation (issue 13): a tool job with the run's model and settings, between
   * steps like everything that runs the network; progress per network call, and a Cancel that
   * stops it at the next one (or a new run, which stops the job of the old).
   */
  async toolJob(runId: number, jobId: number, job: ToolJob): Promise<void> {
    const run = this.current(runId);
    const state = { cancelled: false };
    this.toolJobs.set(jobId, state);
    const done = (result: EngineEvent) => {
      this.toolJobs.delete(jobId);
      this.emit(result);
    };
    if (!run) {
      done({ type: 'toolDone', jobId, result: null, cancelled: true, error: null });
      return;
    }
    if (run.playing) await this.pause(runId);
    await this.exclusive(async () => {
      const cancelled = () => state.cancelled || run.stopped || this.run !== run;
      try {
        const result = await runToolJob(
          {
            model: run.model,
            settings: run.trajectory.settings,
            ...run.trajectory.conditioning,
            onGpu: run.trajectory.onGpu,
          },
          job,
          (fraction, nfe) => this.emit({ type: 'toolProgress', jobId, fraction, nfe }),
          cancelled,
        );
        done({ type: 'toolDone', jobId, result, cancelled: false, error: null });
      } catch (e) {
        const stopped = e instanceof StepCancelled;
        done({
          type: 'toolDone',
          jobId,
          result: null,
          cancelled: stopped,
          error: stopped ? null : errorText(e),
        });
      }
    });
  }

  // ---- Forward process (issue 12) ----

  /**
   * The forward process at time t from real data (forward-data.ts) along the run's SDE and seed,
   * posted as a frame with `forward` set (its arrays always come: the page measures them). The run
   * pauses; its reverse trajectory stays as it was (a seek shows it again).
   */
  async forward(runId: number, t: number): Promise<void> {
    const run = this.current(runId);
    if (!run) return;
    if (run.playing) await this.pause(runId);
    await this.exclusive(async () => {
      if (this.run !== run) return;
      try {
        const origin = await forwardData(run.model, run.trajectory.batch, run.trajectory.seed);
        if (this.run !== run) return;
        await run.trajectory.showForward(origin, t);
        const { frame } = await this.frameOf(run, true);
        this.emit({ ...frame, forward: { t, origin } });
      } catch (e) {
        if (this.run !== run) return;
        this.emit({
          type: 'error',
          scope: 'forward',
          runId,
          message: `The forward process at t = ${t.toFixed(2)} could not be shown: ${errorText(e)}`,
          recoverable: true,
        });
      }
    });
  }

  /**
   * Real examples of a loaded image model (issue 13, `src=example:k`): answered by an `examples`
   * event, with `error` set when the model has none or the file fails its check.
   */
  async examples(requestId: number, modelId: string, indices: number[]): Promise<void> {
    const answer = { type: 'examples' as const, requestId, modelId, indices };
    try {
      const loading = this.models.get(modelId)?.loading;
      if (!loading)
        throw new Error(`Model "${modelId}" is not loaded yet: choose it again, then pick the example.`);
      const model = await loading;
      if (model.card.task !== 'image') {
        throw new Error(
          `Model "${modelId}" is a 2D model: its tools start from points, not real example images.`,
        );
      }
      const { images, count, heldOut } = await chosenExamples(model, indices);
      this.emit({ ...answer, images, count, heldOut, error: null });
    } catch (e) {
      this.emit({ ...answer, images: new Float32Array(0), count: 0, heldOut: false, error: errorText(e) });
    }
  }

  async cancelToolJob(jobId: number): Promise<void> {
    const state = this.toolJobs.get(jobId);
    if (state) state.cancelled = true;
  }

  /**
   * "Reverse from here": the reverse process starts from the forward x_t shown, at its σ, and
   * its frame 0 is posted (a new branch of the run; the old steps are dropped).
   */
  async reverseFromHere(runId: number, autoplay: boolean): Promise<void> {
    const run = this.current(runId);
    if (!run) return;
    if (run.playing) await this.pause(runId);
    const started = await this.exclusive(async () => {
      if (this.run !== run) return false;
      try {
        run.trajectory.reverseFromForward();
      } catch (e) {
        this.emit({ type: 'error', scope: 'forward', runId, message: errorText(e), recoverable: true });
        return false;
      }
      this.post(run, (await this.frameOf(run)).frame);
      return true;
    });
    if (started && autoplay) await this.play(runId);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.views = null;
    this.stopCurrent();
    this.stopCompare();
    const loaded = await Promise.allSettled([...this.models.values()].map((m) => m.loading));
    this.models.clear();
    for (const result of loaded) if (result.status === 'fulfilled') await result.value.release();
  }

  /** The run with this id, or null when the id is stale (its messages are then ignored). */
  private current(runId: number): Run | null {
    return this.run && this.run.runId === runId ? this.run : null;
  }

  private stopCurrent(): void {
    const run = this.run;
    if (!run) return;
    run.playing = false;
    run.stopped = true;
    run.wakeOnAck?.();
    this.run = null;
    // After anything queued on it (a step in flight) has finished.
    void this.exclusive(async () => {
      run.painter?.destroy();
      run.painter = null;
      run.trajectory.destroy();
    });
  }

  /**
   * The painter for the attached canvases, or null when frames are not drawn here: no canvases,
   * a 2D model, or no WebGPU device (WASM). Only call it inside exclusive(): it frees a painter
   * of canvases no longer attached, which no other task may be drawing with.
   */
  private painterFor(run: Run): ViewPainter | null {
    const { views } = this;
    const { card, device } = run.model;
    if (run.painter && run.painter.views !== views) {
      run.painter.destroy();
      run.painter = null;
    }
    if (!views || card.task !== 'image' || !device) return null;
    if (!run.painter) {
      try {
        run.painter = new ViewPainter(device, views, run.trajectory.batch, card);
      } catch (e) {
        // The canvases cannot be drawn here: give them up so frames carry arrays again.
        this.views = null;
        this.emit({
          type: 'error',
          scope: 'run',
          runId: run.runId,
          message:
            `The x_t and x̂₀ pictures cannot be drawn on the GPU (${errorText(e)}), so they stop ` +
            'updating. Reload the page; if this comes back, choose a smaller batch.',
          recoverable: true,
        });
        return null;
      }
    }
    return run.painter;
  }

  /**
   * The run's current frame: drawn into the attached canvases when there are any, with its arrays
   * when it is not drawn, on the schedule (shared/frame-schedule.ts), or when `arrays` asks.
   */
  private frameOf(run: Run, arrays = false): ReturnType<WorkerTrajectory['frame']> {
    const sink = this.painterFor(run);
    const t = run.trajectory;
    return t.frame(run.runId, { sink, arrays: arrays || carriesArrays(t.i, t.totalSteps, t.done) });
  }

  private async playLoop(run: Run): Promise<void> {
    // When the next step is due. Paced by the clock rather than by the end of the last step, so a
    // timer that fires a little late does not slow the run below the chosen speed; after a stall
    // (a slow step, a wait for the page) the schedule starts again from now instead of bursting.
    let due = performance.now();
    while (run.playing && this.run === run) {
      await this.waitForAcks(run);
      if (!run.playing || this.run !== run) return;
      const ok = await this.advance(run);
      if (!ok || run.trajectory.done) {
        if (run.playing && ok)
          this.emit({ type: 'paused', runId: run.runId, reason: 'done', i: run.trajectory.i });
        run.playing = false;
        return;
      }
      const interval = run.stepsPerSecond > 0 ? 1000 / run.stepsPerSecond : 0;
      due = Math.max(due + interval, performance.now());
      await waitUntil(due);
    }
  }

  /**
   * One step; posts its frame, or pauses with an error on failure. Returns whether it stepped. A
   * step queued before a Cancel step, or for a run that was since stopped, never runs.
   */
  private async advance(run: Run): Promise<boolean> {
    const cancels = run.cancels;
    const cancelled = (): boolean => run.stopped || run.cancels !== cancels;
    return this.exclusive(async () => {
      if (this.run !== run || run.trajectory.done || cancelled()) return false;
      // Let messages that came during the last step in (a stop, a cancel) before the next begins.
      await nextTask();
      if (this.run !== run || cancelled()) return false;
      let frame: FrameEvent;
      let finite: boolean;
      this.emit({ type: 'stepStarted', runId: run.runId, i: run.trajectory.i + 1 });
      run.stepping = true;
      try {
        await run.trajectory.step(cancelled);
        ({ frame, finite } = await this.frameOf(run));
      } catch (e) {
        if (this.run !== run) return false; // replaced (a lost GPU device): the new run says why
        if (e instanceof StepCancelled) {
          run.playing = false;
          if (this.run === run)
            this.emit({ type: 'paused', runId: run.runId, reason: 'cancelled', i: run.trajectory.i });
          return false;
        }
        this.halt(run, 'error', `Step ${run.trajectory.i + 1} failed: ${errorText(e)}`);
        return false;
      } finally {
        run.stepping = false;
      }
      // Replaced meanwhile (the GPU device was lost and the run is computed again on WASM).
      if (this.run !== run) return false;
      if (!finite) {
        run.trajectory.seek(frame.i - 1);
        this.halt(run, 'nonfinite', nonFiniteMessage(frame, run.trajectory.samplerId));
        return false;
      }
      this.post(run, frame);
      // Cancelled during its last network call: the step is done, the run stays paused.
      if (cancelled()) {
        if (this.run === run)
          this.emit({ type: 'paused', runId: run.runId, reason: 'cancelled', i: run.trajectory.i });
        return false;
      }
      return true;
    });
  }

  private halt(run: Run, reason: 'error' | 'nonfinite', message: string): void {
    run.playing = false;
    this.emit({ type: 'error', scope: 'run', runId: run.runId, message, recoverable: true });
    this.emit({ type: 'paused', runId: run.runId, reason, i: run.trajectory.i });
  }

  private post(run: Run, frame: FrameEvent): void {
    this.announceRecipe(run);
    run.unacked += 1;
    this.emit(frame);
  }

  /** Tells the page the run's replay recipe when it changed (the page keeps it for a crash). */
  private announceRecipe(run: Run): void {
    const { recipe } = run.trajectory;
    if (recipe.version === run.recipeVersion) return;
    run.recipeVersion = recipe.version;
    this.emit({ type: 'recipe', runId: run.runId, recipe: recipe.snapshot() });
  }

  // ---- faults (issue 16): a lost WebGPU device ----

  private watchDevice(device: GPUDevice): void {
    if (this.watched.has(device)) return;
    this.watched.add(device);
    void device.lost.then((info) => {
      if (this.disposed) return;
      const reason =
        info.message || (info.reason === 'destroyed' ? 'the device was destroyed' : 'no reason given');
      this.onDeviceLost(device, reason).catch((e: unknown) =>
        this.emit({
          type: 'error',
          scope: 'backend',
          message:
            `The GPU device was lost (${reason}) and the run could not be moved to WASM (${errorText(e)}). ` +
            'Reload the page.',
          recoverable: true,
        }),
      );
    });
  }

  /**
   * The GPU device is gone, and with it every buffer of a GPU-resident run: nothing on it can be
   * read back. Models on it are forgotten and WASM is used from now on. The run on it is stopped
   * and the page told (`lostRun`): it holds the run's recent frames with their resume data, so it
   * loads the model again (on WASM now) and starts the run again from the last of them, along the
   * recipe — the honest way to continue. A step in flight is not waited for (it may never finish on
   * a lost device).
   */
  private async onDeviceLost(device: GPUDevice, reason: string): Promise<void> {
    this.ep = 'wasm';
    const unloaded: string[] = [];
    for (const [id, entry] of [...this.models]) {
      if (entry.loaded?.device !== device) continue;
      this.models.delete(id);
      unloaded.push(id);
    }
    if (this.compare !== null && this.compare.onGpu) {
      const lostRun = this.compare.runId;
      this.queue = Promise.resolve(); // its tick in flight may never settle
      this.stopCompare();
      this.emit({ type: 'deviceLost', reason, unloaded, lostRun });
      return;
    }
    const old = this.run;
    if (old === null || old.model.device !== device) {
      this.emit({ type: 'deviceLost', reason, unloaded, lostRun: null });
      return;
    }
    old.playing = false;
    old.stopped = true;
    old.wakeOnAck?.();
    // A step in flight on the lost device may never settle: later tasks do not wait for it.
    this.queue = Promise.resolve();
    this.run = null;
    try {
      old.painter?.destroy();
      old.trajectory.destroy();
    } catch {
      // Its buffers went with the device.
    }
    this.emit({ type: 'deviceLost', reason, unloaded, lostRun: old.runId });
  }

  private async waitForAcks(run: Run): Promise<void> {
    while (run.unacked >= MAX_IN_FLIGHT && run.playing && this.run === run) {
      await new Promise<void>((resolve) => (run.wakeOnAck = resolve));
      run.wakeOnAck = null;
    }
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function nonFiniteMessage(frame: FrameEvent, samplerId: string): string {
  return (
    `Step ${frame.i} (σ = ${frame.sigma.toPrecision(3)}) produced NaN or infinite values with sampler "${samplerId}". ` +
    `The run is paused at step ${frame.i - 1}: change the setting that made the step too large ` +
    '(a smaller corrector SNR or step size, more steps, another sampler) and press play, or rewind further.'
  );
}

/**
 * Resolves at `time` (performance.now()), after letting queued messages (pause, acks, swaps) in.
 * With nothing to wait for it yields through a MessageChannel, not setTimeout(0): a timer set
 * from a timer's task is clamped to 4 ms once such timers nest five deep, which would cap a run
 * whose steps take no time (an exact mixture) at 250 steps/s.
 */
function waitUntil(time: number): Promise<void> {
  const ms = time - performance.now();
  if (ms >= 1) return new Promise((resolve) => setTimeout(resolve, ms));
  return nextTask();
}
