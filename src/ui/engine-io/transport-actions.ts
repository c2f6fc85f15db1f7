/** The transport: play, pause, step, rewind, reset and cancel a step of a run, and its speed cap. */
import { addNotice, dismissNotice, updateRun, updateSettings } from '../state/store';
import { afterEngineRestart } from './engine-events';
import type { RunSession } from './run-session';
import { startOrLoad } from './run-start';
import { isForward, pauseForward, playForward, showForwardAt, stepForwardTime } from './forward-actions';

/**
 * How long Cancel step waits for the engine to confirm. It stops a step between network calls at
 * once; no answer by then means it is inside one call (onnxruntime cannot stop a call on WASM, and
 * the worker hears nothing until it returns), so the worker is replaced.
 */
export const CANCEL_PATIENCE_MS = 2000;

/**
 * Plays a paused run on; with no run to resume (idle, loading, done), starts a new one playing.
 * On a model that failed to load it says why, with Retry, instead of doing nothing.
 */
export function play(session: RunSession): void {
  if (isForward(session)) return playForward(session);
  const { store } = session;
  const { run, settings, models } = store.getState();
  if (run.status === 'playing') return;
  const model = models[settings.modelId];
  if (model?.state === 'failed') {
    for (const n of store.getState().notices)
      if (n.retryModelId === settings.modelId) dismissNotice(store, n.id);
    addNotice(store, {
      kind: 'error',
      title: `Model "${settings.modelId}" could not be used`,
      message: `Play needs this model, but it failed to load: ${model.message} Press Retry to load it again, or pick another model.`,
      retryModelId: settings.modelId,
    });
    return;
  }
  if (run.status === 'paused') {
    session.sendToRun((id) => ({ type: 'play', runId: id }));
    updateRun(store, { status: 'playing' });
  } else startOrLoad(session, true);
}

export function pause(session: RunSession): void {
  if (isForward(session)) return pauseForward(session);
  if (!session.isPlaying) return;
  session.sendToRun((id) => ({ type: 'pause', runId: id }));
  updateRun(session.store, { status: 'paused' });
}

export function togglePlay(session: RunSession): void {
  const playing = isForward(session) ? session.store.getState().forward.playing : session.isPlaying;
  if (playing) pause(session);
  else play(session);
}

/** One step forward, pausing first when playing. */
export function step(session: RunSession): void {
  if (isForward(session)) return stepForwardTime(session, 1);
  const { status } = session.store.getState().run;
  if (status === 'idle' || status === 'loading') return;
  if (session.isPlaying) pause(session);
  session.sendToRun((id) => ({ type: 'step', runId: id }));
}

/** Rewinds to step k (clamped to what was computed), paused; a step from there branches. */
export function seek(session: RunSession, k: number): void {
  const { run } = session.store.getState();
  // A comparison does not rewind: Reset starts it over.
  if (run.runId === null || run.compare !== null) return;
  const target = Math.max(0, Math.min(Math.round(k), run.reached));
  const resumedFrom = session.resumedFrom;
  if (resumedFrom !== null && target < resumedFrom) {
    session.resumedFrom = null; // the engine holds every step again afterwards
    addNotice(session.store, {
      kind: 'info',
      title: 'Computing the steps before the restart',
      message:
        `After the restart the run went on from step ${resumedFrom}, so the engine holds only the steps from there ` +
        `on. To show step ${target} it computes the run again from step 0 (same seed, settings and changes); ` +
        'this takes as long as those steps did, once. Later rewinds are immediate.',
    });
  }
  if (session.isPlaying) pause(session);
  session.seekSent(target);
  session.deps.send({ type: 'seek', runId: run.runId, k: target });
  updateRun(session.store, { i: target, status: 'paused' });
}

export function stepBack(session: RunSession): void {
  if (isForward(session)) return stepForwardTime(session, -1);
  const { i } = session.store.getState().run;
  if (i > 0) seek(session, i - 1);
}

/** Back to step 0 with the same settings (a fresh run, paused); in Forward, back to t = 0. */
export function reset(session: RunSession): void {
  if (isForward(session)) {
    pauseForward(session);
    return showForwardAt(session, 0);
  }
  startOrLoad(session, false);
}

export function setSpeed(session: RunSession, stepsPerSecond: number): void {
  updateSettings(session.store, { stepsPerSecond });
  session.sendToRun((id) => ({ type: 'setSpeed', runId: id, stepsPerSecond }));
}

/**
 * Cancel step: the engine abandons the step in flight at its next network call, drops any queued,
 * and pauses. When it does not confirm within CANCEL_PATIENCE_MS it is stuck inside one network
 * call: the worker is stopped and a fresh one started, with the same settings and the model
 * loaded again (the run starts over at step 0), and a notice says so.
 */
export function cancelStep(session: RunSession): void {
  const { store, deps } = session;
  const { runId, pendingStep } = store.getState().run;
  if (runId === null || pendingStep === null) return;
  deps.send({ type: 'cancelStep', runId });
  updateRun(store, { status: 'paused' });
  setTimeout(() => {
    const run = store.getState().run;
    if (run.runId !== runId || run.pendingStep !== pendingStep) return; // the engine answered
    const seconds = Math.round((deps.now() - pendingStep.since) / 1000);
    deps.restartEngine();
    addNotice(store, {
      kind: 'warning',
      title: 'The engine was restarted',
      message:
        `Step ${pendingStep.i} was inside one network call for ${seconds} s, which cannot be interrupted, ` +
        'so the engine was replaced. Your settings are kept; the model is loaded again and the run starts over ' +
        'at step 0. A smaller batch, fewer corrector steps or another sampler make each step quicker.',
    });
    afterEngineRestart(session);
  }, CANCEL_PATIENCE_MS);
}
