/**
 * The forward process's numbers (issue 12), as items of the status line: where the data come from
 * (and whether the model saw them in training), and the spread of x_t over every element of the
 * batch, which goes to the prior's (1 for VP and sub-VP) as t → T. After "Reverse from here", the
 * distance travelled back to the original x₀.
 */
import { useAppState, useCurrentModel } from '../contexts';
import type { CatalogueEntry } from '../state/store';
import { formatNumber } from './format';
import { distanceToOrigin } from '../../core/forward';
import { useSde } from '../state/model-math';
import { asTime } from '../../core/types';

/** Mean and standard deviation over all elements. */
export function elementStats(x: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (const v of x) sum += v;
  const mean = x.length > 0 ? sum / x.length : 0;
  let sq = 0;
  for (const v of x) sq += (v - mean) * (v - mean);
  return { mean, std: x.length > 0 ? Math.sqrt(sq / x.length) : 0 };
}

/** Where the shown x₀ come from: a short phrase, and a sentence for its tooltip. */
function sourceText(model: CatalogueEntry): [string, string] {
  const examples = model.card.examples;
  if (model.task === 'image') {
    if (examples === undefined) return ['none', 'This model ships no real examples.'];
    return examples.heldOut
      ? ['held out: never trained on', 'Real images the model never saw in training.']
      : [
          'these were in the training set',
          'Real images, but these were in the training set: the model saw all of them.',
        ];
  }
  return model.analytic
    ? ['exact mixture samples', 'Exact samples of the Gaussian mixture.']
    : ['training generator', 'Samples of the generator the model was trained on.'];
}

/**
 * The status line's items for the forward process (StatusLine puts them in place of the step
 * timings): in Forward, where x₀ came from and the spread of x_t; after "Reverse from here", the
 * distance back to x₀. Nothing otherwise.
 */
export function ForwardStatus() {
  const forward = useAppState((s) => s.settings.direction === 'forward');
  return forward ? <ForwardReadout /> : <ReverseDistance />;
}

function ForwardReadout() {
  const model = useCurrentModel();
  const frame = useAppState((s) => s.forward.frame);
  if (model === undefined) return null;
  const stats = frame !== null && frame.x.length > 0 ? elementStats(frame.x) : null;
  const [short, sentence] = sourceText(model);
  return (
    <>
      <div title={sentence}>
        <dt>x₀</dt>
        <dd
          data-testid="forward-readout"
          data-std={stats?.std}
          data-held-out={model.card.examples ? String(model.card.examples.heldOut) : undefined}
        >
          {short}
        </dd>
      </div>
      <div title="Standard deviation of x_t over every element of the batch: 1 at t = T for VP and sub-VP">
        <dt>std x_t</dt>
        <dd>{stats === null ? '–' : formatNumber(stats.std)}</dd>
      </div>
    </>
  );
}

/**
 * After "Reverse from here": the RMS distance of x̃ = x/s(t) to the original x₀ (per element, mean
 * over the batch) where the reverse process started, and at the frame shown.
 */
function ReverseDistance() {
  const model = useCurrentModel();
  const reverse = useAppState((s) => s.forward.reverse);
  const frame = useAppState((s) => s.run.frame);
  const sdeKind = useAppState((s) => s.settings.sde);
  const sde = useSde(model, sdeKind);
  if (reverse === null || frame === null || frame.runId !== reverse.runId || frame.x.length === 0)
    return null;
  const now = distanceToOrigin(frame.x, sde.scale(asTime(frame.t)), reverse.origin, frame.batch);
  return (
    <div
      title={`Reverse from t = ${reverse.fromT.toFixed(2)}: RMS distance of x_t/s(t) to the original x₀, per element, mean over the batch`}
    >
      <dt>to x₀ from t = {reverse.fromT.toFixed(2)}</dt>
      <dd data-testid="reverse-distance" data-distance={now} data-start={reverse.startDistance}>
        {formatNumber(reverse.startDistance)} → {formatNumber(now)}
      </dd>
    </div>
  );
}
