/**
 * Chooses onnxruntime-web's execution provider (WebGPU when a hardware adapter exists and a session
 * creates on it, WASM otherwise), configures the runtimes' asset paths and thread count, and says
 * why in words the page can show.
 *
 * Two onnxruntime-web bundles are involved. WebGPU sessions use the package's default bundle (the
 * JSEP build, which hosts the WebGPU EP; the GPU-resident path reads its `env.webgpu.device` and
 * makes tensors with its `Tensor.fromGpuBuffer`). WASM sessions use the plain build
 * (`onnxruntime-web/wasm`), measured 1–4× faster than the JSEP build on the wasm EP, imported only
 * when a WASM session is made. Each bundle carries its own copy of onnxruntime-common, so a session
 * must be fed tensors made by its own bundle: `tensorClassOf(session)` gives that constructor.
 */
import * as ort from 'onnxruntime-web';
import jsepWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import jsepMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import plainWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import plainMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import { countBuffers } from '../gpu/device-buffers';
import type { EpPreference, ExecutionProvider } from './protocol';

export interface Backend {
  ep: ExecutionProvider;
  threads: number;
  /** e.g. "WebGPU unavailable: navigator.gpu missing — using WASM × 2 threads". */
  reason: string;
}

/** An onnxruntime-web bundle's Tensor class (each bundle has its own). */
export type TensorClass = typeof ort.Tensor;

export interface CreatedSession {
  session: ort.InferenceSession;
  backend: Backend;
  /** The Tensor class of the bundle the session belongs to: feed the session only these. */
  Tensor: TensorClass;
}

type OrtModule = typeof ort;

let configured = false;

/**
 * Sets where the default (JSEP) bundle's .wasm/.mjs files live and how many threads it may use
 * (once). The plain WASM bundle is configured the same way when it is first imported.
 */
export function configureRuntime(): number {
  const threads = wasmThreads();
  if (!configured) {
    configureModule(ort, jsepWasmUrl, jsepMjsUrl, threads);
    configured = true;
  }
  return threads;
}

function configureModule(module: OrtModule, wasmUrl: string, mjsUrl: string, threads: number): void {
  module.env.wasm.wasmPaths = { wasm: absolute(wasmUrl), mjs: absolute(mjsUrl) };
  module.env.wasm.numThreads = threads;
  module.env.logLevel = 'error';
}

let plainWasm: Promise<OrtModule> | null = null;

/** The plain WASM bundle, imported and configured on first use (so a WebGPU page never loads it). */
function plainWasmRuntime(threads: number): Promise<OrtModule> {
  plainWasm ??= import('onnxruntime-web/wasm').then(
    (module) => {
      configureModule(module, plainWasmUrl, plainMjsUrl, threads);
      return module;
    },
    (e: unknown) => {
      plainWasm = null; // a failed fetch may be retried
      throw e;
    },
  );
  return plainWasm;
}

/** COOP/COEP give SharedArrayBuffer, hence threads; without them ORT runs on one. */
export function wasmThreads(): number {
  if (!globalThis.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1));
}

/** What a WebGPU adapter says about itself (GPUAdapterInfo's fields that matter here). */
export interface AdapterFacts {
  isFallbackAdapter?: boolean;
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}

/** Software rasterisers that expose WebGPU: far slower than onnxruntime's WASM kernels. */
const SOFTWARE_ADAPTERS: readonly [RegExp, string][] = [
  [/swiftshader/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/microsoft basic render/i, 'Microsoft Basic Render Driver'],
];

/**
 * The name of the software renderer behind this adapter ("SwiftShader", or "fallback adapter" when
 * the browser flags it as a fallback without naming it), or null for a hardware GPU.
 */
export function softwareAdapterName(info: AdapterFacts | null | undefined): string | null {
  if (!info) return null;
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  for (const [pattern, name] of SOFTWARE_ADAPTERS) if (pattern.test(text)) return name;
  return info.isFallbackAdapter === true ? 'fallback adapter' : null;
}

/** What the browser offers for WebGPU: why it cannot be used at all, or which software adapter it is. */
export interface WebGpuProbe {
  /** Why WebGPU cannot be used at all, or null when an adapter exists. */
  unavailable: string | null;
  /** The software renderer's name when the adapter is one (see softwareAdapterName), else null. */
  software: string | null;
}

/** Asks the browser for an adapter and looks at what it is. */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { unavailable: 'navigator.gpu missing', software: null };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter)
      return { unavailable: 'no adapter (the browser has WebGPU but no usable GPU)', software: null };
    const info = adapter.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
    // Older browsers put isFallbackAdapter on the adapter, newer ones on its info.
    const legacy = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
    const facts: AdapterFacts = {
      isFallbackAdapter: info?.isFallbackAdapter ?? legacy,
      vendor: info?.vendor,
      architecture: info?.architecture,
      device: info?.device,
      description: info?.description,
    };
    return { unavailable: null, software: softwareAdapterName(facts) };
  } catch (e) {
    return { unavailable: `requestAdapter failed (${errorText(e)})`, software: null };
  }
}

/** The provider to try first and, for WASM, why (in words for the page). */
export type EpDecision = { ep: 'webgpu'; software: string | null } | { ep: 'wasm'; why: string };

/**
 * The decision alone: 'wasm' → WASM; 'webgpu' → WebGPU whatever the adapter (createSession throws
 * when there is none); 'auto' → WebGPU on a hardware adapter, WASM when there is no adapter or only
 * a software one (SwiftShader runs the networks 50–100× slower than WASM).
 */
export function chooseEp(preference: EpPreference, probe: WebGpuProbe): EpDecision {
  if (preference === 'wasm') return { ep: 'wasm', why: 'WASM requested' };
  if (preference === 'webgpu') return { ep: 'webgpu', software: probe.software };
  if (probe.unavailable !== null) return { ep: 'wasm', why: `WebGPU unavailable: ${probe.unavailable}` };
  if (probe.software !== null) {
    const what =
      probe.software === 'fallback adapter' ? 'a software fallback' : `software (${probe.software})`;
    return { ep: 'wasm', why: `WebGPU adapter is ${what}` };
  }
  return { ep: 'webgpu', software: null };
}

/** Creates the session on the chosen provider, falling back from WebGPU to WASM with a reason. */
export async function createSession(bytes: Uint8Array, preference: EpPreference): Promise<CreatedSession> {
  const threads = configureRuntime();
  const wasmLabel = `WASM × ${threads} thread${threads === 1 ? '' : 's'}`;
  const onWasm = async (why: string): Promise<CreatedSession> => {
    const module = await plainWasmRuntime(threads);
    // Stock options on purpose. `npm run bench` pairs each variant with this session in alternating
    // rounds (MNIST, batch 1 and 16): graph optimisation "extended"/"basic"/"disabled", a static
    // batch (freeDimensionOverrides), memory pattern + CPU arena on and fp16 weights all came out at
    // 0.94–1.04× stock on 1 thread in two runs and on 2 threads in the quieter one (the busier one
    // scattered 0.83–1.18), none reliably faster; allow_spinning "0" is ignored by the WASM build
    // (one global thread pool), and XNNPACK is not in the bundle.
    const session = await module.InferenceSession.create(bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
    return registered(session, module.Tensor, { ep: 'wasm', threads, reason: `${why} — using ${wasmLabel}` });
  };
  const probe = preference === 'wasm' ? null : await probeWebGpu();
  const decision = chooseEp(preference, probe ?? { unavailable: null, software: null });
  if (decision.ep === 'wasm') return onWasm(decision.why);
  let why = probe?.unavailable ?? null;
  if (why === null) {
    try {
      await countOrtDeviceBuffers();
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: ['webgpu'],
        graphOptimizationLevel: 'all',
        // The outputs stay on the device: the GPU-resident path combines them there, and the CPU
        // path downloads them with getData().
        preferredOutputLocation: 'gpu-buffer',
      });
      const reason =
        decision.software === null
          ? 'WebGPU adapter found — using WebGPU'
          : `WebGPU requested — using WebGPU on a software adapter (${decision.software}), slower than WASM`;
      return registered(session, ort.Tensor, { ep: 'webgpu', threads, reason });
    } catch (e) {
      why = `session creation failed (${errorText(e)})`;
    }
  }
  if (preference === 'webgpu') {
    throw new Error(`WebGPU was requested but is unavailable: ${why}. Choose "auto" or "WASM" instead.`);
  }
  return onWasm(`WebGPU unavailable: ${why}`);
}

const tensorClasses = new WeakMap<ort.InferenceSession, TensorClass>();

function registered(session: ort.InferenceSession, Tensor: TensorClass, backend: Backend): CreatedSession {
  tensorClasses.set(session, Tensor);
  return { session, backend, Tensor };
}

/**
 * The Tensor class to feed `session` with: its bundle's, as recorded by createSession (the default
 * bundle's for a session made elsewhere).
 */
export function tensorClassOf(session: ort.InferenceSession): TensorClass {
  return tensorClasses.get(session) ?? ort.Tensor;
}

/** The backend a model that never touches ORT (the exact mixture denoiser) reports. */
export function analyticBackend(): Backend {
  return { ep: 'wasm', threads: 1, reason: 'exact mixture denoiser — no network, plain JavaScript' };
}

/** The GPUDevice onnxruntime's WebGPU backend runs on (valid once a WebGPU session exists). */
export function ortWebGpuDevice(): Promise<GPUDevice> {
  return ort.env.webgpu.device;
}

/**
 * Makes every buffer on onnxruntime's WebGPU device counted from its first one (countBuffers,
 * `src/gpu/device-buffers.ts`): the fields, the network's inputs and the painter share that device,
 * so the count covers them too. onnxruntime asks `env.webgpu.adapter` for its device when its first
 * WebGPU session is made, so before then it is handed an adapter whose requestDevice wraps the device
 * it returns. The adapter is the one onnxruntime would request itself (no options). Once
 * onnxruntime has its device this does nothing: the adapter is fixed then.
 */
async function countOrtDeviceBuffers(): Promise<void> {
  const flags = ort.env.webgpu as { adapter?: GPUAdapter };
  if (flags.adapter !== undefined) return;
  const adapter = await (globalThis.navigator as Navigator | undefined)?.gpu?.requestAdapter();
  if (!adapter) return; // onnxruntime then fails to find one and says so
  const requestDevice = adapter.requestDevice.bind(adapter);
  adapter.requestDevice = async (descriptor?: GPUDeviceDescriptor): Promise<GPUDevice> => {
    const device = await requestDevice(descriptor);
    countBuffers(device);
    return device;
  };
  flags.adapter = adapter;
}

function absolute(url: string): string {
  return new URL(url, globalThis.location?.href).href;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
