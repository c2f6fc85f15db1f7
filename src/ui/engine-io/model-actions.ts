/** The page's first command, picking a model, retrying one that failed to load, and a pasted link. */
import type { Settings } from '../state/settings';
import { dismissNotice, idleRun, updateRun, updateSettings } from '../state/store';
import type { RunSession } from './run-session';
import { loadModel, startOrLoad } from './run-start';

/** First call after the page loads: pick the backend and load the chosen model. */
export function boot(session: RunSession): void {
  session.deps.send({ type: 'init', ep: 'auto' });
  startOrLoad(session, false);
}

/** Another model: a run of it starts (loading it first), playing if the old one was playing. */
export function selectModel(session: RunSession, modelId: string): void {
  const { store } = session;
  const wasPlaying = session.isPlaying;
  updateSettings(store, { modelId });
  updateRun(store, idleRun);
  if (store.getState().models[modelId]?.state === 'failed') loadModel(session, modelId, wasPlaying);
  else startOrLoad(session, wasPlaying);
}

/** The banner's Retry: its notices go, and the model loads again (paused at step 0 when chosen). */
export function retryModel(session: RunSession, modelId: string): void {
  const { store, deps } = session;
  for (const n of store.getState().notices) if (n.retryModelId === modelId) dismissNotice(store, n.id);
  if (store.getState().settings.modelId === modelId) loadModel(session, modelId, false);
  else deps.send({ type: 'loadModel', modelId, baseUrl: deps.modelsUrl });
}

/**
 * A link pasted into the open page (hashchange): its settings replace the current ones and a run
 * of them starts paused at step 0, as when the page is loaded with that link.
 */
export function applyLink(session: RunSession, settings: Settings): void {
  const { store } = session;
  store.setState({ settings });
  updateRun(store, idleRun);
  if (store.getState().models[settings.modelId]?.state === 'failed')
    loadModel(session, settings.modelId, false);
  else startOrLoad(session, false);
}
