/** The page's first command, picking a model, retrying one that failed to load, and a pasted link. */
import type { Settings } from '../state/settings';
import {
  addNotice,
  dismissNotice,
  idleRun,
  updateForward,
  updateRun,
  updateSettings,
  type ModelLoadState,
} from '../state/store';
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
  const previous = store.getState().settings.modelId;
  if (previous !== modelId) session.previousModel = previous;
  updateSettings(store, { modelId });
  updateRun(store, idleRun);
  checkClass(session);
  if (store.getState().models[modelId]?.state === 'failed') loadModel(session, modelId, wasPlaying);
  else startOrLoad(session, wasPlaying);
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * Faults (issue 16): Cancel while the current model downloads. The engine aborts the download,
 * the model counts as not loaded (choosing it again downloads it), and the page goes back to the
 * model chosen before — still loaded, so its run starts at once — or, with none, to the first
 * exact 2D toy, which needs no download. A notice says so.
 */
export function cancelDownload(session: RunSession): void {
  const { store, deps } = session;
  const { settings, models, catalogue } = store.getState();
  const modelId = settings.modelId;
  const state: ModelLoadState | undefined = models[modelId];
  if (state?.state !== 'loading') return;
  deps.send({ type: 'cancelLoad', modelId });
  session.cancelledLoads.add(modelId);
  session.takeQueuedStart();
  session.takeQueuedReplay();
  const rest = { ...models };
  delete rest[modelId];
  store.setState({ models: rest });
  const titleOf = (id: string): string => catalogue.find((m) => m.id === id)?.title ?? id;
  const previous = session.previousModel;
  const back =
    previous !== null && previous !== modelId && catalogue.some((m) => m.id === previous)
      ? previous
      : (catalogue.find((m) => m.analytic)?.id ?? null);
  const progress = state.total > 0 ? ` after ${megabytes(state.loaded)} of ${megabytes(state.total)}` : '';
  const where =
    back === null
      ? 'No model is chosen now: pick one in the Model list.'
      : back === previous && rest[back]?.state === 'ready'
        ? `"${titleOf(back)}" is shown again; it was still loaded.`
        : `"${titleOf(back)}" is shown instead; it needs no download.`;
  addNotice(store, {
    kind: 'info',
    title: 'Download cancelled',
    message:
      `The download of "${titleOf(modelId)}" was stopped${progress}. ${where} ` +
      `To try again, choose "${titleOf(modelId)}" in the Model list.`,
  });
  updateRun(store, idleRun);
  if (back === null) return;
  updateSettings(store, { modelId: back });
  session.previousModel = null;
  checkClass(session);
  startOrLoad(session, false);
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
  const previous = store.getState().settings.modelId;
  if (previous !== settings.modelId) session.previousModel = previous;
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
