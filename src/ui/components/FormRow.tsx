/** A labelled row: the visible <label> is also the control's accessible name. */
import type { ReactNode } from 'react';

interface FormRowProps {
  id: string;
  label: string;
  /** Shown under the control, e.g. a parameter's help text. */
  help?: string;
  /** Shown right of the label, e.g. the current value. */
  value?: ReactNode;
  children: ReactNode;
}

export function FormRow({ id, label, help, value, children }: FormRowProps) {
  return (
    <div className="form-row">
      <div className="form-row-head">
        <label htmlFor={id}>{label}</label>
        {value !== undefined && <span className="control-value">{value}</span>}
      </div>
      {children}
      {help !== undefined && help !== '' && <p className="help">{help}</p>}
    </div>
  );
}
