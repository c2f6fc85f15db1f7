/**
 * Notices: errors with Retry where it helps, warnings, and the WASM fallback note. Dismissing a
 * notice removes it; the WASM note, which stays true, shrinks to one line instead.
 */
import { useState } from 'react';
import { useAppState, useActions, useCurrentModel } from '../contexts';
import type { BackendSlice, CatalogueEntry } from '../state/store';

/** Whether the page is cross-origin isolated, which several WASM threads need. */
export interface Isolation {
  isolated: boolean;
  /** A helper (public/coi-sw.js) can make the page isolated from its next load on. */
  helperPossible: boolean;
}

/** The page's isolation, read from the browser. */
export function pageIsolation(): Isolation {
  return {
    isolated: globalThis.crossOriginIsolated === true,
    helperPossible: globalThis.isSecureContext === true && 'serviceWorker' in navigator,
  };
}

/** The note shown when a network runs on WASM because WebGPU is missing (toys need no backend). */
export function wasmNote(
  backend: BackendSlice,
  model: CatalogueEntry | undefined,
  isolation: Isolation = { isolated: true, helperPossible: false },
): string | null {
  if (backend.ep !== 'wasm' || model === undefined || model.analytic) return null;
  // A drawing (exact empirical denoiser) or a core MLP card never runs in onnxruntime: the
  // drawing panel says where they run.
  if (model.card.mlp !== undefined || model.id === 'drawing') return null;
  const threads = `${backend.threads} thread${backend.threads === 1 ? '' : 's'}`;
  // A software WebGPU adapter (SwiftShader …) is the browser's own fallback: a GPU, not another browser, helps.
  const advice = /software/i.test(backend.reason)
    ? 'this browser offers WebGPU only in software, which is slower still; on a machine with a GPU (and its driver enabled for the browser) it runs on WebGPU.'
    : 'a browser with WebGPU (recent Chrome or Edge) is faster.';
  const note = `The network runs on the CPU (WASM, ${threads}): ${backend.reason}. Pictures are the same as with WebGPU, only slower; ${advice}`;
  if (backend.threads > 1 || isolation.isolated) return note;
  // Several threads need cross-origin isolation, which this host's headers do not give.
  const threadsNote = isolation.helperPossible
    ? ' It uses 1 thread until the page is reloaded: this host does not send the cross-origin isolation headers that several threads need, and a helper adds them from the next load on.'
    : ' It uses 1 thread: this host does not send the cross-origin isolation headers that several threads need.';
  return note + threadsNote;
}

/** One line saying where the network runs, once the full note is dismissed. */
function wasmLine(backend: BackendSlice): string {
  return `WASM on the CPU, ${backend.threads} thread${backend.threads === 1 ? '' : 's'}: slower than WebGPU, the same pictures.`;
}

function BackendNote() {
  const backend = useAppState((s) => s.backend);
  const [short, setShort] = useState(false);
  const note = wasmNote(backend, useCurrentModel(), pageIsolation());
  if (note === null) return null;
  return (
    <div className={`banner banner-info${short ? ' banner-line' : ''}`} role="status" data-testid="wasm-note">
      <div className="banner-text">
        <strong>Running on WASM.</strong> {short ? wasmLine(backend) : note}
      </div>
      <button
        type="button"
        className={short ? 'quiet small' : 'quiet'}
        aria-label={short ? 'Show the WASM note' : 'Dismiss: Running on WASM'}
        aria-expanded={!short}
        onClick={() => setShort(!short)}
      >
        {short ? 'details' : '×'}
      </button>
    </div>
  );
}

/** Newest first, so a new notice is never hidden below older ones; the WASM note last. */
export function Banners() {
  const notices = useAppState((s) => s.notices);
  const actions = useActions();
  return (
    <div className="banners">
      {[...notices].reverse().map((n) => (
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
      <BackendNote />
    </div>
  );
}
