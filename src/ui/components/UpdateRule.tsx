/**
 * The Update rule: the update the sampler runs, typeset with KaTeX, and below it the numbers the
 * displayed step used, substituted in. Everything shown comes from the step's trace (core records
 * it as the step runs, the frame carries it), so the numbers are the ones used; before the first
 * step the active sampler's declared formula stands alone. Hovering or focusing a term highlights
 * the view it is drawn in and says in one sentence what it is.
 *
 * KaTeX renders into DOM nodes (katex.render, styles set through the CSSOM), never through an HTML
 * string, so a Content-Security-Policy without 'unsafe-inline' holds; its stylesheet and fonts come
 * from the package.
 */
import katex from 'katex';
import 'katex/dist/katex.min.css';
import './update-rule.css';
import { memo, useId, useLayoutEffect, useRef, useState } from 'react';
import { useActions, useAppState, useReadout, useVisible } from '../contexts';
import { formulaFor, samplerLabel, termInfo, texTerm, texValue, type TermInfo } from '../state/update-rule';
import type { StepTrace, TraceLine } from '../../core/types';

/** TeX typeset into its own element. */
const Tex = memo(function Tex({ tex, display = false }: { tex: string; display?: boolean }) {
  const ref = useRef<HTMLSpanElement>(null);
  useLayoutEffect(() => {
    if (ref.current) katex.render(tex, ref.current, { throwOnError: false, displayMode: display });
  }, [tex, display]);
  return <span ref={ref} className="tex" />;
});

interface TermProps {
  tex: string;
  symbol: string;
  describedBy: string;
  onPoint(symbol: string | null): void;
}

/** One term of a line: focusable; pointing at it highlights its view and explains it. */
function Term({ tex, symbol, describedBy, onPoint }: TermProps) {
  const view = termInfo(symbol).view;
  return (
    <span
      className="term"
      tabIndex={0}
      data-view={view ?? undefined}
      aria-describedby={describedBy}
      onMouseEnter={() => onPoint(symbol)}
      onMouseLeave={() => onPoint(null)}
      onFocus={() => onPoint(symbol)}
      onBlur={() => onPoint(null)}
    >
      <Tex tex={tex} />
    </span>
  );
}

function Line({
  line,
  describedBy,
  onPoint,
}: {
  line: TraceLine;
  describedBy: string;
  onPoint(s: string | null): void;
}) {
  const label = line.kind === 'form' ? `${line.label ?? 'the paper’s form'} (not evaluated)` : line.label;
  return (
    <div className={line.kind === 'form' ? 'rule-line form' : 'rule-line'}>
      {label !== undefined && <div className="rule-line-label">{label}</div>}
      <div className="rule-line-math">
        <Tex tex={`${line.name} =`} />
        {line.terms.map((term, k) => (
          <Term
            key={k}
            tex={texTerm(term.symbol, term.coef, k === 0)}
            symbol={term.symbol}
            describedBy={describedBy}
            onPoint={onPoint}
          />
        ))}
      </div>
      {line.values.length > 0 && (
        <div className="rule-line-values">
          {line.values.map((v, k) => (
            <Tex key={k} tex={`${v.symbol} = ${texValue(v.value)}`} />
          ))}
        </div>
      )}
    </div>
  );
}

/** The displayed step's scalars and lines; an adaptive solver's stages fold away. */
function StepNumbers({
  trace,
  step,
  describedBy,
  onPoint,
}: {
  trace: StepTrace;
  step: number;
  describedBy: string;
  onPoint(s: string | null): void;
}) {
  const main = trace.lines.filter((l) => !l.minor);
  const minor = trace.lines.filter((l) => l.minor);
  return (
    <div className="rule-numbers" data-testid="update-rule-numbers">
      <h3>Step {step}: the numbers used</h3>
      <ul className="rule-values">
        {trace.values.map((v, k) => (
          <li key={k}>
            <Tex tex={`${v.symbol} = ${texValue(v.value)}`} />
          </li>
        ))}
      </ul>
      {main.map((line, k) => (
        <Line key={k} line={line} describedBy={describedBy} onPoint={onPoint} />
      ))}
      {minor.length > 0 && (
        <details className="rule-stages">
          <summary>Stages ({minor.length} lines)</summary>
          {minor.map((line, k) => (
            <Line key={k} line={line} describedBy={describedBy} onPoint={onPoint} />
          ))}
        </details>
      )}
    </div>
  );
}

export function UpdateRule() {
  const visible = useVisible('Update rule');
  // A playing run's frames reach the panel at most every 100 ms; a step or a seek at once.
  const trace = useReadout((s) => s.run.frame?.trace ?? null);
  const step = useReadout((s) => s.run.frame?.i ?? 0);
  const samplerId = useAppState((s) => s.settings.samplerId);
  const sde = useAppState((s) => s.settings.sde);
  const params = useAppState((s) => s.settings.samplerParams[s.settings.samplerId]);
  const actions = useActions();
  const [pointed, setPointed] = useState<TermInfo | null>(null);
  const explainId = useId();
  if (!visible) return null;
  const formula = formulaFor(trace, samplerId, sde, params ?? {});
  const shownSampler = trace?.samplerId ?? samplerId;
  const onPoint = (symbol: string | null) => {
    const info = symbol === null ? null : termInfo(symbol);
    setPointed(info);
    actions.highlight(info?.view ?? null);
  };
  return (
    <section className="panel update-rule" aria-label="Update rule">
      <h2>
        Update rule <span className="rule-sampler">{samplerLabel(shownSampler)}</span>
      </h2>
      {formula && (
        <div className="rule-formula">
          {formula.lines.map((line, k) => (
            <Tex key={k} tex={line} display />
          ))}
          <p className="rule-cite">{formula.cite}</p>
        </div>
      )}
      {trace && shownSampler !== samplerId && (
        <p className="rule-note">The next step uses {samplerLabel(samplerId)}.</p>
      )}
      {trace ? (
        <StepNumbers trace={trace} step={step} describedBy={explainId} onPoint={onPoint} />
      ) : (
        <p className="rule-note">Press Step to see the numbers of a step.</p>
      )}
      <p id={explainId} className="rule-explain" aria-live="polite">
        {pointed?.text || 'Point at a term to see what it is.'}
      </p>
    </section>
  );
}
