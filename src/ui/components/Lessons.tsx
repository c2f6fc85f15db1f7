/**
 * Lessons (issue 12): the header's "Lessons" button opens a dialog named "Lessons" whose entries are
 * links (`#lesson=<id>&lstep=1`), and an open lesson shows in the region named "Lesson": the step's
 * text with inline maths, an optional predict-then-reveal question, and Back / "Step k of n" /
 * Next. The player behind it is src/ui/engine-io/lesson-player.ts. `hide=lessons` hides both.
 */
import { useEffect, useRef, useState } from 'react';
import { useAppState, useLessonPlayer, useVisible } from '../contexts';
import type { LessonIndexEntry } from '../../shared/lesson-format';
import { InlineText, RichText } from './RichText';
import './lessons.css';

/** The header's button and the dialog it opens. */
export function LessonsButton() {
  const player = useLessonPlayer();
  const visible = useVisible('Lessons');
  const dialog = useRef<HTMLDialogElement>(null);
  const [entries, setEntries] = useState<LessonIndexEntry[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  // A link followed or pasted while the list is open shows what it links to: the modal list goes.
  useEffect(() => {
    const closeOnLink = (): void => dialog.current?.close();
    window.addEventListener('hashchange', closeOnLink);
    return () => window.removeEventListener('hashchange', closeOnLink);
  }, []);
  if (!visible || player === null) return null;
  const openList = (): void => {
    dialog.current?.showModal();
    if (entries !== null) return;
    player
      .index()
      .then((list) => {
        setEntries(list);
        setProblem(null);
      })
      .catch((err: unknown) => setProblem(err instanceof Error ? err.message : String(err)));
  };
  const close = (): void => dialog.current?.close();
  return (
    <>
      <button type="button" className="lessons-button" onClick={openList}>
        Lessons
      </button>
      <dialog
        ref={dialog}
        className="lessons-dialog"
        aria-label="Lessons"
        onClick={(e) => {
          // A click on the backdrop (the dialog element itself, outside its content) closes it.
          if (e.target === dialog.current) close();
        }}
      >
        <div className="lessons-dialog-body">
          <div className="lessons-dialog-head">
            <h2>Lessons</h2>
            <button type="button" className="quiet" aria-label="Close the list of lessons" onClick={close}>
              ×
            </button>
          </div>
          <p className="help">
            From the forward process to predictor–corrector, each a few steps with the real maths running. A
            lesson opens beside the pictures; its address can be shared.
          </p>
          {problem !== null && (
            <p className="error-text" role="alert">
              {problem}
            </p>
          )}
          {entries === null && problem === null && <p>Loading the list…</p>}
          {entries !== null && (
            <ol className="lessons-list">
              {entries.map((entry) => (
                <li key={entry.id}>
                  <a href={`#lesson=${entry.id}&lstep=1`} onClick={close}>
                    {entry.title}
                  </a>
                  <span className="lessons-summary">{entry.summary}</span>
                </li>
              ))}
            </ol>
          )}
        </div>
      </dialog>
    </>
  );
}

/** The open lesson's region. */
export function LessonPanel() {
  const player = useLessonPlayer();
  const view = useAppState((s) => s.lesson);
  const visible = useVisible('Lessons');
  const heading = useRef<HTMLHeadingElement>(null);
  const revealBox = useRef<HTMLDivElement>(null);
  // Folded, the panel keeps its title and Back/Next and uncovers the settings under it (a step may
  // ask the student to use a tool there).
  const step = view?.step ?? 0;
  // The step the panel was folded at (a fold lasts for its step only).
  const [foldedAt, setFoldedAt] = useState<number | null>(null);
  const folded = foldedAt === step;
  const revealed = view?.revealed ?? false;
  // The answer comes into view when it is revealed (the panel may have scrolled it out).
  useEffect(() => {
    if (revealed) revealBox.current?.scrollIntoView?.({ block: 'nearest' });
  }, [revealed]);
  // A new step starts at its top (the panel scrolls on its own).
  useEffect(() => {
    heading.current?.parentElement?.parentElement?.scrollTo?.({ top: 0 });
  }, [step]);
  if (!visible || player === null || view === null) return null;
  const lesson = view.lesson;
  if (lesson === null) {
    return (
      <section className="area-lesson lesson-panel" aria-label="Lesson">
        <p>Loading the lesson…</p>
      </section>
    );
  }
  const n = lesson.steps.length;
  const current = lesson.steps[view.step - 1];
  const question = current.question;
  return (
    <section className="area-lesson lesson-panel" aria-label="Lesson">
      <div className="lesson-head">
        <h2 ref={heading}>{lesson.title}</h2>
        <span className="lesson-head-buttons">
          <button
            type="button"
            className="quiet"
            aria-label={folded ? 'Unfold the lesson' : 'Fold the lesson'}
            aria-expanded={!folded}
            title={folded ? 'Show the lesson text again' : 'Fold the lesson to reach the settings under it'}
            onClick={() => setFoldedAt(folded ? null : step)}
          >
            {folded ? '▸' : '▾'}
          </button>
          <button type="button" className="quiet" aria-label="Close the lesson" onClick={player.close}>
            ×
          </button>
        </span>
      </div>
      <div className="lesson-body" hidden={folded}>
        <RichText key={`text-${view.step}`} text={current.text} className="lesson-text" />
        {view.missing.length > 0 && (
          <p className="lesson-missing">
            This step also asks for {view.missing.join(' and ')}, which this version of the page does not have
            yet; the pictures show the rest of the step&rsquo;s settings.
          </p>
        )}
        {question !== undefined && (
          <fieldset className="lesson-question" key={`q-${view.step}`}>
            <legend>
              <span className="lesson-predict">Predict:</span> <InlineText text={question.prompt} />
            </legend>
            {question.options.map((option, k) => {
              const id = `lesson-option-${view.step}-${k}`;
              const mark = view.revealed ? (k === question.answer ? ' lesson-right' : '') : '';
              return (
                <div key={k} className={`lesson-option${mark}`}>
                  <input
                    id={id}
                    type="radio"
                    name={`lesson-q-${view.step}`}
                    checked={view.chosen === k}
                    onChange={() => player.choose(k)}
                  />
                  <label htmlFor={id}>
                    <InlineText text={option} />
                  </label>
                </div>
              );
            })}
            <button type="button" onClick={player.reveal} disabled={view.chosen === null || view.revealed}>
              Reveal
            </button>
            {view.chosen === null && !view.revealed && (
              <span className="help lesson-hint"> Pick an answer first.</span>
            )}
            {view.revealed && (
              <div className="lesson-reveal" role="status" ref={revealBox}>
                <p className="lesson-verdict">
                  {view.chosen === question.answer ? 'Right. ' : 'Not quite. '}
                  The answer: <InlineText text={question.options[question.answer]} />
                </p>
                <RichText text={question.reveal} />
              </div>
            )}
          </fieldset>
        )}
      </div>
      <nav className="lesson-nav" aria-label="Move through the lesson">
        <button type="button" onClick={player.back} disabled={view.step <= 1}>
          Back
        </button>
        <output className="lesson-counter" aria-label="Lesson step">
          Step {view.step} of {n}
        </output>
        <button type="button" className="primary" onClick={player.next} disabled={view.step >= n}>
          Next
        </button>
      </nav>
    </section>
  );
}
