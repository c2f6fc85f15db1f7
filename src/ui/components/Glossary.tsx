/**
 * Glossary terms on screen (x_t, x̂₀, t, σ, score, NFE, SNR r, guidance w, VP/sub-VP/VE): each is a
 * focusable term whose one-sentence definition and formula (src/shared/glossary.ts) show in a
 * tooltip on hover and on keyboard focus; Escape hides it. `hide=glossary` leaves the bare words.
 */
import { useId, useState, type CSSProperties, type ReactNode } from 'react';
import { useVisible } from '../contexts';
import { glossaryEntry } from '../../shared/glossary';
import { InlineText, Tex } from './RichText';

interface GlossaryTermProps {
  /** The entry's id in src/shared/glossary.ts. */
  id: string;
  /** What the page shows (default: the entry's term). */
  children?: ReactNode;
}

/** Widest a tooltip gets, in CSS px (styles: .glossary-tip). */
const TIP_WIDTH = 360;

/**
 * Where the tooltip goes: fixed to the viewport (so no scrolling column or clipped caption cuts
 * it), under the term, or over it when the term is in the lower half of the window.
 */
function tipPlace(term: DOMRect, width: number, height: number): CSSProperties {
  const left = Math.max(8, Math.min(term.left, width - TIP_WIDTH - 8));
  return term.top > height / 2 ? { left, bottom: height - term.top + 6 } : { left, top: term.bottom + 6 };
}

export function GlossaryTerm({ id, children }: GlossaryTermProps) {
  const entry = glossaryEntry(id);
  const tipId = useId();
  const [place, setPlace] = useState<CSSProperties | null>(null);
  const open = place !== null;
  const show = (e: { currentTarget: HTMLElement }): void =>
    setPlace(tipPlace(e.currentTarget.getBoundingClientRect(), window.innerWidth, window.innerHeight));
  const hide = (): void => setPlace(null);
  const visible = useVisible('Glossary');
  const shown = children ?? entry.term;
  if (!visible) return <>{shown}</>;
  return (
    <span
      className="glossary-term"
      tabIndex={0}
      data-glossary={id}
      aria-describedby={tipId}
      onMouseEnter={show}
      onMouseLeave={hide}
      onFocus={show}
      onBlur={hide}
      onKeyDown={(e) => {
        if (e.key === 'Escape') hide();
      }}
    >
      {shown}
      <span
        id={tipId}
        role="tooltip"
        className="glossary-tip"
        hidden={!open}
        style={place ?? undefined}
        data-testid={`glossary-${id}`}
      >
        <strong className="glossary-name">{entry.term}</strong> <InlineText text={entry.definition} />
        <span className="glossary-formula">
          <Tex tex={entry.formula} />
        </span>
      </span>
    </span>
  );
}
