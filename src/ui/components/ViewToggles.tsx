/** The 2D view's checkboxes: score arrows, x̂₀ points and trajectories. */
import { useAppState, useActions, useCurrentModel, useVisible } from '../contexts';

export function ViewToggles() {
  const view = useAppState((s) => s.settings.view);
  const model = useCurrentModel();
  const actions = useActions();
  if (!useVisible('View') || model?.task !== 'points') return null;
  const boxes = [
    ['scoreField', 'Score arrows'],
    ['denoisedPoints', 'x̂₀ points'],
    ['trajectories', 'Trajectories'],
  ] as const;
  return (
    <fieldset className="view-options">
      <legend>View</legend>
      {boxes.map(([key, label]) => (
        <span key={key} className="checkbox-row">
          <input
            id={`view-${key}`}
            type="checkbox"
            checked={view[key]}
            onChange={(e) => actions.setView({ [key]: e.target.checked })}
          />
          <label htmlFor={`view-${key}`}>{label}</label>
        </span>
      ))}
    </fieldset>
  );
}
