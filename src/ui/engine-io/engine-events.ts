/** What the page does with each event from the engine: one exhaustive switch. */
import {
  assertNever,
  type CompareFrameEvent,
  type EngineEvent,
  type FrameEvent,
} from '../../engine/protocol';
import { emptyCompareView, withFrame } from '../state/compare';
import { addNotice, idleRun, setModelState, updateRun, type Notice } from '../state/store';
import type { QueuedCompareReplay, QueuedReplay, ReplayCause, RunSession } from './run-session';
import { loadModel, startReplay, startRun } from './run-start';
import { onScoreField, refreshScoreField } from './score-field';
import { onExamples, onToolEvent, requestExample } from './tool-actions';
import { forwardAfterFrame, onForwardError, onForwardFrame } from './forward-actions';
import { engineReplaced, noteEngineEvent } from './stale-step';

function onFrame(session: RunSession, frame: FrameEvent, now: number): void {
  if (frame.forward !== undefined) {
    onForwardFrame(session, frame);
    return;
  }
  const { run, frameLog } = session.store.getState();
  // A readFrame answer repeats the current state: not a step, a seek answer or a branch.
  const isSeekAnswer = !frame.requested && session.takeSeekAnswer(frame.i);
  const isStep = !isSeekAnswer && !frame.requested;
  const previous = frameLog.at(frame.i - 1);
  frameLog.record(frame, isStep);
  const advanced = isStep && previous !== undefined && run.i === frame.i - 1;
  const rate = frame.requested ? null : session.stepArrived(now, advanced && run.status === 'playing');
  updateRun(session.store, {
    i: frame.i,
    steps: frame.steps,
    reached: frameLog.lastIndex,
    nfeTotal: frame.nfeTotal,
    sigma: frame.sigma,
    t: frame.t,
    timings: frame.timings,
    stepsPerSecond: rate ?? run.stepsPerSecond,
    frame,
    status: frame.done ? 'done' : run.status,
    pendingStep: run.pendingStep !== null && frame.i >= run.pendingStep.i ? null : run.pendingStep,
  });
  if (frame.requested) session.answerFrameRequests(frame);
  else refreshScoreField(session);
  forwardAfterFrame(session, frame);
  const replayed = session.replayNotice;
  if (replayed !== null && replayed.runId === frame.runId) {
    session.replayNotice = null;
    if ((frame.replayedFrom ?? 0) > 0) session.resumedFrom = frame.replayedFrom ?? null;
    addNotice(session.store, replayedNotice(replayed.cause, frame, replayed.playing));
  }
}

/**
 * What the page says once a run stopped by a crash or a lost GPU device is back: what happened,
 * from which step it was computed again (the last frame the page held with its resume data, or
 * step 0) and to which, and what, if anything, to do.
 */
function replayedNotice(
  cause: ReplayCause,
  frame: { i: number; replayedFrom?: number },
  playing: boolean,
): Omit<Notice, 'id'> {
  const from = frame.replayedFrom ?? 0;
  const same = 'with the same seed, settings and sampler changes';
  // The page holds x̃, the sampler's history and the σ grid with its latest frames (frame-log.ts).
  const span =
    from === frame.i
      ? `went on from step ${frame.i}, the last frame the page held (with its x̃, the sampler's history and the σ grid)`
      : from > 0
        ? `was computed again from step ${from}, the last frame the page held, to step ${frame.i}, ${same}`
        : `was computed again from step 0 to step ${frame.i}, ${same}`;
  const state = playing ? 'It plays on.' : 'It is paused.';
  if (cause.kind === 'crash') {
    return {
      kind: 'warning',
      title: 'The engine restarted',
      message:
        `The engine worker stopped (${cause.what}). A fresh one was started with your settings and the model ` +
        `loaded again, and the run ${span}, so it is exactly where it was. ${state} ` +
        'Nothing needs doing; if this keeps happening, reload the page or choose a smaller batch.',
    };
  }
  return {
    kind: 'warning',
    title: 'The GPU device was lost',
    message:
      `The GPU device was lost (${cause.reason}). What it held cannot be read back, so the model was loaded ` +
      `again on WASM (the CPU) and the run ${span}. It continues on WASM, where it is where it was to float ` +
      `rounding (the two backends round differently). ${state} Reload the page to use the GPU again.`,
  };
}

/** A comparison's tick: the Timeline follows the pane furthest along; the error lines grow. */
function onCompareFrame(session: RunSession, frame: CompareFrameEvent, now: number): void {
  const { run } = session.store.getState();
  const rate = session.stepArrived(now, frame.tick > 0 && run.status === 'playing');
  const view = run.compare ?? emptyCompareView(false);
  const i = Math.max(...frame.panes.map((p) => p.i));
  updateRun(session.store, {
    i,
    steps: Math.max(...frame.panes.map((p) => p.steps)),
    reached: i,
    nfeTotal: frame.callsTotal,
    compare: withFrame(view, frame),
    stepsPerSecond: rate ?? run.stepsPerSecond,
    status: frame.done ? 'done' : run.status,
    pendingStep: null,
  });
  const replayed = session.replayNotice;
  if (replayed !== null && replayed.runId === frame.runId) {
    session.replayNotice = null;
    addNotice(
      session.store,
      replayedNotice(replayed.cause, { i: frame.tick, replayedFrom: 0 }, replayed.playing),
    );
  }
}

function onReady(session: RunSession, event: Extract<EngineEvent, { type: 'ready' }>): void {
  const { store } = session;
  setModelState(store, event.modelId, { state: 'ready', summary: event.model });
  if (event.modelId !== store.getState().settings.modelId) return;
  const autoplay = session.takeQueuedStart();
  const replay = session.takeQueuedReplay();
  if (replay !== null) startReplay(session, replay);
  else if (autoplay !== null) startRun(session, autoplay);
  // A tool opened by a link at a real example (src=example:k) fetches it now the model is here.
  requestExample(session);
}

function onPaused(session: RunSession, reason: string, i: number): void {
  updateRun(session.store, { status: reason === 'done' ? 'done' : 'paused', pendingStep: null });
  if (reason === 'nonfinite') {
    addNotice(session.store, {
      kind: 'warning',
      title: 'Paused: the sample blew up',
      message: `Step ${i} produced NaN or infinite values, so the run was paused. Try more steps, another sampler or a smaller step-size parameter, then press Reset.`,
    });
  }
}

function onModelError(session: RunSession, modelId: string, message: string): void {
  const { store } = session;
  setModelState(store, modelId, { state: 'failed', message });
  if (modelId === store.getState().settings.modelId) updateRun(store, idleRun);
  addNotice(store, {
    kind: 'error',
    title: `Model "${modelId}" could not be used`,
    message,
    retryModelId: modelId,
  });
}

function onError(session: RunSession, event: Extract<EngineEvent, { type: 'error' }>): void {
  const { store } = session;
  const { settings } = store.getState();
  switch (event.scope) {
    case 'model':
      onModelError(session, event.modelId ?? settings.modelId, event.message);
      return;
    case 'run':
      updateRun(store, { status: 'paused', pendingStep: null });
      addNotice(store, { kind: 'error', title: 'The run stopped', message: event.message });
      return;
    case 'backend':
      addNotice(store, { kind: 'warning', title: 'Backend problem', message: event.message });
      return;
    case 'forward':
      onForwardError(session, event);
      return;
    case 'worker':
      if (event.restarted === true) afterWorkerCrash(session, event.message);
      else addNotice(store, { kind: 'error', title: 'The engine failed', message: event.message });
      return;
    default:
      assertNever(event.scope, 'error scope');
  }
}

/**
 * The engine worker crashed (`what` says how) and a fresh one has started (worker-client.ts). A
 * single run the page was showing is computed again there (replayLostRun).
 */
function afterWorkerCrash(session: RunSession, what: string): void {
  const { store } = session;
  const replay = lostRunReplay(session, { kind: 'crash', what });
  if (replay === null) {
    addNotice(store, {
      kind: 'error',
      title: 'The engine restarted',
      message: `The engine worker stopped (${what}). A fresh one was started with your settings and the model is loaded again; the run starts over at step 0, paused. Press Play to go on.`,
    });
    afterEngineRestart(session);
    return;
  }
  store.setState({ models: {}, engineEpoch: store.getState().engineEpoch + 1 });
  session.queueReplay(replay);
  loadModel(session, store.getState().settings.modelId, false, true);
}

/**
 * Faults (issue 16): the single run the page was showing stopped with its engine state (a crash,
 * a lost GPU device). It is computed again once its model is loaded (startReplay): from the last
 * frame the page holds with its resume data at or before the step shown (frame-log.ts), or from
 * step 0, along the recipe of live changes. The trajectory is deterministic given its seed,
 * settings and changes, so this puts it back at the same step. Null when there is no such run (a
 * comparison, no run yet): the caller starts again at step 0.
 */
function lostRunReplay(session: RunSession, cause: ReplayCause): QueuedReplay | QueuedCompareReplay | null {
  const { run, frameLog } = session.store.getState();
  const shown = run.status === 'paused' || run.status === 'playing' || run.status === 'done';
  const compare = session.compareSent;
  if (shown && run.compare !== null && compare !== null && compare.runId === run.runId) {
    return {
      kind: 'compare',
      start: compare,
      to: run.i,
      advances: session.compareAdvances,
      playing: run.status === 'playing',
      cause,
    };
  }
  const start = session.startSent;
  const resumable = shown && start !== null && start.runId === run.runId && run.compare === null;
  if (!resumable) return null;
  return {
    kind: 'run',
    start,
    to: run.i,
    recipe: session.recipe ?? { changes: [], marks: [], origin: null },
    from: frameLog.resumeFrom(run.i),
    playing: run.status === 'playing',
    cause,
  };
}

/**
 * Faults (issue 16): the GPU device was lost. The engine forgot the models on it and uses WASM
 * from now on; the run it held (if it was the one shown) is computed again there (replayLostRun).
 */
function onDeviceLost(session: RunSession, event: Extract<EngineEvent, { type: 'deviceLost' }>): void {
  const { store } = session;
  const { models, run } = store.getState();
  const kept = { ...models };
  for (const id of event.unloaded) delete kept[id];
  store.setState({ models: kept });
  const replay =
    event.lostRun !== null && event.lostRun === run.runId
      ? lostRunReplay(session, { kind: 'deviceLost', reason: event.reason })
      : null;
  if (replay !== null) {
    session.queueReplay(replay);
    loadModel(session, store.getState().settings.modelId, false, true);
    return;
  }
  if (run.status === 'playing') updateRun(store, { status: 'paused' });
  addNotice(store, {
    kind: 'warning',
    title: 'The GPU device was lost',
    message:
      `The GPU device was lost (${event.reason}). Models run on WASM (the CPU) from now on: press Reset to ` +
      'start the run again there, or reload the page to use the GPU again.',
  });
}

/**
 * A fresh engine worker has no model loaded and no run, and the canvases handed to the old one
 * went with it: reload the current model (same settings), paused at step 0, with new canvases.
 */
export function afterEngineRestart(session: RunSession): void {
  const { store } = session;
  engineReplaced(session);
  store.setState({ models: {}, engineEpoch: store.getState().engineEpoch + 1 });
  loadModel(session, store.getState().settings.modelId, false);
}

/** Handles one event; `now` is when it arrived (deps.now), for the measured steps/s. */
export function handleEngineEvent(session: RunSession, event: EngineEvent, now: number): void {
  const { store } = session;
  noteEngineEvent(session, event, now);
  switch (event.type) {
    case 'backend':
      // The WASM note is derived from this and the model (components/Banners.tsx): a toy needs no backend.
      store.setState({ backend: { ep: event.ep, threads: event.threads, reason: event.reason } });
      return;
    case 'progress':
      // A download the page cancelled may still report a last chunk.
      if (session.cancelledLoads.has(event.modelId)) return;
      setModelState(store, event.modelId, { state: 'loading', loaded: event.loaded, total: event.total });
      return;
    case 'ready':
      session.cancelledLoads.delete(event.modelId);
      onReady(session, event);
      return;
    case 'frame':
      onFrame(session, event, now);
      return;
    case 'compareFrame':
      onCompareFrame(session, event, now);
      return;
    case 'paused':
      onPaused(session, event.reason, event.i);
      return;
    case 'playing':
      updateRun(store, { status: 'playing' });
      return;
    case 'stepStarted':
      updateRun(store, { pendingStep: { i: event.i, since: now } });
      return;
    case 'scoreField':
      onScoreField(session, event);
      return;
    case 'toolProgress':
    case 'toolDone':
      onToolEvent(session, event);
      return;
    case 'examples':
      onExamples(session, event);
      return;
    case 'error':
      onError(session, event);
      return;
    case 'recipe':
      session.recipe = event.recipe;
      return;
    case 'deviceLost':
      onDeviceLost(session, event);
      return;
    default:
      assertNever(event, 'engine event');
  }
}
