/**
 * Compare mode's controls (issue 14). In the header: "Compare" (2 panes from the current settings;
 * pressed again, the single view) and "Step sweep" (the current settings at 10 … 1000 steps). In
 * the side column, while comparing: each pane's sampler, steps, SDE, schedule and guidance, "Add
 * pane", "Remove pane k", and how the panes advance together.
 */
import { useActions, useAppState, useCurrentModel } from '../contexts';
import { ADVANCES, advanceLabels, MAX_PANES, MIN_PANES, type ComparePane } from '../state/compare';
import { samplers } from '../state/registry-view';
import { limits, scheduleKinds, scheduleLabels, sdeKinds, sdeLabels } from '../state/settings';
import { NumberField } from './NumberField';

export function CompareButtons() {
  const actions = useActions();
  const comparing = useAppState((s) => s.settings.compare !== null);
  const sweeping = useAppState((s) => s.run.compare?.sweep === true);
  return (
    <>
      <button type="button" aria-pressed={comparing} onClick={actions.toggleCompare}>
        Compare
      </button>
      <button type="button" aria-pressed={sweeping} onClick={actions.stepSweep}>
        Step sweep
      </button>
    </>
  );
}

function PaneControls({ pane, k, count }: { pane: ComparePane; k: number; count: number }) {
  const actions = useActions();
  const model = useCurrentModel();
  const conditional = (model?.classes.length ?? 0) > 0;
  const id = (what: string) => `pane-${k + 1}-${what}`;
  const set = (patch: Partial<ComparePane>) => actions.setPane(k, patch);
  return (
    <fieldset className="pane-controls">
      <legend>Pane {k + 1}</legend>
      <label htmlFor={id('sampler')}>Pane {k + 1} sampler</label>
      <select id={id('sampler')} value={pane.samplerId} onChange={(e) => set({ samplerId: e.target.value })}>
        {samplers.map((s) => (
          <option key={s.id} value={s.id}>
            {s.label}
          </option>
        ))}
      </select>
      <div className="row">
        <label htmlFor={id('steps')}>Pane {k + 1} steps</label>
        <NumberField
          id={id('steps')}
          name="Steps"
          value={pane.steps}
          min={limits.steps.min}
          max={limits.steps.max}
          onCommit={(steps) => set({ steps })}
        />
      </div>
      <div className="row">
        <label htmlFor={id('sde')}>Pane {k + 1} SDE</label>
        <select
          id={id('sde')}
          value={pane.sde}
          onChange={(e) => set({ sde: e.target.value as ComparePane['sde'] })}
        >
          {sdeKinds.map((kind) => (
            <option key={kind} value={kind}>
              {sdeLabels[kind]}
            </option>
          ))}
        </select>
      </div>
      <div className="row">
        <label htmlFor={id('schedule')}>Pane {k + 1} schedule</label>
        <select
          id={id('schedule')}
          value={pane.schedule}
          onChange={(e) => set({ schedule: e.target.value as ComparePane['schedule'] })}
        >
          {scheduleKinds.map((kind) => (
            <option key={kind} value={kind}>
              {scheduleLabels[kind]}
            </option>
          ))}
        </select>
      </div>
      {conditional && (
        <div className="row">
          <label htmlFor={id('guidance')}>Pane {k + 1} guidance</label>
          <input
            id={id('guidance')}
            type="number"
            min={limits.guidance.min}
            max={limits.guidance.max}
            step={0.5}
            value={pane.guidance}
            onChange={(e) => {
              const w = Number(e.target.value);
              if (e.target.value !== '' && w >= limits.guidance.min && w <= limits.guidance.max)
                set({ guidance: w });
            }}
          />
        </div>
      )}
      <button type="button" onClick={() => actions.removePane(k)} disabled={count <= MIN_PANES}>
        Remove pane {k + 1}
      </button>
    </fieldset>
  );
}

export function ComparePanel() {
  const actions = useActions();
  const panes = useAppState((s) => s.settings.compare);
  const advance = useAppState((s) => s.settings.advance);
  if (panes === null) {
    return (
      <p className="help">
        Compare puts 2–4 samplers side by side on the same seed, prior draw and Brownian path; Step sweep runs
        this setting at 10 to 1000 steps.
      </p>
    );
  }
  return (
    <section className="panel compare-panel" aria-label="Compare panes">
      <p className="help">
        Every pane shares the model, seed, batch, x_T and the Brownian path; each network call serves every
        pane that needs one, so a tick costs the largest NFE, not the sum.
      </p>
      {panes.map((pane, k) => (
        <PaneControls key={k} pane={pane} k={k} count={panes.length} />
      ))}
      <button type="button" onClick={actions.addPane} disabled={panes.length >= MAX_PANES}>
        Add pane
      </button>
      <div className="row">
        <label htmlFor="advance">Advance</label>
        <select
          id="advance"
          value={advance}
          onChange={(e) => actions.setAdvance(e.target.value as (typeof ADVANCES)[number])}
        >
          {ADVANCES.map((a) => (
            <option key={a} value={a}>
              {advanceLabels[a]}
            </option>
          ))}
        </select>
      </div>
    </section>
  );
}
