/**
 * Chooses onnxruntime-web's execution provider (WebGPU when an adapter exists and a session
 * creates on it, WASM otherwise), configures the runtime's asset paths and thread count, and says
 * why in words the page can show.
 */
import * as ort from 'onnxruntime-web';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import mjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import type { EpPreference, ExecutionProvider } from './protocol';

export interface Backend {
  ep: ExecutionProvider;
  threads: number;
  /** e.g. "WebGPU unavailable: navigator.gpu missing — using WASM × 2 threads". */
  reason: string;
}

export interface CreatedSession {
  session: ort.InferenceSession;
  backend: Backend;
}

let configured = false;

/** Sets where the runtime's .wasm/.mjs files live and how many threads it may use (once). */
export function configureRuntime(): number {
  const threads = wasmThreads();
  if (!configured) {
    ort.env.wasm.wasmPaths = { wasm: absolute(wasmUrl), mjs: absolute(mjsUrl) };
    ort.env.wasm.numThreads = threads;
    ort.env.logLevel = 'error';
    configured = true;
  }
  return threads;
}

/** COOP/COEP give SharedArrayBuffer, hence threads; without them ORT runs on one. */
export function wasmThreads(): number {
  if (!globalThis.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1));
}

/** Why WebGPU cannot be used here, or null when an adapter is available. */
export async function webGpuUnavailableReason(): Promise<string | null> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return 'navigator.gpu missing';
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? null : 'no adapter (the browser has WebGPU but no usable GPU)';
  } catch (e) {
    return `requestAdapter failed (${errorText(e)})`;
  }
}

/** Creates the session on the preferred provider, falling back from WebGPU to WASM with a reason. */
export async function createSession(bytes: Uint8Array, preference: EpPreference): Promise<CreatedSession> {
  const threads = configureRuntime();
  const wasmLabel = `WASM × ${threads} thread${threads === 1 ? '' : 's'}`;
  if (preference === 'wasm') {
    const session = await createOn(bytes, 'wasm');
    return { session, backend: { ep: 'wasm', threads, reason: `WASM requested — using ${wasmLabel}` } };
  }
  let why = await webGpuUnavailableReason();
  if (why === null) {
    try {
      const session = await createOn(bytes, 'webgpu');
      return { session, backend: { ep: 'webgpu', threads, reason: 'WebGPU adapter found — using WebGPU' } };
    } catch (e) {
      why = `session creation failed (${errorText(e)})`;
    }
  }
  if (preference === 'webgpu') {
    throw new Error(`WebGPU was requested but is unavailable: ${why}. Choose "auto" or "WASM" instead.`);
  }
  const session = await createOn(bytes, 'wasm');
  return {
    session,
    backend: { ep: 'wasm', threads, reason: `WebGPU unavailable: ${why} — using ${wasmLabel}` },
  };
}

/** The backend a model that never touches ORT (the exact mixture denoiser) reports. */
export function analyticBackend(): Backend {
  return { ep: 'wasm', threads: 1, reason: 'exact mixture denoiser — no network, plain JavaScript' };
}

function createOn(bytes: Uint8Array, ep: ExecutionProvider): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
  });
}

function absolute(url: string): string {
  return new URL(url, globalThis.location?.href).href;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
