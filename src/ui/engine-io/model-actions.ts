/** The page's first command, picking a model, retrying one that failed to load, and a pasted link. */
import type { Settings } from '../state/settings';
import { addNotice, dismissNotice, idleRun, updateForward, updateRun, updateSettings } from '../state/store';
import type { RunSession } from './run-session';
import { loadModel, startOrLoad } from './run-start';
import { drawingFromSettings } from './drawing-load';
import { localDefinition } from './local-models';
import { requestExample } from './tool-actions';

/**
 * The chosen class must be one of the model's (on a model with classes): a link or a model switch
 * can ask for one it lacks (`#model=mnist&class=10`), and every run would then fail. Such a class
 * is cleared — the model samples unconditionally — with a notice saying so.
 */
export function checkClass(session: RunSession): void {
  const { store } = session;
  const { settings, catalogue } = store.getState();
  const entry = catalogue.find((m) => m.id === settings.modelId);
  const label = settings.classLabel;
  if (entry === undefined || entry.classes.length === 0 || label === null) return;
  if (Number.isInteger(label) && label >= 0 && label < entry.classes.length) return;
  updateSettings(store, { classLabel: null });
  const last = entry.classes.length - 1;
  addNotice(store, {
    kind: 'warning',
    title: 'Class reset',
    message:
      `${entry.title} has no class ${label} (its classes are 0–${last}: ${entry.classes[0]} … ${entry.classes[last]}), ` +
      'so it samples any class. Pick one in the Class list.',
  });
}

/** First call after the page loads: pick the backend and load the chosen model. */
export function boot(session: RunSession): void {
  drawingFromSettings(session.store);
  checkClass(session);
  session.deps.send({ type: 'init', ep: 'auto' });
  startOrLoad(session, false);
}

/** Another model: a run of it starts (loading it first), playing if the old one was playing. */
export function selectModel(session: RunSession, modelId: string): void {
  const { store } = session;
  const wasPlaying = session.isPlaying;
  // The old run stops now (its step in flight too), not when the new model is ready.
  session.sendToRun((id) => ({ type: 'stop', runId: id }));
  updateSettings(store, { modelId });
  updateRun(store, idleRun);
  checkClass(session);
  if (store.getState().models[modelId]?.state === 'failed') loadModel(session, modelId, wasPlaying);
  else startOrLoad(session, wasPlaying);
}

/** The banner's Retry: its notices go, and the model loads again (paused at step 0 when chosen). */
export function retryModel(session: RunSession, modelId: string): void {
  const { store, deps } = session;
  for (const n of store.getState().notices) if (n.retryModelId === modelId) dismissNotice(store, n.id);
  if (store.getState().settings.modelId === modelId) loadModel(session, modelId, false);
  else if (localDefinition(store.getState(), modelId) === null)
    deps.send({ type: 'loadModel', modelId, baseUrl: deps.modelsUrl });
}

/**
 * A link pasted into the open page (hashchange): its settings replace the current ones and a run
 * of them starts paused at step 0, as when the page is loaded with that link.
 */
export function applyLink(session: RunSession, settings: Settings): void {
  const { store } = session;
  session.sendToRun((id) => ({ type: 'stop', runId: id }));
  session.sweep = false;
  store.setState({ settings });
  updateRun(store, idleRun);
  drawingFromSettings(store);
  // Forward (issue 12): the link's t is shown once its run has a frame; Play in Forward stops.
  updateForward(store, { playing: false, queuedT: null });
  checkClass(session);
  if (store.getState().models[settings.modelId]?.state === 'failed')
    loadModel(session, settings.modelId, false);
  else startOrLoad(session, false);
  // A link at a real example (src=example:k) of a model already loaded: the tool starts from it.
  requestExample(session);
}
