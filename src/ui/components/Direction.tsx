/**
 * The Direction (issue 12): Reverse runs the sampler from noise to data; Forward shows real data
 * noised along the SDE, scrubbed and played in t, with the network's x̂₀ beside it.
 */
import { useAppState, useActions, useVisible } from '../contexts';
import { directions, type Direction as DirectionValue } from '../state/settings';

const labels: Record<DirectionValue, string> = { forward: 'Forward', reverse: 'Reverse' };
const hints: Record<DirectionValue, string> = {
  forward: 'Noise real data: x_t = s(t)·x₀ + s(t)·σ(t)·z',
  reverse: 'Sample: run the reverse process from noise',
};

export function Direction() {
  const direction = useAppState((s) => s.settings.direction);
  const actions = useActions();
  if (!useVisible('Direction')) return null;
  return (
    <div className="direction" role="radiogroup" aria-label="Direction">
      {directions.map((d) => (
        <label key={d} title={hints[d]} className={d === direction ? 'selected' : undefined}>
          <input
            type="radio"
            name="direction"
            value={d}
            checked={d === direction}
            onChange={() => actions.setDirection(d)}
          />
          {labels[d]}
        </label>
      ))}
    </div>
  );
}
