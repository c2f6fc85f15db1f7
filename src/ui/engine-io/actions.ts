/**
 * Everything the user can do, as plain functions. Each one updates the store and sends the engine
 * an explicit command, never an effect that watches state.
 */
import { hasArrays } from '../../shared/frame-schedule';
import type { EngineEvent, EngineRequest, FrameEvent } from '../../engine/protocol';
import type { ParamValue, Params, SdeKind } from '../../core/types';
import {
  addNotice,
  dismissNotice,
  idleRun,
  setModelState,
  updateRun,
  updateSettings,
  type AppStore,
} from '../state/store';
import type { Settings, ViewOptions } from '../state/settings';
import { handleEngineEvent } from './engine-events';

export interface ActionDeps {
  send(request: EngineRequest): void;
  nextRunId(): number;
  /** Parameters to send for a sampler: registry defaults overlaid with what the user set. */
  samplerParams(samplerId: string, stored: Params | undefined): Params;
  /** Address of the models/ folder (the engine reads <id>.json and the network from there). */
  modelsUrl: string;
  /** Milliseconds, monotonic (performance.now in the page). */
  now(): number;
}

/** Settings that fix the σ grid or the initial noise: changing one starts a new run. */
export type RunDefiningSettings = Pick<
  Settings,
  'steps' | 'schedule' | 'seed' | 'batch' | 'classLabel' | 'guidance' | 'denoiseFinal'
>;

/** A readFrame waiting for its answer (a frame with `requested: true` of this run). */
export interface FrameRequest {
  runId: number;
  resolve(frame: FrameEvent): void;
  reject(error: Error): void;
}

/** A canvas the engine can draw into once it is handed over. */
export type ViewCanvas = Pick<HTMLCanvasElement, 'transferControlToOffscreen'>;

/** How long an export waits for the engine's readFrame answer. */
export const FRAME_REQUEST_TIMEOUT_MS = 20_000;

/** What the engine-event handler needs from the actions' private state. */
export interface ActionInternals {
  /** Step index of a seek whose frame has not arrived yet (that frame is not a branch). */
  seekPending: number | null;
  /** Autoplay flag of a run waiting for its model to load, or null when none waits. */
  pendingStart: boolean | null;
  lastFrameAt: number | null;
  /** readFrame requests not answered yet. */
  frameRequests: FrameRequest[];
  startRun(autoplay: boolean): void;
  loadModel(modelId: string, autoplay: boolean): void;
}

export type Actions = ReturnType<typeof createActions>;

export function createActions(store: AppStore, deps: ActionDeps) {
  const get = store.getState;
  const internals: ActionInternals = {
    seekPending: null,
    pendingStart: null,
    lastFrameAt: null,
    frameRequests: [],
    startRun,
    loadModel,
  };
  /** The canvases handed to the engine, and whether their release is pending (see releaseViews). */
  let attached: { x: ViewCanvas; denoised: ViewCanvas; releasing: boolean } | null = null;
  const runId = (): number | null => get().run.runId;
  const sendToRun = (make: (runId: number) => EngineRequest): void => {
    const id = runId();
    if (id !== null) deps.send(make(id));
  };
  const currentParams = (): Params => {
    const { samplerId, samplerParams } = get().settings;
    return deps.samplerParams(samplerId, samplerParams[samplerId]);
  };

  function startRun(autoplay: boolean): void {
    const s = get().settings;
    const model = get().models[s.modelId];
    const conditional = model?.state === 'ready' && model.summary.classes.length > 0;
    const id = deps.nextRunId();
    get().frameLog.clear();
    internals.seekPending = null;
    internals.lastFrameAt = null;
    for (const request of internals.frameRequests.splice(0)) {
      request.reject(
        new Error('A new run started before the frame arrived, so nothing was exported. Export again.'),
      );
    }
    updateRun(store, { ...idleRun, runId: id, status: autoplay ? 'playing' : 'paused', steps: s.steps });
    deps.send({
      type: 'start',
      runId: id,
      autoplay,
      model: s.modelId,
      sampler: s.samplerId,
      params: currentParams(),
      sde: { kind: s.sde },
      schedule: s.schedule,
      steps: s.steps,
      seed: s.seed,
      batch: s.batch,
      classLabel: conditional ? s.classLabel : null,
      guidance: conditional ? s.guidance : 0,
      denoiseFinal: s.denoiseFinal,
      stepsPerSecond: s.stepsPerSecond,
    });
  }

  function loadModel(modelId: string, autoplay: boolean): void {
    internals.pendingStart = autoplay;
    setModelState(store, modelId, { state: 'loading', loaded: 0, total: 0 });
    updateRun(store, { ...idleRun, status: 'loading' });
    deps.send({ type: 'loadModel', modelId, baseUrl: deps.modelsUrl });
  }

  /** Starts a run of the current model, loading it first when needed. */
  function startOrLoad(autoplay: boolean): void {
    const { modelId } = get().settings;
    const state = get().models[modelId]?.state;
    if (state === 'ready') startRun(autoplay);
    else if (state === 'loading') internals.pendingStart = autoplay;
    else if (state === undefined) loadModel(modelId, autoplay);
    // 'failed': the banner's Retry (or picking the model again) loads it.
  }

  const isPlaying = (): boolean => get().run.status === 'playing';

  /** Asks the engine for the current frame with its arrays. */
  function readFrame(): Promise<FrameEvent> {
    const id = runId();
    if (id === null) {
      return Promise.reject(new Error('There is no picture yet: press Play or Step first, then export.'));
    }
    return new Promise<FrameEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        internals.frameRequests = internals.frameRequests.filter((r) => r !== request);
        reject(
          new Error(
            `The engine did not send the current frame within ${FRAME_REQUEST_TIMEOUT_MS / 1000} s, ` +
              'so nothing was exported. Pause the run and export again.',
          ),
        );
      }, FRAME_REQUEST_TIMEOUT_MS);
      const request: FrameRequest = {
        runId: id,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      internals.frameRequests.push(request);
      deps.send({ type: 'readFrame', runId: id });
    });
  }

  function pause(): void {
    if (!isPlaying()) return;
    sendToRun((id) => ({ type: 'pause', runId: id }));
    updateRun(store, { status: 'paused' });
  }

  function seek(k: number): void {
    const { run } = get();
    if (run.runId === null) return;
    const target = Math.max(0, Math.min(Math.round(k), run.reached));
    if (isPlaying()) pause();
    internals.seekPending = target;
    deps.send({ type: 'seek', runId: run.runId, k: target });
    updateRun(store, { i: target, status: 'paused' });
  }

  /**
   * Mid-run, a sampler or SDE change is a live swap from the current step. At step 0 nothing has
   * been computed yet, so a fresh run starts instead: then the URL alone reproduces the pictures.
   */
  function swapOrRestart(swap: (runId: number) => EngineRequest): void {
    const { run } = get();
    if (run.runId !== null && run.i === 0 && run.status !== 'playing') startRun(false);
    else sendToRun(swap);
  }

  function play(): void {
    const { status } = get().run;
    if (status === 'playing') return;
    if (status === 'paused') {
      sendToRun((id) => ({ type: 'play', runId: id }));
      updateRun(store, { status: 'playing' });
    } else startOrLoad(true);
  }

  return {
    /** First call after the page loads: pick the backend and load the chosen model. */
    boot(): void {
      deps.send({ type: 'init', ep: 'auto' });
      startOrLoad(false);
    },
    selectModel(modelId: string): void {
      const wasPlaying = isPlaying();
      updateSettings(store, { modelId });
      updateRun(store, idleRun);
      if (get().models[modelId]?.state === 'failed') loadModel(modelId, wasPlaying);
      else startOrLoad(wasPlaying);
    },
    retryModel(modelId: string): void {
      for (const n of get().notices) if (n.retryModelId === modelId) dismissNotice(store, n.id);
      if (get().settings.modelId === modelId) loadModel(modelId, false);
      else deps.send({ type: 'loadModel', modelId, baseUrl: deps.modelsUrl });
    },
    play,
    pause,
    togglePlay(): void {
      if (isPlaying()) pause();
      else play();
    },
    step(): void {
      if (get().run.status === 'idle' || get().run.status === 'loading') return;
      if (isPlaying()) pause();
      sendToRun((id) => ({ type: 'step', runId: id }));
    },
    stepBack(): void {
      const { i } = get().run;
      if (i > 0) seek(i - 1);
    },
    seek,
    /** Back to step 0 with the same settings (a fresh run, paused). */
    reset(): void {
      startOrLoad(false);
    },
    /** Live swap: the trajectory continues from the current step with the new sampler. */
    setSampler(samplerId: string): void {
      updateSettings(store, { samplerId });
      swapOrRestart((id) => ({ type: 'setSampler', runId: id, sampler: samplerId, params: currentParams() }));
    },
    setSamplerParam(name: string, value: ParamValue): void {
      const { samplerId, samplerParams } = get().settings;
      const next = { ...samplerParams, [samplerId]: { ...samplerParams[samplerId], [name]: value } };
      updateSettings(store, { samplerParams: next });
      swapOrRestart((id) => ({ type: 'setSampler', runId: id, sampler: samplerId, params: currentParams() }));
    },
    /** Live swap of the forward process (a change of coordinates of the current state). */
    setSde(sde: SdeKind): void {
      updateSettings(store, { sde });
      swapOrRestart((id) => ({ type: 'setSde', runId: id, sde: { kind: sde } }));
    },
    setSpeed(stepsPerSecond: number): void {
      updateSettings(store, { stepsPerSecond });
      sendToRun((id) => ({ type: 'setSpeed', runId: id, stepsPerSecond }));
    },
    /** Grid, noise or conditioning changed: start over, playing if it was playing. */
    setRunSetting(patch: Partial<RunDefiningSettings>): void {
      const wasPlaying = isPlaying();
      updateSettings(store, patch);
      if (get().run.runId !== null || get().run.status === 'idle') startOrLoad(wasPlaying);
    },
    setView(patch: Partial<ViewOptions>): void {
      updateSettings(store, { view: { ...get().settings.view, ...patch } });
    },
    dismissNotice(id: number): void {
      dismissNotice(store, id);
    },
    notify: (notice: Parameters<typeof addNotice>[1]) => addNotice(store, notice),
    /**
     * The current frame with its x and x̂₀ arrays, for an export: the frame shown when it has them
     * and no rewind is on its way, else the engine's answer to readFrame (a frame the worker drew
     * may come without them; the answer comes after the rewind's).
     */
    currentFrame(): Promise<FrameEvent> {
      const { frame, i } = get().run;
      const settled = frame !== null && frame.i === i && internals.seekPending === null;
      return settled && hasArrays(frame) ? Promise.resolve(frame) : readFrame();
    },
    /**
     * Hands the x_t and x̂₀ canvases to the engine (transferControlToOffscreen), which draws every
     * image frame into them from then on; the page must never draw into them itself. Attaching the
     * pair that is already attached (React's StrictMode runs an effect twice) keeps it.
     */
    attachViews(x: ViewCanvas, denoised: ViewCanvas): void {
      if (attached !== null && attached.x === x && attached.denoised === denoised) {
        attached.releasing = false;
        return;
      }
      let request: EngineRequest;
      try {
        request = {
          type: 'attachViews',
          x: x.transferControlToOffscreen(),
          denoised: denoised.transferControlToOffscreen(),
        };
      } catch (error) {
        addNotice(store, {
          kind: 'error',
          title: 'The pictures cannot be shown',
          message:
            `The x_t and x̂₀ canvases could not be handed to the engine (${error instanceof Error ? error.message : String(error)}). ` +
            'Reload the page.',
        });
        return;
      }
      attached = { x, denoised, releasing: false };
      deps.send(request);
    },
    /**
     * The attached canvases are leaving the page: the engine lets go of them (detachViews), after
     * the current task, unless the same pair is attached again first (StrictMode's re-run).
     */
    releaseViews(x: ViewCanvas, denoised: ViewCanvas): void {
      const pair = attached;
      if (pair === null || pair.x !== x || pair.denoised !== denoised) return;
      pair.releasing = true;
      queueMicrotask(() => {
        if (attached !== pair || !pair.releasing) return;
        attached = null;
        deps.send({ type: 'detachViews' });
      });
    },
    handleEvent(event: EngineEvent): void {
      handleEngineEvent(store, internals, event, deps.now());
    },
  };
}
