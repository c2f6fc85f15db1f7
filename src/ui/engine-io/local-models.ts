/**
 * Your own data (issue 15): the models the page defines itself instead of fetching them — the
 * drawing (its points; the engine builds the exact empirical denoiser) and the trained network
 * (its "mlp" card).
 */
import type { EngineRequest } from '../../engine/protocol';
import { DRAWING_ID, drawingCard, TRAINED_ID } from '../state/drawing';
import type { AppState } from '../state/store';

/** The request that defines a local model in the engine, 'empty' for a drawing without points, null for a fetched model. */
export function localDefinition(
  state: AppState,
  modelId: string,
): Omit<Extract<EngineRequest, { type: 'defineModel' }>, 'type' | 'modelId'> | 'empty' | null {
  const { drawing } = state;
  if (modelId === DRAWING_ID) {
    if (drawing.points.length === 0) return 'empty';
    return { card: drawingCard(drawing.points), points: drawing.points.slice() };
  }
  if (modelId === TRAINED_ID) {
    return drawing.trainedCard === null ? 'empty' : { card: drawing.trainedCard, points: null };
  }
  return null;
}
