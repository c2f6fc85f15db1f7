/** A labelled row: the visible <label> is also the control's accessible name. */
import type { ReactNode } from 'react';

interface FieldProps {
  id: string;
  label: string;
  /** Shown under the control, e.g. a parameter's help text. */
  help?: string;
  /** Shown right of the label, e.g. the current value. */
  value?: ReactNode;
  children: ReactNode;
}

export function Field({ id, label, help, value, children }: FieldProps) {
  return (
    <div className="field">
      <div className="field-head">
        <label htmlFor={id}>{label}</label>
        {value !== undefined && <span className="field-value">{value}</span>}
      </div>
      {children}
      {help !== undefined && help !== '' && <p className="help">{help}</p>}
    </div>
  );
}
