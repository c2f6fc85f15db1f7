/**
 * A run the page left while one of its steps was inside a network call. onnxruntime cannot stop a
 * call on WASM, and the engine finishes it before anything queued after it, so a new run (a pasted
 * link, another model, Reset) waits behind it: with a large batch of a big model that can be
 * minutes, while the page shows the new run at step 0 and Play does nothing visible.
 *
 * So when the page asks for a new run or model while a step is in flight, it watches for the
 * answer (the run's first frame, or word of the model); when none has come after
 * STALE_STEP_PATIENCE_MS, the worker is replaced as Cancel step does, the model is loaded again,
 * the new run starts (playing if the user had pressed Play), and a notice says why.
 */
import type { EngineEvent } from '../../engine/protocol';
import { addNotice } from '../state/store';
import { afterEngineRestart } from './engine-events';
import type { RunSession } from './run-session';

/** How long a new run or model may wait behind a step of a run the page left. */
export const STALE_STEP_PATIENCE_MS = 3000;

type Awaited = { kind: 'run'; runId: number } | { kind: 'model'; modelId: string };

interface EngineWatch {
  /** The step in flight (its index and when it began, deps.now) when the page moved on. */
  step: { i: number; since: number };
  awaited: Awaited;
}

/** Per session: the step the engine began and the page has not seen end, and the watch. */
const state = new WeakMap<RunSession, { step: EngineWatch['step'] | null; watch: EngineWatch | null }>();

function of(session: RunSession) {
  let s = state.get(session);
  if (s === undefined) {
    s = { step: null, watch: null };
    state.set(session, s);
  }
  return s;
}

function answers(event: EngineEvent, awaited: Awaited): boolean {
  if (awaited.kind === 'run') {
    return (event.type === 'frame' || event.type === 'compareFrame') && event.runId === awaited.runId;
  }
  if (event.type === 'progress' || event.type === 'ready') return event.modelId === awaited.modelId;
  return event.type === 'error' && event.scope === 'model';
}

/** Called with every event the page takes in (engine-events.ts), before it is handled. */
export function noteEngineEvent(session: RunSession, event: EngineEvent, now: number): void {
  const s = of(session);
  if (event.type === 'stepStarted') s.step = { i: event.i, since: now };
  // Only the current run's events reach the page: its frame or pause means no step is in flight.
  else if (event.type === 'frame' || event.type === 'compareFrame' || event.type === 'paused') s.step = null;
  if (s.watch !== null && answers(event, s.watch.awaited)) s.watch = null;
}

/** A fresh worker has no step in flight and nothing to wait for. */
export function engineReplaced(session: RunSession): void {
  const s = of(session);
  s.step = null;
  s.watch = null;
}

/**
 * The page has just asked for a new run or model: when a step of the run it left may still be
 * running, wait STALE_STEP_PATIENCE_MS for the answer, then replace the worker.
 */
export function watchEngine(session: RunSession, awaited: Awaited): void {
  const s = of(session);
  if (s.step === null) return;
  const watch: EngineWatch = { step: s.step, awaited };
  s.watch = watch;
  setTimeout(() => {
    if (s.watch !== watch) return; // answered, or a newer request is watched
    const { store, deps } = session;
    const autoplay = session.isPlaying || session.queuedAutoplay === true;
    const seconds = Math.max(1, Math.round((deps.now() - watch.step.since) / 1000));
    deps.restartEngine();
    addNotice(store, {
      kind: 'warning',
      title: 'The engine was restarted',
      message:
        `Step ${watch.step.i} of the previous run was still inside one network call after ${seconds} s, and a ` +
        'call cannot be interrupted, so the engine was replaced to start your new run without waiting. Your ' +
        'settings are kept; the model is loaded again. A smaller batch or fewer panes make each step quicker.',
    });
    afterEngineRestart(session);
    if (autoplay) session.queueStart(true);
  }, STALE_STEP_PATIENCE_MS);
}
