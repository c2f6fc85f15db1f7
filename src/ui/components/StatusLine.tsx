/** Backend, cost per step (model vs the rest), measured steps/s, NFE, σ and t. */
import { useAppState, useReadout, useCurrentModel } from '../contexts';
import { formatNumber } from './format';
import { GlossaryTerm } from './Glossary';
import { ForwardStatus } from './ForwardStatus';
import { CompareCalls } from './CompareViews';

function backendText(ep: string | null, threads: number, analytic: boolean, onGpu: boolean): string {
  if (analytic) return 'exact mixture (JavaScript)';
  if (ep === null) return 'starting…';
  // GPU-resident: the trajectory stays in GPU buffers and the worker draws the pictures from them.
  if (ep === 'webgpu') return onGpu ? 'WebGPU · GPU-resident' : 'WebGPU';
  return `WASM × ${threads} thread${threads === 1 ? '' : 's'}`;
}

/**
 * The numbers change with every step; while playing they update at most ten times a second
 * (useReadout), which is as fast as anyone reads them. The state (data-testid run-status) is exact.
 */
export function StatusLine() {
  const backend = useAppState((s) => s.backend);
  const status = useAppState((s) => s.run.status);
  const run = useReadout((s) => s.run);
  const timings = run.timings;
  const analytic = useCurrentModel()?.analytic ?? false;
  // Forward (issue 12): σ and t of the frame shown, and the forward process's own numbers.
  const forward = useAppState((s) => s.settings.direction === 'forward');
  const forwardFrame = useAppState((s) => s.forward.frame);
  const shown = forward ? forwardFrame : run.frame;
  const compare = run.compare?.frame ?? null;
  if (run.compare !== null) {
    // A comparison: its panes show their own NFE and ms per step; here, the shared network calls.
    return (
      <dl className="status-line" aria-label="Status">
        <div>
          <dt>Backend</dt>
          <dd data-testid="backend">
            {backendText(backend.ep, backend.threads, analytic, compare?.onGpu ?? false)}
          </dd>
        </div>
        <div>
          <dt>Network calls</dt>
          {compare === null ? <dd>–</dd> : <CompareCalls frame={compare} />}
        </div>
        <div>
          <dt>ticks / s</dt>
          <dd>{status === 'playing' && run.stepsPerSecond > 0 ? run.stepsPerSecond.toFixed(1) : '–'}</dd>
        </div>
        <div>
          <dt>State</dt>
          <dd data-testid="run-status">{status}</dd>
        </div>
      </dl>
    );
  }
  return (
    <dl className="status-line" aria-label="Status">
      <div>
        <dt>Backend</dt>
        <dd data-testid="backend">
          {backendText(backend.ep, backend.threads, analytic, run.frame?.onGpu ?? false)}
        </dd>
      </div>
      {forward ? (
        <ForwardStatus />
      ) : (
        <>
          <div>
            <dt>ms / step</dt>
            <dd>
              {timings === null
                ? '–'
                : `${timings.modelMs.toFixed(1)} model + ${timings.otherMs.toFixed(1)} other`}
            </dd>
          </div>
          <div>
            <dt>steps / s</dt>
            <dd>{status === 'playing' && run.stepsPerSecond > 0 ? run.stepsPerSecond.toFixed(1) : '–'}</dd>
          </div>
          <ForwardStatus />
        </>
      )}
      <div>
        <dt>
          <GlossaryTerm id="nfe" />
        </dt>
        <dd data-testid="nfe">{forward ? (forwardFrame?.nfeTotal ?? 0) : run.nfeTotal}</dd>
      </div>
      <div>
        <dt>
          <GlossaryTerm id="sigma" />
        </dt>
        <dd>{shown === null ? '–' : formatNumber(shown.sigma)}</dd>
      </div>
      <div>
        <dt>
          <GlossaryTerm id="t" />
        </dt>
        <dd>{shown === null ? '–' : shown.t.toFixed(3)}</dd>
      </div>
      <div>
        <dt>State</dt>
        <dd data-testid="run-status">{status}</dd>
      </div>
    </dl>
  );
}
