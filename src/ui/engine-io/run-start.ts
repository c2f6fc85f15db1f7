/**
 * Starting a run of the current settings, and loading the model it needs first. The actions and
 * the engine-event handling (a model became ready, the worker restarted) both start runs here.
 */
import { compareBatch, emptyCompareView, sweepPanes, type ComparePane } from '../state/compare';
import type { Params } from '../../core/types';
import { idleRun, setModelState, updateRun, type AppState } from '../state/store';
import { toolStart } from '../state/tool-start';
import type {
  QueuedCompareReplay,
  QueuedReplay,
  RunSession,
  StartCompareRequest,
  StartRequest,
} from './run-session';
import { localDefinition } from './local-models';
import { watchEngine } from './stale-step';

/** The current sampler's parameters as the engine gets them (registry defaults under the user's). */
export function currentSamplerParams(session: RunSession): Params {
  const { samplerId, samplerParams } = session.store.getState().settings;
  return session.deps.samplerParams(samplerId, samplerParams[samplerId]);
}

/** The class and guidance the engine gets: conditioning only for a model that has classes. */
export function currentConditioning(session: RunSession): { classLabel: number | null; guidance: number } {
  const { settings: s, models } = session.store.getState();
  const model = models[s.modelId];
  const conditional = model?.state === 'ready' && model.summary.classes.length > 0;
  return { classLabel: conditional ? s.classLabel : null, guidance: conditional ? s.guidance : 0 };
}

/** The values of one sample of the current model, or 0 when it is not ready. */
export function modelDim(state: AppState): number {
  const model = state.models[state.settings.modelId];
  return model?.state === 'ready' ? model.summary.shape.reduce((a, b) => a * b, 1) : 0;
}

/** The `start` request for the current settings. */
function startRequest(session: RunSession, runId: number, autoplay: boolean): StartRequest {
  const state = session.store.getState();
  const { settings: s } = state;
  // Controllable generation (issue 13): an open tool's start goes with every run.
  const from = toolStart(s, state.toolData, modelDim(state));
  return {
    type: 'start',
    runId,
    autoplay,
    model: s.modelId,
    sampler: s.samplerId,
    params: currentSamplerParams(session),
    sde: { kind: s.sde },
    schedule: s.schedule,
    steps: s.steps,
    seed: s.seed,
    batch: s.batch,
    ...currentConditioning(session),
    denoiseFinal: s.denoiseFinal,
    noise: s.noise,
    stepsPerSecond: s.stepsPerSecond,
    ...(from ? { from } : {}),
  };
}

// ---- compare mode (issue 14) ----

/** The panes a new run compares: the step sweep's, compare mode's, or none (a single run). */
function panesToRun(session: RunSession): { panes: readonly ComparePane[]; sweep: boolean } | null {
  const { settings } = session.store.getState();
  if (session.sweep) return { panes: sweepPanes(settings), sweep: true };
  return settings.compare === null ? null : { panes: settings.compare, sweep: false };
}

/** Whether the current model is an exact mixture (the error plot's case). */
export function currentIsExactMixture(session: RunSession): boolean {
  const { settings, catalogue } = session.store.getState();
  const entry = catalogue.find((m) => m.id === settings.modelId);
  return entry !== undefined && entry.task === 'points' && entry.card.analytic !== undefined;
}

/** The `startCompare` request: the shared settings, one entry per pane. */
function startCompareRequest(
  session: RunSession,
  runId: number,
  autoplay: boolean,
  panes: readonly ComparePane[],
  sweep: boolean,
): StartCompareRequest {
  const { settings: s } = session.store.getState();
  const { classLabel } = currentConditioning(session);
  const exact = currentIsExactMixture(session);
  return {
    type: 'startCompare',
    runId,
    autoplay,
    model: s.modelId,
    seed: s.seed,
    // The sweep keeps the chosen batch: its overlay follows each seed's particles across step counts.
    batch: sweep ? s.batch : compareBatch(s.batch, exact),
    classLabel,
    denoiseFinal: s.denoiseFinal,
    noise: s.noise,
    stepsPerSecond: s.stepsPerSecond,
    advance: s.advance,
    // The sweep shows its panes overlaid, without the plot.
    errorPlot: exact && !sweep,
    panes: panes.map((pane) => ({
      sampler: pane.samplerId,
      params: session.deps.samplerParams(pane.samplerId, s.samplerParams[pane.samplerId]),
      sde: { kind: pane.sde },
      schedule: pane.schedule,
      steps: pane.steps,
      guidance: pane.guidance,
    })),
  };
}

/** Starts a fresh run of the current (ready) model at step 0, playing or paused. */
export function startRun(session: RunSession, autoplay: boolean): void {
  const { store, deps } = session;
  const { steps } = store.getState().settings;
  const id = deps.nextRunId();
  store.getState().frameLog.clear();
  session.beginRun();
  const compare = panesToRun(session);
  const status = autoplay ? 'playing' : 'paused';
  if (compare !== null) {
    const most = Math.max(...compare.panes.map((p) => p.steps));
    updateRun(store, {
      ...idleRun,
      runId: id,
      status,
      steps: most,
      compare: emptyCompareView(compare.sweep),
    });
    const request = startCompareRequest(session, id, autoplay, compare.panes, compare.sweep);
    session.compareSent = request;
    deps.send(request);
    watchEngine(session, { kind: 'run', runId: id });
    return;
  }
  updateRun(store, { ...idleRun, runId: id, status, steps });
  const request = startRequest(session, id, autoplay);
  session.startSent = request;
  deps.send(request);
  watchEngine(session, { kind: 'run', runId: id });
}

/**
 * Faults (issue 16): the run a crashed worker held, computed again in the fresh one — same start,
 * same live changes before the same steps, up to the step the page showed — then paused or playing
 * as it was. The page keeps its frames and the step it shows meanwhile; the first frame of the new
 * run (at that step) says it was replayed.
 */
export function startReplay(session: RunSession, replay: QueuedReplay | QueuedCompareReplay): void {
  const { store, deps } = session;
  const id = deps.nextRunId();
  session.beginRun();
  const autoplay = replay.playing;
  const stepsPerSecond = store.getState().settings.stepsPerSecond;
  if (replay.kind === 'compare') {
    const start: StartCompareRequest = { ...replay.start, runId: id, autoplay, stepsPerSecond };
    // A crash during the replay ticks the same again.
    session.compareSent = start;
    session.compareAdvances = replay.advances;
    deps.send({ ...start, replay: { to: replay.to, advances: replay.advances } });
  } else {
    const request: StartRequest = {
      ...replay.start,
      runId: id,
      autoplay,
      stepsPerSecond,
      replay: {
        to: replay.to,
        recipe: replay.recipe,
        ...(replay.from !== null ? { from: replay.from } : {}),
      },
    };
    session.startSent = request;
    // A crash during the replay replays the same again.
    session.recipe = replay.recipe;
    deps.send(request);
  }
  session.replayNotice = { runId: id, cause: replay.cause, playing: autoplay };
  updateRun(store, { runId: id, status: autoplay ? 'playing' : 'paused', pendingStep: null });
}

/**
 * Loads a model; a run starts (playing when `autoplay`) when it is ready and still chosen. With
 * `keepRun` the run's step and frame stay shown while it loads (a replay follows).
 */
export function loadModel(session: RunSession, modelId: string, autoplay: boolean, keepRun = false): void {
  const { store, deps } = session;
  const local = localDefinition(store.getState(), modelId);
  if (local === 'empty') {
    // Nothing drawn yet: no run until there are points (the view says how to add some).
    session.queueStart(autoplay);
    updateRun(store, idleRun);
    return;
  }
  session.queueStart(autoplay);
  session.cancelledLoads.delete(modelId);
  setModelState(store, modelId, { state: 'loading', loaded: 0, total: 0 });
  updateRun(store, keepRun ? { status: 'loading', pendingStep: null } : { ...idleRun, status: 'loading' });
  if (local !== null) deps.send({ type: 'defineModel', modelId, ...local });
  else deps.send({ type: 'loadModel', modelId, baseUrl: deps.modelsUrl });
  watchEngine(session, { kind: 'model', modelId });
}

/** Starts a run of the current model, loading it first when needed. */
export function startOrLoad(session: RunSession, autoplay: boolean): void {
  const { settings, models } = session.store.getState();
  const state = models[settings.modelId]?.state;
  if (state === 'ready') startRun(session, autoplay);
  else if (state === 'loading') session.queueStart(autoplay);
  else if (state === undefined) loadModel(session, settings.modelId, autoplay);
  // 'failed': the banner's Retry (or picking the model again) loads it.
}
