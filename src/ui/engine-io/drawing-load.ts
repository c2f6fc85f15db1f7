/**
 * Your own data (issue 15): the drawing as the settings (a loaded or pasted link) give it, and the
 * catalogue entries of the local models.
 */
import { catalogueEntry, decodeDrawing, DRAWING_ID, drawingCard, TRAINED_ID } from '../state/drawing';
import { addNotice, updateDrawing, updateSettings, type AppStore } from '../state/store';

/** The catalogue with the local models as they are now: the drawing always, the trained network when there is one. */
export function refreshCatalogue(store: AppStore): void {
  const { catalogue, drawing } = store.getState();
  const others = catalogue.filter((e) => e.id !== DRAWING_ID && e.id !== TRAINED_ID);
  const local = [catalogueEntry(drawingCard(drawing.points), DRAWING_ID)];
  if (drawing.trainedCard !== null) local.push(catalogueEntry(drawing.trainedCard, TRAINED_ID));
  store.setState({ catalogue: [...others, ...local] });
}

/** Reads the drawing from the settings (a loaded or pasted link); a bad one was already reported by the URL parser. */
export function drawingFromSettings(store: AppStore): void {
  const { settings, drawing } = store.getState();
  let points: Float32Array = new Float32Array(0);
  if (settings.drawingData !== '') {
    try {
      points = decodeDrawing(settings.drawingData);
    } catch {
      points = new Float32Array(0);
    }
  }
  if (points.length !== drawing.points.length || points.some((v, i) => v !== drawing.points[i])) {
    const rest = { ...store.getState().models };
    delete rest[DRAWING_ID];
    store.setState({ models: rest });
  }
  updateDrawing(store, { points });
  refreshCatalogue(store);
  if (settings.modelId === TRAINED_ID && drawing.trainedCard === null) {
    updateSettings(store, { modelId: DRAWING_ID });
    addNotice(store, {
      kind: 'info',
      title: 'The trained network is not in the link',
      message:
        'A link holds the drawn points, not trained weights: showing the drawing. Press Train to train a network on it, or upload a card.',
    });
  }
}
