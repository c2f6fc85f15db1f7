/**
 * A collapsible group of settings in the side column: open on a wide screen, closed on a phone
 * (where the settings come after the picture and the transport), each one toggled on its own.
 */
import { useState, type ReactNode } from 'react';

/** The width below which the page lays out for a phone (styles.css uses the same). */
export const PHONE_QUERY = '(max-width: 899px)';

function onPhone(): boolean {
  return typeof window !== 'undefined' && window.matchMedia?.(PHONE_QUERY).matches === true;
}

export function SettingsGroup({ title, children }: { title: string; children: ReactNode }) {
  const [open, setOpen] = useState(() => !onPhone());
  return (
    <details
      className="group"
      open={open}
      onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>{title}</summary>
      <div className="group-body">{children}</div>
    </details>
  );
}
