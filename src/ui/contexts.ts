/**
 * The page's React contexts, the store, the actions and the lesson player, and the hooks components read them
 * through. Components see the store through paced views (state/paced-view.ts): a playing run's
 * frames reach them at most once per displayed frame, so every component shows the same state.
 */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { Actions } from './engine-io/actions';
import type { LessonPlayer } from './engine-io/lesson-player';
import { atMostEvery, nextDisplayFrame, pacedView } from './state/paced-view';
import type { ControlName } from './state/settings';
import type { AppState, AppStore } from './state/store';

export const StoreContext = createContext<AppStore | null>(null);
export const ActionsContext = createContext<Actions | null>(null);
/** The lesson player (issue 12); absent in tests that render without it. */
export const LessonContext = createContext<LessonPlayer | null>(null);

/** How often, at most, readouts that change with every step (useReadout) update while a run plays. */
export const READOUT_INTERVAL_MS = 100;

/** Each store's paced views, shared by every component so they all show the same state. */
const pacedViews = new WeakMap<AppStore, { shown: AppStore; readout: AppStore }>();

function pacedViewsOf(store: AppStore): { shown: AppStore; readout: AppStore } {
  let pair = pacedViews.get(store);
  if (pair === undefined) {
    const shown = pacedView(store, nextDisplayFrame);
    const readout = pacedView(shown, atMostEvery(READOUT_INTERVAL_MS));
    pair = { shown, readout };
    pacedViews.set(store, pair);
  }
  return pair;
}

function useStoreContext(): AppStore {
  const store = useContext(StoreContext);
  if (store === null) throw new Error('useAppState needs a <StoreContext.Provider>.');
  return store;
}

/**
 * The thin React hook: subscribe to a slice of the page's store, as shown (a playing run's frames
 * arrive at most once per displayed frame; see paced-view.ts).
 */
export function useAppState<T>(selector: (state: AppState) => T): T {
  return useStore(pacedViewsOf(useStoreContext()).shown, selector);
}

/**
 * Like useAppState, for numbers that change with every step but are read, not watched (ms per
 * step, steps/s, σ, t): while a run plays they update at most every READOUT_INTERVAL_MS; any
 * other change (pause, step, seek, the last frame) shows at once.
 */
export function useReadout<T>(selector: (state: AppState) => T): T {
  return useStore(pacedViewsOf(useStoreContext()).readout, selector);
}

export function useActions(): Actions {
  const actions = useContext(ActionsContext);
  if (actions === null) throw new Error('useActions needs an <ActionsContext.Provider>.');
  return actions;
}

export function useLessonPlayer(): LessonPlayer | null {
  return useContext(LessonContext);
}

/** False when the URL's `hide=` hides this control (teacher mode). */
export function useVisible(name: ControlName): boolean {
  return useAppState((s) => !s.settings.hidden.includes(name));
}

/** Catalogue entry of the selected model (undefined until the manifest is read). */
export function useCurrentModel() {
  return useAppState((s) => s.catalogue.find((m) => m.id === s.settings.modelId));
}
