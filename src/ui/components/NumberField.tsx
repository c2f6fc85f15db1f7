/**
 * A whole-number field a person can type into: what is typed stays a draft — the setting is not
 * touched, the field keeps focus — until Enter, leaving the field, or a pause of COMMIT_AFTER_MS
 * after the last keystroke. A draft that is not a whole number in range is marked invalid
 * (aria-invalid, with a message saying what is allowed) and not applied; Escape drops the draft.
 */
import { useEffect, useRef, useState } from 'react';

/** A pause this long after the last keystroke commits the draft. */
export const COMMIT_AFTER_MS = 800;

/** The whole number `text` says, within [min, max]; else what is wrong, in words. */
export function parseWhole(
  text: string,
  min: number,
  max: number,
  name: string,
): { value: number } | { problem: string } {
  const n = Number(text);
  if (text.trim() !== '' && Number.isInteger(n) && n >= min && n <= max) return { value: n };
  return { problem: `${name} must be a whole number from ${min} to ${max}.` };
}

interface NumberFieldProps {
  id: string;
  /** Used in the message about an invalid value ("Steps must be …"). */
  name: string;
  value: number;
  min: number;
  max: number;
  onCommit(value: number): void;
}

export function NumberField({ id, name, value, min, max, onCommit }: NumberFieldProps) {
  /** What is typed and not yet committed, or null while the field shows the setting. */
  const [draft, setDraft] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // The latest values for a commit from the timer.
  const latest = useRef({ draft, value, onCommit });
  useEffect(() => {
    latest.current = { draft, value, onCommit };
  });
  useEffect(() => () => clearPending(), []);

  function clearPending(): void {
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = null;
  }

  function commit(): void {
    clearPending();
    const { draft: text, value: current, onCommit: apply } = latest.current;
    if (text === null) return;
    const parsed = parseWhole(text, min, max, name);
    if ('problem' in parsed) {
      setInvalid(parsed.problem);
      return;
    }
    setInvalid(null);
    setDraft(null);
    if (parsed.value !== current) apply(parsed.value);
  }

  const errorId = `${id}-error`;
  return (
    <div className="number-field">
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        step={1}
        value={draft ?? String(value)}
        aria-invalid={invalid !== null ? true : undefined}
        aria-describedby={invalid !== null ? errorId : undefined}
        onChange={(e) => {
          const text = e.target.value;
          setDraft(text);
          latest.current = { ...latest.current, draft: text };
          // Typing again clears the mark until the next commit says otherwise.
          setInvalid(null);
          clearPending();
          timer.current = setTimeout(commit, COMMIT_AFTER_MS);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          else if (e.key === 'Escape') {
            clearPending();
            setDraft(null);
            setInvalid(null);
          }
        }}
        onBlur={commit}
      />
      {invalid !== null && (
        <p id={errorId} className="help error-text" role="alert">
          {invalid} Not applied; {name} stays {value}.
        </p>
      )}
    </div>
  );
}
