/**
 * Your own data (issue 15), the actions: the drawing as a model (defined in the engine from the
 * points, not fetched), editing it, training a network on it in the training worker, and the
 * trained network's card (download, upload).
 *
 * The training worker's client is imported dynamically on the first Train, so the page loads no
 * training code until the user trains.
 */
import type { ModelCard } from '../../core/card';
import type { TrainEvent, TrainRequest } from '../../engine/protocol';
import {
  cardFileText,
  DRAWING_ID,
  drawingRange,
  encodeDrawing,
  parseUploadedCard,
  TRAINED_ID,
} from '../state/drawing';
import {
  addNotice,
  idleRun,
  idleTraining,
  updateDrawing,
  updateRun,
  updateSettings,
  updateTraining,
  type AppState,
  type AppStore,
  type DrawingSlice,
} from '../state/store';
import type { RunSession } from './run-session';
import { selectModel } from './model-actions';
import { refreshCatalogue } from './drawing-load';
import { loadModel } from './run-start';

/** Steps of one training run (core's default schedule): Stop ends it earlier. */
export const TRAIN_STEPS = 6000;
const TRAIN_SEED = 0;

/** Forget a local model in the page (the engine is told again when it is next chosen) and restart its run if current. */
function redefine(session: RunSession, modelId: string): void {
  const { store } = session;
  const { models, settings } = store.getState();
  const rest = { ...models };
  delete rest[modelId];
  store.setState({ models: rest });
  if (settings.modelId !== modelId) return;
  const wasPlaying = session.isPlaying;
  session.sendToRun((id) => ({ type: 'stop', runId: id }));
  updateRun(store, idleRun);
  // run-start's loadModel sends defineModel for a local model.
  loadModel(session, modelId, wasPlaying);
}

/** New points for the drawing: the link, the catalogue and (when shown) the run follow. */
export function setDrawingPoints(session: RunSession, points: Float32Array): void {
  const { store } = session;
  updateDrawing(store, { points, inputError: null });
  updateSettings(store, { drawingData: points.length === 0 ? '' : encodeDrawing(points) });
  refreshCatalogue(store);
  redefine(session, DRAWING_ID);
}

export function setDrawingTool(store: AppStore, patch: Partial<Pick<DrawingSlice, 'tool' | 'size'>>): void {
  updateDrawing(store, patch);
}

export function setInputError(store: AppStore, message: string | null): void {
  updateDrawing(store, { inputError: message });
}

// ---- training ----

interface TrainingClient {
  send(request: TrainRequest): void;
}
const clients = new WeakMap<AppStore, Promise<TrainingClient>>();

function trainingClient(session: RunSession): Promise<TrainingClient> {
  let client = clients.get(session.store);
  if (client === undefined) {
    client = import('./training-client').then(({ createTrainingClient }) =>
      createTrainingClient((event) => onTrainEvent(session, event)),
    );
    clients.set(session.store, client);
  }
  return client;
}

function trainView(state: AppState) {
  return { sigma: state.drawing.viewSigma, range: drawingRange(state.drawing.points) };
}

/** Train: a new run of the trainer on the drawn points, in the training worker. */
export function train(session: RunSession): void {
  const { store } = session;
  const state = store.getState();
  const { points, training } = state.drawing;
  if (training.status !== 'idle') return;
  if (points.length === 0) {
    setInputError(
      store,
      'Nothing to train on: draw points with the Brush, pick a preset or paste CSV first.',
    );
    return;
  }
  updateDrawing(store, {
    inputError: null,
    training: { ...idleTraining, status: 'starting', steps: TRAIN_STEPS },
  });
  trainingClient(session)
    .then((client) =>
      client.send({
        type: 'train',
        points: points.slice(),
        steps: TRAIN_STEPS,
        seed: TRAIN_SEED,
        view: trainView(store.getState()),
      }),
    )
    .catch((e: unknown) => {
      updateTraining(store, { status: 'idle' });
      addNotice(store, {
        kind: 'error',
        title: 'Training could not start',
        message: `The training code did not load (${e instanceof Error ? e.message : String(e)}). Reload the page and press Train again.`,
      });
    });
}

/** Stop training: the worker answers with the card of the weights so far. */
export function stopTraining(session: RunSession): void {
  const { store } = session;
  const status = store.getState().drawing.training.status;
  if (status !== 'training' && status !== 'starting') return;
  updateTraining(store, { status: 'stopping' });
  void trainingClient(session).then((client) => client.send({ type: 'stopTraining' }));
}

/** Another σ for the training view's score comparison. */
export function setViewSigma(session: RunSession, sigma: number): void {
  const { store } = session;
  updateDrawing(store, { viewSigma: sigma });
  if (store.getState().drawing.training.status === 'training') {
    void trainingClient(session).then((client) =>
      client.send({ type: 'trainView', view: trainView(store.getState()) }),
    );
  }
}

/** The trained (or uploaded) network becomes the model TRAINED_ID and is shown. */
function adoptCard(session: RunSession, card: ModelCard): void {
  const { store } = session;
  updateDrawing(store, { trainedCard: card });
  refreshCatalogue(store);
  const rest = { ...store.getState().models };
  delete rest[TRAINED_ID];
  store.setState({ models: rest });
  selectModel(session, TRAINED_ID);
}

export function onTrainEvent(session: RunSession, event: TrainEvent): void {
  const { store } = session;
  const { training } = store.getState().drawing;
  switch (event.type) {
    case 'trainProgress': {
      const mean = event.losses.reduce((a, b) => a + b, 0) / Math.max(1, event.losses.length);
      updateTraining(store, {
        status: training.status === 'stopping' ? 'stopping' : 'training',
        step: event.step,
        steps: event.steps,
        elapsedMs: event.elapsedMs,
        losses: [...training.losses, { step: event.step, loss: mean }],
      });
      return;
    }
    case 'trainSnapshot':
      updateTraining(store, { snapshot: { ...event } });
      return;
    case 'trained': {
      updateTraining(store, { status: 'idle', step: event.step, elapsedMs: event.elapsedMs });
      adoptCard(session, event.card as unknown as ModelCard);
      return;
    }
    case 'trainError':
      updateTraining(store, { status: 'idle' });
      addNotice(store, { kind: 'error', title: 'Training failed', message: event.message });
      return;
  }
}

// ---- the trained network's card ----

/** The trained network's card as a file the CLI and the page load (null when there is none). */
export function trainedCardFile(store: AppStore): { name: string; text: string } | null {
  const card = store.getState().drawing.trainedCard;
  return card === null ? null : { name: `${TRAINED_ID}.json`, text: cardFileText(card) };
}

/** An uploaded card: checked, then shown as the trained network; a problem is shown by the panel. */
export function uploadCard(session: RunSession, text: string, fileName: string): void {
  try {
    const card = parseUploadedCard(text, fileName);
    setInputError(session.store, null);
    adoptCard(session, card);
  } catch (e) {
    setInputError(session.store, e instanceof Error ? e.message : String(e));
  }
}
