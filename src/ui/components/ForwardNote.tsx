/**
 * One line under the pictures in Forward (issue 12): where the data come from (and whether the
 * model saw them in training), and the spread of x_t over every element of the batch, which goes
 * to the prior's (1 for VP and sub-VP) as t → T. After "Reverse from here", the distance travelled
 * back to the original x₀.
 */
import { useAppState, useCurrentModel } from '../contexts';
import type { CatalogueEntry } from '../state/store';
import { formatNumber } from './format';

/** Mean and standard deviation over all elements. */
export function elementStats(x: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (const v of x) sum += v;
  const mean = x.length > 0 ? sum / x.length : 0;
  let sq = 0;
  for (const v of x) sq += (v - mean) * (v - mean);
  return { mean, std: x.length > 0 ? Math.sqrt(sq / x.length) : 0 };
}

/** Where the shown x₀ come from, in one phrase. */
function sourceText(model: CatalogueEntry): string {
  const examples = model.card.examples;
  if (model.task === 'image') {
    if (examples === undefined) return 'no real examples';
    return examples.heldOut
      ? 'real held-out images: the model never saw them'
      : 'real images, but these were in the training set: the model saw all of them';
  }
  return model.analytic ? 'exact samples of the mixture' : 'samples of the training data generator';
}

export function ForwardNote() {
  const model = useCurrentModel();
  const frame = useAppState((s) => s.forward.frame);
  const forward = useAppState((s) => s.settings.direction === 'forward');
  if (!forward || model === undefined) return null;
  const stats = frame !== null && frame.x.length > 0 ? elementStats(frame.x) : null;
  return (
    <p
      className="forward-note"
      data-testid="forward-readout"
      data-std={stats?.std}
      data-held-out={model.card.examples ? String(model.card.examples.heldOut) : undefined}
    >
      <span className="forward-source">x₀: {sourceText(model)}</span>
      {stats !== null && (
        <span>
          {' '}
          · x_t over the batch: mean {formatNumber(stats.mean)}, std {formatNumber(stats.std)}
        </span>
      )}
    </p>
  );
}
