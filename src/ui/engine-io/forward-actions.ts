/**
 * The Direction (issue 12). In Forward the page shows real data noised along the run's SDE at the
 * time t the Timeline holds: each new t is one `forward` request (one network call for x̂₀), one at
 * a time, the latest wanted t sent when the previous answer comes. Play advances t by 1/steps per
 * frame up to 1 at the chosen speed. The reverse run is kept; Reverse shows it again.
 */
import type { EngineEvent, FrameEvent } from '../../engine/protocol';
import { distanceToOrigin } from '../../core/forward';
import { asTime } from '../../core/types';
import { sdeOf } from '../state/model-math';
import type { Direction } from '../state/settings';
import { addNotice, idleRun, updateForward, updateRun, updateSettings } from '../state/store';
import type { RunSession } from './run-session';

const clampT = (t: number): number => Math.min(1, Math.max(0, t));
/** t rounded to the URL's three decimals, so a link gives exactly the frame shown. */
const roundT = (t: number): number => Math.round(clampT(t) * 1000) / 1000;

export function isForward(session: RunSession): boolean {
  return session.store.getState().settings.direction === 'forward';
}

/** Asks the engine for the forward frame at t (or queues t while an answer is on its way). */
export function showForwardAt(session: RunSession, t: number): void {
  const { store, deps } = session;
  const time = roundT(t);
  updateSettings(store, { forwardT: time });
  const { run, forward } = store.getState();
  if (run.runId === null) return; // the first frame of the next run asks (forwardAfterFrame)
  if (forward.inFlight === run.runId) {
    updateForward(store, { queuedT: time });
    return;
  }
  updateForward(store, { inFlight: run.runId, queuedT: null });
  deps.send({ type: 'forward', runId: run.runId, t: time });
}

/** One forward step of 1/steps in t (Step, →), or back (←); pauses Play. */
export function stepForwardTime(session: RunSession, direction: 1 | -1): void {
  const { settings } = session.store.getState();
  updateForward(session.store, { playing: false });
  showForwardAt(session, settings.forwardT + direction / Math.max(1, settings.steps));
}

/** Play in Forward: from the current t (from 0 when at the end) up to t = 1. */
export function playForward(session: RunSession): void {
  const { settings } = session.store.getState();
  const from = settings.forwardT >= 1 ? 0 : settings.forwardT;
  updateForward(session.store, { playing: true });
  showForwardAt(session, from + (settings.forwardT >= 1 ? 0 : 1 / Math.max(1, settings.steps)));
}

export function pauseForward(session: RunSession): void {
  updateForward(session.store, { playing: false });
}

/**
 * Switches direction. Forward: the run pauses and the forward frame at the current t is asked
 * for. Reverse: the engine shows the run's current step again (a seek to it, which also redraws
 * canvases the worker draws into).
 */
export function setDirection(session: RunSession, direction: Direction): void {
  const { store, deps } = session;
  const { settings, run } = store.getState();
  if (settings.direction === direction) return;
  updateSettings(store, { direction });
  if (direction === 'forward') {
    if (run.status === 'playing' && run.runId !== null) {
      deps.send({ type: 'pause', runId: run.runId });
      updateRun(store, { status: 'paused' });
    }
    showForwardAt(session, settings.forwardT);
    return;
  }
  updateForward(store, { playing: false, queuedT: null });
  if (run.runId !== null && run.reached >= 0) {
    session.seekSent(run.i);
    deps.send({ type: 'seek', runId: run.runId, k: run.i });
  }
}

/** A forward frame arrived: show it; send the queued t, or Play's next one. */
export function onForwardFrame(session: RunSession, frame: FrameEvent): void {
  const { store } = session;
  const { forward, settings } = store.getState();
  updateForward(store, { frame, inFlight: null });
  if (settings.direction !== 'forward') return;
  if (forward.queuedT !== null) {
    showForwardAt(session, forward.queuedT);
    return;
  }
  if (!forward.playing) return;
  const t = frame.forward?.t ?? settings.forwardT;
  if (t >= 1) {
    updateForward(store, { playing: false });
    return;
  }
  const interval = 1000 / Math.max(1, settings.stepsPerSecond);
  setTimeout(() => {
    const now = store.getState();
    if (!now.forward.playing || now.settings.direction !== 'forward') return;
    showForwardAt(session, now.settings.forwardT + 1 / Math.max(1, now.settings.steps));
  }, interval);
}

/**
 * After a frame of the reverse run: in Forward, a run that has no forward frame yet (just started:
 * a new model, seed, batch or link) asks for one.
 */
export function forwardAfterFrame(session: RunSession, frame: FrameEvent): void {
  const { settings, forward } = session.store.getState();
  if (settings.direction !== 'forward' || frame.requested) return;
  if (forward.frame?.runId === frame.runId || forward.inFlight === frame.runId) return;
  showForwardAt(session, settings.forwardT);
}

/** The forward process could not be shown: say why and go back to Reverse, which still works. */
export function onForwardError(session: RunSession, event: Extract<EngineEvent, { type: 'error' }>): void {
  updateForward(session.store, { playing: false, inFlight: null, queuedT: null });
  if (session.store.getState().run.status === 'playing') updateRun(session.store, { status: 'paused' });
  addNotice(session.store, { kind: 'error', title: 'Forward process unavailable', message: event.message });
  setDirection(session, 'reverse');
}

/** A setting the forward frame depends on changed (SDE, class, guidance): show it again. */
export function refreshForward(session: RunSession): void {
  if (isForward(session)) showForwardAt(session, session.store.getState().settings.forwardT);
}

/**
 * "Reverse from here": the reverse process starts from the forward x_t shown, at its t, and plays;
 * the page switches to Reverse and keeps x₀ to show the distance travelled back to it.
 */
export function reverseFromHere(session: RunSession): void {
  const { store, deps } = session;
  const { forward, run, settings, catalogue } = store.getState();
  const frame = forward.frame;
  if (run.runId === null || frame?.forward === undefined || frame.runId !== run.runId) return;
  if (!(frame.sigma > 0)) {
    addNotice(store, {
      kind: 'info',
      title: 'Nothing to reverse at t = 0',
      message:
        'At t = 0 the data has no noise yet: move the Timeline to a later t, then press Reverse from here.',
    });
    return;
  }
  const entry = catalogue.find((m) => m.id === settings.modelId);
  const scale = sdeOf(entry, settings.sde).scale(asTime(frame.forward.t));
  const { origin, t } = frame.forward;
  updateForward(store, {
    playing: false,
    queuedT: null,
    reverse: {
      runId: run.runId,
      origin,
      fromT: t,
      startDistance: distanceToOrigin(frame.x, scale, origin, frame.batch),
    },
  });
  updateSettings(store, { direction: 'reverse' });
  store.getState().frameLog.clear();
  updateRun(store, { ...idleRun, runId: run.runId, status: 'playing' });
  deps.send({ type: 'reverseFromHere', runId: run.runId, autoplay: true });
}
