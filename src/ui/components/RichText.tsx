/**
 * Lesson and glossary text: plain text with inline `$…$` TeX (src/shared/lesson-format.ts). Plain
 * runs become text nodes and formulas are typeset by katex.render into their own elements, with
 * `trust` off, so nothing from a lesson file reaches the page as markup; a blank line starts a new
 * paragraph.
 */
import katex from 'katex';
import 'katex/dist/katex.min.css';
import { memo, useLayoutEffect, useRef } from 'react';
import { splitInlineTex, type TextPart } from '../../shared/lesson-format';

/** One formula, typeset into its own span (a formula KaTeX cannot read shows as its source). */
export const Tex = memo(function Tex({ tex, display = false }: { tex: string; display?: boolean }) {
  const ref = useRef<HTMLSpanElement>(null);
  useLayoutEffect(() => {
    if (ref.current)
      katex.render(tex, ref.current, { throwOnError: false, displayMode: display, trust: false });
  }, [tex, display]);
  return <span ref={ref} className="tex" />;
});

function parts(text: string): TextPart[] {
  try {
    return splitInlineTex(text);
  } catch {
    return [{ math: false, text }];
  }
}

/** One run of text with inline maths. */
export function InlineText({ text }: { text: string }) {
  return (
    <>
      {parts(text).map((part, k) =>
        part.math ? <Tex key={k} tex={part.text} /> : <span key={k}>{part.text}</span>,
      )}
    </>
  );
}

/** Text with inline maths, in paragraphs (a blank line starts a new one). */
export function RichText({ text, className }: { text: string; className?: string }) {
  const paragraphs = text.split(/\n\s*\n/);
  return (
    <div className={className}>
      {paragraphs.map((p, k) => (
        <p key={k}>
          <InlineText text={p} />
        </p>
      ))}
    </div>
  );
}
