/** What the page does with each event from the engine: one exhaustive switch. */
import { assertNever, type EngineEvent, type FrameEvent } from '../../engine/protocol';
import { addNotice, setModelState, updateRun, idleRun, type AppStore } from '../state/store';
import type { ActionInternals } from './actions';

/** Weight of the newest interval in the measured steps/s (exponential moving average). */
const rateSmoothing = 0.2;

function onFrame(store: AppStore, internals: ActionInternals, frame: FrameEvent, now: number): void {
  const { run, frameLog } = store.getState();
  // A readFrame answer repeats the current state: not a step, a seek answer or a branch.
  const isSeekAnswer = !frame.requested && internals.seekPending === frame.i;
  if (isSeekAnswer) internals.seekPending = null;
  const previous = frameLog.at(frame.i - 1);
  frameLog.record(frame, !isSeekAnswer && !frame.requested);
  let stepsPerSecond = run.stepsPerSecond;
  const advanced = !isSeekAnswer && !frame.requested && previous !== undefined && run.i === frame.i - 1;
  if (advanced && internals.lastFrameAt !== null && run.status === 'playing') {
    const rate = 1000 / Math.max(1, now - internals.lastFrameAt);
    stepsPerSecond = stepsPerSecond === 0 ? rate : stepsPerSecond + rateSmoothing * (rate - stepsPerSecond);
  }
  if (!frame.requested) internals.lastFrameAt = now;
  updateRun(store, {
    i: frame.i,
    steps: frame.steps,
    reached: frameLog.lastIndex,
    nfeTotal: frame.nfeTotal,
    sigma: frame.sigma,
    t: frame.t,
    timings: frame.timings,
    stepsPerSecond,
    frame,
    status: frame.done ? 'done' : run.status,
  });
  if (frame.requested) {
    const answered = internals.frameRequests.filter((r) => r.runId === frame.runId);
    internals.frameRequests = internals.frameRequests.filter((r) => r.runId !== frame.runId);
    for (const request of answered) request.resolve(frame);
  }
}

function onPaused(store: AppStore, reason: string, i: number): void {
  if (reason === 'done') updateRun(store, { status: 'done' });
  else updateRun(store, { status: 'paused' });
  if (reason === 'nonfinite') {
    addNotice(store, {
      kind: 'warning',
      title: 'Paused: the sample blew up',
      message: `Step ${i} produced NaN or infinite values, so the run was paused. Try more steps, another sampler or a smaller step-size parameter, then press Reset.`,
    });
  }
}

function onError(
  store: AppStore,
  internals: ActionInternals,
  event: Extract<EngineEvent, { type: 'error' }>,
): void {
  const { settings } = store.getState();
  switch (event.scope) {
    case 'model': {
      const modelId = event.modelId ?? settings.modelId;
      setModelState(store, modelId, { state: 'failed', message: event.message });
      if (modelId === settings.modelId) updateRun(store, idleRun);
      addNotice(store, {
        kind: 'error',
        title: `Model "${modelId}" could not be used`,
        message: event.message,
        retryModelId: modelId,
      });
      return;
    }
    case 'run':
      updateRun(store, { status: 'paused' });
      addNotice(store, { kind: 'error', title: 'The run stopped', message: event.message });
      return;
    case 'backend':
      addNotice(store, { kind: 'warning', title: 'Backend problem', message: event.message });
      return;
    case 'worker':
      // A fresh worker has no models loaded: reload the current one, paused at step 0.
      store.setState({ models: {} });
      addNotice(store, { kind: 'error', title: 'The engine restarted', message: event.message });
      internals.loadModel(settings.modelId, false);
      return;
    default:
      assertNever(event.scope, 'error scope');
  }
}

export function handleEngineEvent(
  store: AppStore,
  internals: ActionInternals,
  event: EngineEvent,
  now: number,
): void {
  switch (event.type) {
    case 'backend':
      // The WASM note is derived from this and the model (components/Banners.tsx): a toy needs no backend.
      store.setState({ backend: { ep: event.ep, threads: event.threads, reason: event.reason } });
      return;
    case 'progress':
      setModelState(store, event.modelId, { state: 'loading', loaded: event.loaded, total: event.total });
      return;
    case 'ready': {
      setModelState(store, event.modelId, { state: 'ready', summary: event.model });
      const waiting = internals.pendingStart;
      if (event.modelId === store.getState().settings.modelId && waiting !== null) {
        internals.pendingStart = null;
        internals.startRun(waiting);
      }
      return;
    }
    case 'frame':
      onFrame(store, internals, event, now);
      return;
    case 'paused':
      onPaused(store, event.reason, event.i);
      return;
    case 'playing':
      updateRun(store, { status: 'playing' });
      return;
    case 'error':
      onError(store, internals, event);
      return;
    default:
      assertNever(event, 'engine event');
  }
}
