/** The transport: play, pause, step, rewind and reset a run, and its speed cap. */
import { updateRun, updateSettings } from '../state/store';
import type { RunSession } from './run-session';
import { startOrLoad } from './run-start';

/** Plays a paused run on; with no run to resume (idle, loading, done), starts a new one playing. */
export function play(session: RunSession): void {
  const { status } = session.store.getState().run;
  if (status === 'playing') return;
  if (status === 'paused') {
    session.sendToRun((id) => ({ type: 'play', runId: id }));
    updateRun(session.store, { status: 'playing' });
  } else startOrLoad(session, true);
}

export function pause(session: RunSession): void {
  if (!session.isPlaying) return;
  session.sendToRun((id) => ({ type: 'pause', runId: id }));
  updateRun(session.store, { status: 'paused' });
}

export function togglePlay(session: RunSession): void {
  if (session.isPlaying) pause(session);
  else play(session);
}

/** One step forward, pausing first when playing. */
export function step(session: RunSession): void {
  const { status } = session.store.getState().run;
  if (status === 'idle' || status === 'loading') return;
  if (session.isPlaying) pause(session);
  session.sendToRun((id) => ({ type: 'step', runId: id }));
}

/** Rewinds to step k (clamped to what was computed), paused; a step from there branches. */
export function seek(session: RunSession, k: number): void {
  const { run } = session.store.getState();
  if (run.runId === null) return;
  const target = Math.max(0, Math.min(Math.round(k), run.reached));
  if (session.isPlaying) pause(session);
  session.seekSent(target);
  session.deps.send({ type: 'seek', runId: run.runId, k: target });
  updateRun(session.store, { i: target, status: 'paused' });
}

export function stepBack(session: RunSession): void {
  const { i } = session.store.getState().run;
  if (i > 0) seek(session, i - 1);
}

/** Back to step 0 with the same settings (a fresh run, paused). */
export function reset(session: RunSession): void {
  startOrLoad(session, false);
}

export function setSpeed(session: RunSession, stepsPerSecond: number): void {
  updateSettings(session.store, { stepsPerSecond });
  session.sendToRun((id) => ({ type: 'setSpeed', runId: id, stepsPerSecond }));
}
