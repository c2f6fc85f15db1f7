/**
 * What the components see of the store: the same state, except that while a run plays, the
 * frames reach them at most once per displayed frame. The engine may step faster than the screen
 * refreshes (120 steps/s on a 60 Hz display, or the page hidden), and drawing a frame nobody sees
 * is wasted main-thread time, so a playing run's new frames are shown on the next animation frame,
 * the latest one winning. Every other change — a user action, a pause, the last frame, an error, a
 * step or a seek while paused — is shown at once, together with any frame still waiting. The store
 * itself always holds the latest state (actions and tests read it directly).
 *
 * Pure apart from the scheduler it is given: unit-tested in Node.
 */
import type { StoreApi } from 'zustand/vanilla';

/** Runs `show` once, soon after being asked: on the next animation frame in a page. */
export type Scheduler = (show: () => void) => void;

/** The slice of the state the pacing looks at. */
interface PacedState {
  run: { runId: number | null; status: string };
}

/**
 * True when `next` differs from `shown` only by a playing run's progress (a new frame of the same
 * run, still playing): such a change can wait for the next displayed frame.
 */
export function isPlayingProgress<S extends PacedState>(next: S, shown: S): boolean {
  if (next.run === shown.run) return false;
  if (next.run.status !== 'playing' || shown.run.status !== 'playing') return false;
  if (next.run.runId !== shown.run.runId) return false;
  for (const key of Object.keys(next) as (keyof S)[])
    if (key !== 'run' && next[key] !== shown[key]) return false;
  return true;
}

/**
 * A read-only view of `store` for React (zustand's useStore takes it like a store): getState is
 * the state shown, subscribers hear when it changes. setState writes through to the store.
 */
export function pacedView<S extends PacedState>(store: StoreApi<S>, schedule: Scheduler): StoreApi<S> {
  let shown = store.getState();
  let waiting = false;
  const listeners = new Set<(state: S, previous: S) => void>();
  const show = (state: S): void => {
    if (state === shown) return;
    const previous = shown;
    shown = state;
    for (const listener of listeners) listener(state, previous);
  };
  const showLatest = (): void => {
    waiting = false;
    show(store.getState());
  };
  store.subscribe((state) => {
    if (!isPlayingProgress(state, shown)) show(state);
    else if (!waiting) {
      waiting = true;
      schedule(showLatest);
    }
  });
  return {
    getState: () => shown,
    getInitialState: () => store.getInitialState(),
    setState: store.setState,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * A scheduler that shows at most once every `intervalMs`: at once when the last showing through
 * it is that long ago (so a slow run's readouts change together with its picture), else when the
 * interval is up.
 */
export function atMostEvery(intervalMs: number, now: () => number = () => performance.now()): Scheduler {
  let last = -Infinity;
  return (show) => {
    const run = (): void => {
      last = now();
      show();
    };
    const wait = last + intervalMs - now();
    if (wait <= 0) run();
    else setTimeout(run, wait);
  };
}

/**
 * The page's scheduler: the next animation frame, or 250 ms later when no frame comes (a hidden
 * tab, or a browser that paints only on demand), so what is shown never lags the run by much more.
 */
export function nextDisplayFrame(show: () => void): void {
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    show();
  };
  const timer = setTimeout(once, 250);
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(once);
}
