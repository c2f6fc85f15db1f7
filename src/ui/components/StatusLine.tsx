/** Backend, cost per step (model vs the rest), measured steps/s, NFE, σ and t. */
import { useAppState, useReadout, useCurrentModel } from '../contexts';
import { formatNumber } from './format';
import { GlossaryTerm } from './Glossary';

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
  return (
    <dl className="status-line" aria-label="Status">
      <div>
        <dt>Backend</dt>
        <dd data-testid="backend">
          {backendText(backend.ep, backend.threads, analytic, run.frame?.onGpu ?? false)}
        </dd>
      </div>
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
      <div>
        <dt>
          <GlossaryTerm id="nfe" />
        </dt>
        <dd data-testid="nfe">{run.nfeTotal}</dd>
      </div>
      <div>
        <dt>
          <GlossaryTerm id="sigma" />
        </dt>
        <dd>{run.frame === null ? '–' : formatNumber(run.sigma)}</dd>
      </div>
      <div>
        <dt>
          <GlossaryTerm id="t" />
        </dt>
        <dd>{run.frame === null ? '–' : run.t.toFixed(3)}</dd>
      </div>
      <div>
        <dt>State</dt>
        <dd data-testid="run-status">{status}</dd>
      </div>
    </dl>
  );
}
