/** Play / Pause / Step / Reset, the speed cap and the Timeline scrubber, with keyboard shortcuts. */
import { useEffect, type CSSProperties } from 'react';
import { useAppState, useActions, useVisible } from '../contexts';
import type { Actions } from '../engine-io/actions';
import { limits } from '../state/settings';
import { Direction } from './Direction';
import { formatNumber } from './format';
import { shortcutsApply, TRANSPORT_KEYS_ATTRIBUTE } from './shortcuts';

/** Space: play/pause; →: one step; ←: one step back (seek i − 1) — unless focus has keys of its own. */
function useTransportKeys(actions: Actions): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      if (!shortcutsApply(e.target instanceof HTMLElement ? e.target : null, e.key)) return;
      const handlers: Record<string, () => void> = {
        ' ': actions.togglePlay,
        ArrowRight: actions.step,
        ArrowLeft: actions.stepBack,
      };
      const handler = handlers[e.key];
      if (handler === undefined) return;
      e.preventDefault();
      handler();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [actions]);
}

/** The Timeline in Forward: t from 0 to T = 1 (the forward time shown). */
function ForwardTimeline() {
  const t = useAppState((s) => s.settings.forwardT);
  const shown = useAppState((s) => s.forward.frame?.forward?.t ?? null);
  const sigma = useAppState((s) => s.forward.frame?.sigma ?? null);
  const noRun = useAppState((s) => s.run.runId === null);
  const actions = useActions();
  return (
    <div className="timeline">
      <label htmlFor="timeline">Timeline</label>
      <input
        id="timeline"
        type="range"
        min={0}
        max={1}
        step={0.001}
        value={t}
        disabled={noRun}
        style={{ '--reached': `${t * 100}%` } as CSSProperties}
        onChange={(e) => actions.seekForward(Number(e.target.value))}
        aria-valuetext={`forward time t = ${t.toFixed(3)}`}
        {...{ [TRANSPORT_KEYS_ATTRIBUTE]: '' }}
      />
      <output className="step-counter" aria-label="Forward time" data-t={shown ?? undefined}>
        t = {t.toFixed(2)}
        {sigma !== null && <span className="sigma"> · σ = {formatNumber(sigma)}</span>}
      </output>
    </div>
  );
}

function Timeline() {
  const forward = useAppState((s) => s.settings.direction === 'forward');
  if (!useVisible('Timeline')) return null;
  return forward ? <ForwardTimeline /> : <ReverseTimeline />;
}

function ReverseTimeline() {
  const i = useAppState((s) => s.run.i);
  const steps = useAppState((s) => s.run.steps);
  const reached = useAppState((s) => s.run.reached);
  const noRun = useAppState((s) => s.run.runId === null);
  const computing = useAppState((s) => s.run.pendingStep?.i);
  const actions = useActions();
  const max = Math.max(1, steps);
  const reachedPct = (Math.max(0, reached) / max) * 100;
  return (
    <div className="timeline">
      <label htmlFor="timeline">Timeline</label>
      <input
        id="timeline"
        type="range"
        min={0}
        max={max}
        step={1}
        value={i}
        disabled={noRun}
        style={{ '--reached': `${reachedPct}%` } as CSSProperties}
        onChange={(e) => actions.seek(Number(e.target.value))}
        aria-valuetext={`step ${i} of ${steps}`}
        {...{ [TRANSPORT_KEYS_ATTRIBUTE]: '' }}
      />
      <output className="step-counter" aria-label="Step counter" data-step={i} data-computing={computing}>
        step {i} / {steps}
      </output>
    </div>
  );
}

export function Transport() {
  const status = useAppState((s) =>
    s.settings.direction === 'forward' ? (s.forward.playing ? 'playing' : 'paused') : s.run.status,
  );
  const speed = useAppState((s) => s.settings.stepsPerSecond);
  const forward = useAppState((s) => s.settings.direction === 'forward');
  const canReverse = useAppState(
    (s) => s.forward.frame !== null && s.forward.frame.runId === s.run.runId && s.forward.frame.sigma > 0,
  );
  const actions = useActions();
  useTransportKeys(actions);
  const show = {
    play: useVisible('Play'),
    pause: useVisible('Pause'),
    step: useVisible('Step'),
    reset: useVisible('Reset'),
    speed: useVisible('Speed'),
  };
  const busy = status === 'loading';
  return (
    <section className="transport" aria-label="Transport">
      <div className="buttons">
        <Direction />
        {show.play && (
          <button
            type="button"
            className="primary"
            onClick={actions.play}
            disabled={busy || status === 'playing'}
          >
            <span aria-hidden="true">▶</span> Play
          </button>
        )}
        {show.pause && (
          <button type="button" onClick={actions.pause} disabled={status !== 'playing'}>
            <span aria-hidden="true">❚❚</span> Pause
          </button>
        )}
        {show.step && (
          <button
            type="button"
            onClick={actions.step}
            disabled={busy || status === 'idle' || status === 'done'}
          >
            Step <span aria-hidden="true">▸</span>
          </button>
        )}
        {forward && (
          <button
            type="button"
            onClick={actions.reverseFromHere}
            disabled={!canReverse}
            title="Run the reverse process from this x_t, starting at this t"
          >
            Reverse from here
          </button>
        )}
        {show.reset && (
          <button type="button" onClick={actions.reset} disabled={busy}>
            <span aria-hidden="true">↺</span> Reset
          </button>
        )}
      </div>
      {/* The Timeline and Speed share a row, so the transport stays two rows high on a projector. */}
      <div className="timeline-row">
        <Timeline />
        {show.speed && (
          <div className="speed">
            <label htmlFor="speed">Speed</label>
            <input
              id="speed"
              type="range"
              min={limits.stepsPerSecond.min}
              max={limits.stepsPerSecond.max}
              value={speed}
              onChange={(e) => actions.setSpeed(Number(e.target.value))}
            />
            <span className="control-value">{formatNumber(speed)} steps/s</span>
          </div>
        )}
      </div>
    </section>
  );
}
