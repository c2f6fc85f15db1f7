/** A labelled row: the visible <label> is also the control's accessible name. */
import type { ReactNode } from 'react';

interface FormRowProps {
  id: string;
  label: string;
  /** Shown under the control, e.g. a parameter's help text. */
  help?: string;
  /** Shown right of the label, e.g. the current value. */
  value?: ReactNode;
  /** Shown right after the label, outside it (so the control's name stays the label): glossary terms. */
  terms?: ReactNode;
  children: ReactNode;
}

export function FormRow({ id, label, help, value, terms, children }: FormRowProps) {
  return (
    <div className="form-row">
      <div className="form-row-head">
        <span className="form-row-name">
          <label htmlFor={id}>{label}</label>
          {terms !== undefined && <span className="form-row-terms">{terms}</span>}
        </span>
        {value !== undefined && <span className="control-value">{value}</span>}
      </div>
      {children}
      {help !== undefined && help !== '' && <p className="help">{help}</p>}
    </div>
  );
}
