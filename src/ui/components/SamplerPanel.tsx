/** Sampler choice from the registry, its explanation and citation, and its parameters. */
import { useAppState, useActions, useVisible } from '../contexts';
import { findSampler, samplerParamsWithDefaults, samplers } from '../state/registry-view';
import { FormRow } from './FormRow';
import { ParamControl } from './ParamControl';

const familyLabels = { sde: 'Reverse SDE', ode: 'Probability-flow ODE', langevin: 'Langevin' } as const;

export function SamplerPanel() {
  const visible = useVisible('Sampler');
  const samplerId = useAppState((s) => s.settings.samplerId);
  const stored = useAppState((s) => s.settings.samplerParams[samplerId]);
  const actions = useActions();
  const sampler = findSampler(samplerId);
  const values = samplerParamsWithDefaults(samplerId, stored);
  return (
    <section className="panel" aria-label="Sampler settings">
      {visible && (
        <FormRow id="sampler" label="Sampler">
          <select id="sampler" value={samplerId} onChange={(e) => actions.setSampler(e.target.value)}>
            {(['sde', 'ode', 'langevin'] as const).map((family) => (
              <optgroup key={family} label={familyLabels[family]}>
                {samplers
                  .filter((s) => s.family === family)
                  .map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.label}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        </FormRow>
      )}
      {sampler !== undefined && (
        <div className="explain">
          <p>{sampler.description}</p>
          <p className="cite">
            {sampler.stochastic ? 'Stochastic' : 'Deterministic'} · {sampler.cite}
          </p>
        </div>
      )}
      {visible &&
        sampler?.params.map((spec) => (
          <ParamControl
            key={`${samplerId}.${spec.name}`}
            samplerId={samplerId}
            spec={spec}
            value={values[spec.name]}
            onChange={(v) => actions.setSamplerParam(spec.name, v)}
          />
        ))}
    </section>
  );
}
