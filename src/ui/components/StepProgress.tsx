/**
 * A slow step, said out loud: after about a second, "computing step k (n s)…" over the pictures,
 * with Cancel step. The count keeps going even while the engine is inside one network call (the
 * page's own clock), which is when Cancel step has to replace the worker.
 */
import { useEffect, useState } from 'react';
import { useAppState, useActions } from '../contexts';

/** A step shows as slow after this long. */
export const SLOW_STEP_MS = 1000;

export function StepProgress() {
  const pending = useAppState((s) => s.run.pendingStep);
  const actions = useActions();
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (pending === null) return;
    const timer = setInterval(() => setNow(performance.now()), 250);
    return () => clearInterval(timer);
  }, [pending]);
  if (pending === null) return null;
  const elapsed = now - pending.since;
  if (elapsed < SLOW_STEP_MS) return null;
  return (
    <div className="step-progress" role="status" data-testid="step-progress">
      <span>
        computing step {pending.i} ({Math.floor(elapsed / 1000)} s)…
      </span>
      <button type="button" onClick={actions.cancelStep}>
        Cancel step
      </button>
    </div>
  );
}
