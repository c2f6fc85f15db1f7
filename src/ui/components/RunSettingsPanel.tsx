/** The forward process, the time grid, the noise and the conditioning of a run. */
import { useAppState, useActions, useCurrentModel, useVisible } from '../contexts';
import { limits, scheduleKinds, scheduleLabels, sdeKinds, sdeLabels } from '../state/settings';
import type { ScheduleKind, SdeKind } from '../../core/types';
import { FormRow } from './FormRow';
import { GlossaryTerm } from './Glossary';
import { NumberField } from './NumberField';

function SdePicker() {
  const sde = useAppState((s) => s.settings.sde);
  const actions = useActions();
  if (!useVisible('SDE')) return null;
  return (
    <FormRow
      id="sde"
      label="SDE"
      terms={
        <>
          <GlossaryTerm id="vp" /> · <GlossaryTerm id="sub-vp" /> · <GlossaryTerm id="ve" />
        </>
      }
      help="Forward process. Switching mid-run is a change of coordinates: the trajectory continues."
    >
      <select id="sde" value={sde} onChange={(e) => actions.setSde(e.target.value as SdeKind)}>
        {sdeKinds.map((k) => (
          <option key={k} value={k}>
            {sdeLabels[k]}
          </option>
        ))}
      </select>
    </FormRow>
  );
}

function GridControls() {
  const steps = useAppState((s) => s.settings.steps);
  const schedule = useAppState((s) => s.settings.schedule);
  const actions = useActions();
  const showSteps = useVisible('Steps');
  const showSchedule = useVisible('Schedule');
  return (
    <div className="row">
      {showSteps && (
        <FormRow id="steps" label="Steps">
          <NumberField
            id="steps"
            name="Steps"
            value={steps}
            {...limits.steps}
            onCommit={(n) => actions.setRunSetting({ steps: n })}
          />
        </FormRow>
      )}
      {showSchedule && (
        <FormRow id="schedule" label="Schedule">
          <select
            id="schedule"
            value={schedule}
            onChange={(e) => actions.setRunSetting({ schedule: e.target.value as ScheduleKind })}
          >
            {scheduleKinds.map((k) => (
              <option key={k} value={k}>
                {scheduleLabels[k]}
              </option>
            ))}
          </select>
        </FormRow>
      )}
    </div>
  );
}

function NoiseControls() {
  const seed = useAppState((s) => s.settings.seed);
  const batch = useAppState((s) => s.settings.batch);
  const actions = useActions();
  const showSeed = useVisible('Seed');
  const showBatch = useVisible('Batch size');
  return (
    <>
      {showSeed && (
        <FormRow id="seed" label="Seed">
          <div className="inline">
            <NumberField
              id="seed"
              name="Seed"
              value={seed}
              {...limits.seed}
              onCommit={(n) => actions.setRunSetting({ seed: n })}
            />
            <button
              type="button"
              onClick={() => actions.setRunSetting({ seed: (seed + 1) % (limits.seed.max + 1) })}
            >
              Next seed
            </button>
          </div>
        </FormRow>
      )}
      {showBatch && (
        <FormRow id="batch" label="Batch size" value={batch}>
          <input
            id="batch"
            type="range"
            min={limits.batch.min}
            max={limits.batch.max}
            value={batch}
            onChange={(e) => actions.setRunSetting({ batch: Number(e.target.value) })}
          />
        </FormRow>
      )}
    </>
  );
}

function ConditioningControls() {
  const model = useCurrentModel();
  const classLabel = useAppState((s) => s.settings.classLabel);
  const guidance = useAppState((s) => s.settings.guidance);
  const actions = useActions();
  const showClass = useVisible('Class');
  const showGuidance = useVisible('Guidance');
  if (model === undefined || model.classes.length === 0) return null;
  return (
    <>
      {showClass && (
        <FormRow id="class" label="Class">
          <select
            id="class"
            value={classLabel === null ? 'none' : String(classLabel)}
            onChange={(e) =>
              actions.setConditioning({
                classLabel: e.target.value === 'none' ? null : Number(e.target.value),
              })
            }
          >
            <option value="none">any (unconditional)</option>
            {model.classes.map((c, k) => (
              <option key={c} value={k}>
                {c}
              </option>
            ))}
          </select>
        </FormRow>
      )}
      {showGuidance && classLabel !== null && (
        <FormRow
          id="guidance"
          label="Guidance"
          terms={<GlossaryTerm id="guidance-w">w</GlossaryTerm>}
          value={guidance.toFixed(1)}
          help="Classifier-free guidance weight w, D = D_u + w(D_c − D_u): 0 = unconditional model, 1 = conditional model alone, above 1 = more typical of the class, less diverse (Ho & Salimans 2022)."
        >
          <input
            id="guidance"
            type="range"
            min={limits.guidance.min}
            max={limits.guidance.max}
            step={0.1}
            value={guidance}
            onChange={(e) => actions.setConditioning({ guidance: Number(e.target.value) })}
          />
        </FormRow>
      )}
    </>
  );
}

function DenoiseFinalToggle() {
  const denoiseFinal = useAppState((s) => s.settings.denoiseFinal);
  const actions = useActions();
  if (!useVisible('Denoise final step')) return null;
  return (
    <div className="form-row checkbox-row">
      <input
        id="denoise-final"
        type="checkbox"
        checked={denoiseFinal}
        onChange={(e) => actions.setRunSetting({ denoiseFinal: e.target.checked })}
      />
      <label htmlFor="denoise-final">Denoise final step</label>
      <p className="help">
        Show x̂₀ at the last step instead of x at the smallest σ (removes the last bit of noise).
      </p>
    </div>
  );
}

export function RunSettingsPanel() {
  return (
    <section className="panel" aria-label="Run settings">
      <SdePicker />
      <GridControls />
      <NoiseControls />
      <ConditioningControls />
      <DenoiseFinalToggle />
    </section>
  );
}
