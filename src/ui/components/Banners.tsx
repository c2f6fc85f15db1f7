/** Notices: errors with Retry where it helps, warnings, and the WASM fallback note. */
import { useAppState, useActions, useCurrentModel } from '../contexts';
import type { BackendSlice, CatalogueEntry } from '../state/store';

/** The note shown when a network runs on WASM because WebGPU is missing (toys need no backend). */
export function wasmNote(backend: BackendSlice, model: CatalogueEntry | undefined): string | null {
  if (backend.ep !== 'wasm' || model === undefined || model.analytic) return null;
  const threads = `${backend.threads} thread${backend.threads === 1 ? '' : 's'}`;
  // A software WebGPU adapter (SwiftShader …) is the browser's own fallback: a GPU, not another browser, helps.
  const advice = /software/i.test(backend.reason)
    ? 'this browser offers WebGPU only in software, which is slower still; on a machine with a GPU (and its driver enabled for the browser) it runs on WebGPU.'
    : 'a browser with WebGPU (recent Chrome or Edge) is faster.';
  return `The network runs on the CPU (WASM, ${threads}): ${backend.reason}. Pictures are the same as with WebGPU, only slower; ${advice}`;
}

function BackendNote() {
  const backend = useAppState((s) => s.backend);
  const note = wasmNote(backend, useCurrentModel());
  if (note === null) return null;
  return (
    <div className="banner banner-info" role="status" data-testid="wasm-note">
      <div className="banner-text">
        <strong>Running on WASM.</strong> {note}
      </div>
    </div>
  );
}

export function Banners() {
  const notices = useAppState((s) => s.notices);
  const actions = useActions();
  return (
    <div className="banners">
      <BackendNote />
      {notices.map((n) => (
        <div key={n.id} className={`banner banner-${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <div className="banner-text">
            <strong>{n.title}</strong> {n.message}
          </div>
          {n.retryModelId !== undefined && (
            <button type="button" onClick={() => actions.retryModel(n.retryModelId ?? '')}>
              Retry
            </button>
          )}
          <button
            type="button"
            className="quiet"
            aria-label={`Dismiss: ${n.title}`}
            onClick={() => actions.dismissNotice(n.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
