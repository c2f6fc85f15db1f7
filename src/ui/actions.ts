/**
 * Everything the user can do, as plain functions. Each one updates the store and sends the engine
 * an explicit command (DESIGN rule 2: never an effect that watches state).
 */
import type { EngineEvent, EngineRequest } from '../engine/protocol';
import type { ParamValue, Params, SdeKind } from '../core/types';
import {
  addNotice,
  dismissNotice,
  idleRun,
  setModelState,
  updateRun,
  updateSettings,
  type AppStore,
} from './store';
import type { Settings, ViewOptions } from './settings';
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

/** What the engine-event handler needs from the actions' private state. */
export interface ActionInternals {
  /** Step index of a seek whose frame has not arrived yet (that frame is not a branch). */
  seekPending: number | null;
  /** Autoplay flag of a run waiting for its model to load, or null when none waits. */
  pendingStart: boolean | null;
  lastFrameAt: number | null;
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
    startRun,
    loadModel,
  };
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
    handleEvent(event: EngineEvent): void {
      handleEngineEvent(store, internals, event, deps.now());
    },
  };
}
