/** One sampler parameter, built from its ParamSpec alone (label, range, help text). */
import type { ParamSpec, ParamValue } from '../../core/types';
import { formatNumber } from './format';
import { FormRow } from './FormRow';
import { GlossaryTerm } from './Glossary';

/** Sampler parameters that are glossary terms (parameter name → glossary id, symbol shown). */
const paramTerms: Readonly<Record<string, { id: string; symbol: string }>> = {
  snr: { id: 'snr-r', symbol: 'r' },
};

interface ParamControlProps {
  samplerId: string;
  spec: ParamSpec;
  value: ParamValue;
  onChange(value: ParamValue): void;
}

/** Slider position 0..1000 ↔ value, logarithmic when the spec says so. */
const sliderTicks = 1000;
function toSlider(spec: { min: number; max: number; log?: boolean }, v: number): number {
  if (!spec.log) return v;
  return (Math.log(v / spec.min) / Math.log(spec.max / spec.min)) * sliderTicks;
}
function fromSlider(spec: { min: number; max: number; step: number; log?: boolean }, pos: number): number {
  if (!spec.log) return pos;
  const v = spec.min * Math.pow(spec.max / spec.min, pos / sliderTicks);
  return Number(v.toPrecision(3));
}

export function ParamControl({ samplerId, spec, value, onChange }: ParamControlProps) {
  const id = `param-${samplerId}-${spec.name}`;
  switch (spec.kind) {
    case 'number':
    case 'int': {
      const n = Number(value);
      const term = paramTerms[spec.name];
      return (
        <FormRow
          id={id}
          label={spec.label}
          help={spec.help}
          value={formatNumber(n)}
          terms={term && <GlossaryTerm id={term.id}>{term.symbol}</GlossaryTerm>}
        >
          <input
            id={id}
            type="range"
            min={spec.log ? 0 : spec.min}
            max={spec.log ? sliderTicks : spec.max}
            step={spec.log ? 1 : spec.step}
            value={toSlider(spec, n)}
            onChange={(e) => onChange(fromSlider(spec, Number(e.target.value)))}
          />
        </FormRow>
      );
    }
    case 'choice':
      return (
        <FormRow id={id} label={spec.label} help={spec.help}>
          <select id={id} value={String(value)} onChange={(e) => onChange(e.target.value)}>
            {spec.choices.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </FormRow>
      );
    case 'bool':
      return (
        <div className="form-row checkbox-row">
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            onChange={(e) => onChange(e.target.checked)}
          />
          <label htmlFor={id}>{spec.label}</label>
          <p className="help">{spec.help}</p>
        </div>
      );
    default: {
      const unreachable: never = spec;
      return unreachable;
    }
  }
}
