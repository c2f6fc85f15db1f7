/**
 * Loads a model for the engine: its card, then either the exact mixture denoiser (analytic cards,
 * no download) or the verified ONNX network on the chosen backend, checked against the card and
 * warmed up once. Either way the result hands out core Denoisers with class and guidance bound.
 */
import { parseCard } from '../core/card';
import type { ModelCard } from '../core/card';
import { denoiserForCard, type NetworkFn } from '../core/denoiser';
import { EmpiricalDenoiser } from '../core/empirical';
import { mixtureFromAnalytic, MixtureDenoiser, type GaussianMixture } from '../core/mixture';
import type { PaneGate } from '../core/pane-batch';
import type { Denoiser } from '../core/types';
import type * as ort from 'onnxruntime-web';
import { GpuNetworkDenoiser } from '../gpu/gpu-denoiser';
import { GpuField } from '../gpu/gpu-field';
import { gpuNetworkGate } from '../gpu/gpu-pane-gate';
import type { Backend } from './backend';
import { analyticBackend, createSession, ortWebGpuDevice } from './backend';
import { CapturedGraphs, OrtGpuNetwork } from './gpu-network';
import { DownloadCancelled, fetchJson, loadVerifiedBytes, ModelLoadError } from './fetch-model';
import { networkDenoiser, networkFn } from './network-denoiser';
import type { GraphContract, OnnxNetwork } from './onnx-network';
import { onnxNetwork } from './onnx-network';
import type { EngineEvent, EpPreference, ModelSummary } from './protocol';

export interface LoadedModel {
  card: ModelCard;
  /**
   * The card's address: the files it names (network, examples) are relative to it; null for a
   * model the page defined itself (a drawing, a trained or uploaded MLP), which names no files.
   */
  cardUrl: string | null;
  /** Where it runs (re-announced when the page asks for an already loaded model). */
  backend: Backend;
  /** A denoiser for one trajectory: class label (null = unconditional) and guidance bound in. */
  denoiser(classLabel: number | null, guidance: number): Denoiser;
  /**
   * On WebGPU: a GPU-resident field and denoiser for one trajectory of `batch` samples (destroy()
   * frees their buffers). Null on WASM and for exact mixture models.
   */
  gpu:
    ((batch: number, classLabel: number | null, guidance: number, options?: GpuOptions) => GpuBacking) | null;
  /**
   * The WebGPU device the network runs on (onnxruntime's; every GpuField of this model lives on
   * it, and the engine draws the page's canvases with it). Null on WASM and for exact mixtures.
   */
  device: GPUDevice | null;
  /** Compare mode (issue 14): the exact mixture of an analytic card, else null. */
  mixture: GaussianMixture | null;
  /** Compare mode on the CPU: the network as core's NetworkFn (null for an exact mixture). */
  network: NetworkFn | null;
  /**
   * Compare mode on WebGPU: one field and GPU-resident denoiser per pane (guidance weight each),
   * their network calls joined at one gate (src/gpu/gpu-pane-gate.ts). Null where `gpu` is.
   */
  gpuPanes: ((batch: number, classLabel: number | null, guidances: readonly number[]) => GpuPanes) | null;
  release(): Promise<void>;
}

/** Compare mode's GPU-resident panes: fields, denoisers and the gate their calls meet at. */
export interface GpuPanes {
  fields: GpuField[];
  denoisers: Denoiser<GPUBuffer>[];
  gate: PaneGate;
  destroy(): void;
}

export interface GpuOptions {
  /** Run the network through onnxruntime's graph capture (default true; see gpu-network.ts). */
  graphCapture?: boolean;
}

export interface GpuBacking {
  field: GpuField;
  denoiser: Denoiser<GPUBuffer>;
  /** New class (null = unconditional) and guidance for the denoiser's calls from now on. */
  condition(classLabel: number | null, guidance: number): void;
  destroy(): void;
}

/** The card's plain facts the page needs. */
export function summarize(card: ModelCard): ModelSummary {
  return {
    id: card.id,
    title: card.title,
    task: card.task,
    shape: [...card.shape],
    range: [card.range[0], card.range[1]],
    classes: card.classes ? [...card.classes] : [],
    analytic: card.analytic !== undefined,
  };
}

/** Fetches and checks everything; emits `progress` per chunk and `backend` once chosen. */
export async function loadModel(
  modelId: string,
  baseUrl: string,
  ep: EpPreference,
  emit: (event: EngineEvent) => void,
  signal?: AbortSignal,
): Promise<LoadedModel> {
  const cardUrl = new URL(`${modelId}.json`, withSlash(baseUrl)).href;
  let card: ModelCard;
  try {
    card = parseCard(await fetchJson(modelId, cardUrl, signal), cardUrl);
  } catch (e) {
    if (e instanceof ModelLoadError || e instanceof DownloadCancelled) throw e;
    throw new ModelLoadError(modelId, (e as Error).message);
  }
  if (card.analytic) return { ...analyticModel(card, emit), cardUrl };
  if (card.mlp) return { ...mlpModel(card, emit), cardUrl };
  const { network, backend, session, bytes } = await loadNetwork(card, cardUrl, ep, emit, signal);
  const device = backend.ep === 'webgpu' ? await ortWebGpuDevice() : null;
  const captured = device && new CapturedGraphs(bytes, graphContract(card), device);
  return {
    card,
    cardUrl,
    backend,
    denoiser: (classLabel, guidance) => networkDenoiser(card, network, classLabel, guidance),
    gpu:
      device &&
      ((batch, classLabel, guidance, options = {}) =>
        gpuBacking(
          card,
          session,
          device,
          batch,
          classLabel,
          guidance,
          options.graphCapture === false ? null : captured,
        )),
    device,
    mixture: null,
    network: networkFn(network),
    gpuPanes:
      device &&
      ((batch, classLabel, guidances) =>
        gpuPanes(card, session, device, batch, classLabel, guidances, captured)),
    release: async () => {
      await captured?.release();
      await network.release();
    },
  };
}

function analyticModel(card: ModelCard, emit: (event: EngineEvent) => void): Omit<LoadedModel, 'cardUrl'> {
  const mixture = mixtureFromAnalytic(card.analytic!, card.id);
  const backend = analyticBackend();
  emit({ type: 'backend', ...backend });
  return {
    card,
    backend,
    denoiser: () => new MixtureDenoiser(mixture),
    gpu: null,
    device: null,
    mixture,
    network: null,
    gpuPanes: null,
    release: async () => undefined,
  };
}

/** A card with an "mlp" block: core evaluates the network itself, on the CPU (no ONNX, no download). */
function mlpModel(card: ModelCard, emit: (event: EngineEvent) => void): Omit<LoadedModel, 'cardUrl'> {
  const backend = mlpBackend();
  emit({ type: 'backend', ...backend });
  return {
    card,
    backend,
    denoiser: () => denoiserForCard(card),
    gpu: null,
    device: null,
    mixture: null,
    network: null,
    gpuPanes: null,
    release: async () => undefined,
  };
}

function mlpBackend(): Backend {
  return { ep: 'wasm', threads: 1, reason: 'small MLP evaluated by core in plain JavaScript (CPU)' };
}

// ---- Your own data (issue 15): models defined by the page, not fetched ----

/**
 * A model the page defines itself: a drawn point set (its exact empirical denoiser, which
 * memorises the points) when `points` is given, else a card with an "mlp" block (a network trained
 * in the page or uploaded). The card is checked by parseCard like any fetched one.
 */
export function localModel(
  card: unknown,
  points: Float32Array | null,
  emit: (event: EngineEvent) => void,
): LoadedModel {
  if (points !== null) {
    const summary = card as ModelCard;
    const empirical = new EmpiricalDenoiser(points, 2);
    const backend: Backend = {
      ep: 'wasm',
      threads: 1,
      reason: 'exact empirical denoiser of the drawn points — no network, plain JavaScript',
    };
    emit({ type: 'backend', ...backend });
    return {
      card: summary,
      backend,
      cardUrl: null,
      denoiser: () => empirical,
      gpu: null,
      device: null,
      mixture: null,
      network: null,
      gpuPanes: null,
      release: async () => undefined,
    };
  }
  const parsed = parseCard(card, 'the uploaded card');
  if (!parsed.mlp) {
    throw new ModelLoadError(
      parsed.id,
      `Model "${parsed.id}": a card defined in the page needs an "mlp" block.`,
    );
  }
  return { ...mlpModel(parsed, emit), cardUrl: null };
}

async function loadNetwork(
  card: ModelCard,
  cardUrl: string,
  ep: EpPreference,
  emit: (event: EngineEvent) => void,
  signal?: AbortSignal,
): Promise<{ network: OnnxNetwork; backend: Backend; session: ort.InferenceSession; bytes: Uint8Array }> {
  const missing = (['onnx', 'bytes', 'sha256', 'inputs', 'output'] as const).filter(
    (k) => card[k] === undefined,
  );
  if (missing.length > 0) {
    throw new ModelLoadError(
      card.id,
      `Model "${card.id}": its card lacks ${missing.join(', ')}. Export the model again to fill them in.`,
    );
  }
  const file = {
    modelId: card.id,
    url: new URL(card.onnx!, cardUrl).href,
    bytes: card.bytes!,
    sha256: card.sha256!,
  };
  const bytes = await loadVerifiedBytes(
    file,
    (loaded, total) => emit({ type: 'progress', modelId: card.id, loaded, total }),
    signal,
  );
  if (signal?.aborted) throw new DownloadCancelled(card.id);
  const { session, backend } = await createSession(bytes, ep).catch((e: unknown) => {
    throw new ModelLoadError(
      card.id,
      `Model "${card.id}": onnxruntime could not open the network (${(e as Error).message}). ` +
        'Export it again with opset 17, or try the other backend.',
    );
  });
  emit({ type: 'backend', ...backend });
  const network = onnxNetwork(session, graphContract(card));
  await warmUp(card, network);
  return { network, backend, session, bytes };
}

/** A GpuField of `batch` samples and the network wrapped as a GPU-resident denoiser on it. */
function gpuBacking(
  card: ModelCard,
  session: ort.InferenceSession,
  device: GPUDevice,
  batch: number,
  classLabel: number | null,
  guidance: number,
  captured: CapturedGraphs | null,
): GpuBacking {
  const dim = card.shape.reduce((a, b) => a * b, 1);
  const field = new GpuField(device, batch, dim);
  const network = new OrtGpuNetwork(session, graphContract(card), field, device, captured);
  const conditioning = (label: number | null, w: number) => ({
    classLabels: label === null || !card.classes ? undefined : label,
    guidance: w,
  });
  try {
    const denoiser = new GpuNetworkDenoiser(field, network.fn, card, conditioning(classLabel, guidance));
    return {
      field,
      denoiser,
      condition: (label, w) => denoiser.setConditioning(conditioning(label, w)),
      destroy: () => {
        network.destroy();
        field.destroy();
      },
    };
  } catch (e) {
    network.destroy();
    field.destroy();
    throw e;
  }
}

/** Compare mode on WebGPU: a field per pane, one network field, the gate between them. */
function gpuPanes(
  card: ModelCard,
  session: ort.InferenceSession,
  device: GPUDevice,
  batch: number,
  classLabel: number | null,
  guidances: readonly number[],
  captured: CapturedGraphs | null,
): GpuPanes {
  const dim = card.shape.reduce((a, b) => a * b, 1);
  const networkField = new GpuField(device, batch, dim);
  const fields: GpuField[] = [];
  const network = new OrtGpuNetwork(session, graphContract(card), networkField, device, captured);
  const destroy = (): void => {
    network.destroy();
    for (const field of fields) field.destroy();
    networkField.destroy();
  };
  try {
    for (const _ of guidances) fields.push(new GpuField(device, batch, dim));
    const shared = gpuNetworkGate(network.fn, networkField, fields);
    const classLabels = classLabel === null || !card.classes ? undefined : classLabel;
    const denoisers = guidances.map(
      (guidance, p) => new GpuNetworkDenoiser(fields[p], shared.forPane(p), card, { classLabels, guidance }),
    );
    return { fields, denoisers, gate: shared.gate, destroy };
  } catch (e) {
    destroy();
    throw e;
  }
}

function graphContract(card: ModelCard): GraphContract {
  return { modelId: card.id, inputs: card.inputs!, output: card.output!, shape: card.shape };
}

/** One evaluation before the first frame, so shader compilation does not land on step 1. */
async function warmUp(card: ModelCard, network: OnnxNetwork): Promise<void> {
  const size = card.shape.reduce((a, b) => a * b, 1);
  try {
    await network.run({
      x: new Float32Array(size),
      t: Float32Array.of(0.5),
      y: BigInt64Array.of(0n),
      batch: 1,
    });
  } catch (e) {
    throw new ModelLoadError(
      card.id,
      `Model "${card.id}": the network failed on a test input (${(e as Error).message}). ` +
        'Check that the card\'s "inputs" and "shape" match the exported graph.',
    );
  }
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);
