/**
 * Model loading for the CLI: a card by id (models/manifest.json) or by path, its ONNX file checked
 * against the card (size, SHA-256, input/output names) and run by onnxruntime-node as a NetworkFn,
 * the same function shape the browser engine hands to core's NetworkDenoiser.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { parseCard, parseManifest, type ModelCard } from '../core/card';
import { denoiserForCard, type NetworkFn } from '../core/denoiser';
import type { Denoiser } from '../core/types';
import { UsageError } from './args';

export const MODELS_DIR = fileURLToPath(new URL('../../models', import.meta.url));
/** Largest batch sent to the network in one run (bigger requests are split): bounds memory. */
export const MAX_NETWORK_BATCH = 256;

export interface LoadedCard {
  card: ModelCard;
  /** Absolute path of the card file; the ONNX path in the card is relative to its folder. */
  path: string;
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

/** The ids listed in models/manifest.json (empty when the manifest is missing). */
export function manifestIds(modelsDir = MODELS_DIR): string[] {
  const path = resolve(modelsDir, 'manifest.json');
  return existsSync(path) ? parseManifest(readJson(path, 'the manifest'), path).models : [];
}

/** `--model` as an id from the manifest or a path to a card .json. */
export function loadCard(model: string, modelsDir = MODELS_DIR): LoadedCard {
  let path: string;
  if (model.endsWith('.json')) {
    path = resolve(model);
    if (!existsSync(path))
      throw new UsageError(`--model: no card file at ${model}; give a path to a models/<id>.json`);
  } else {
    const ids = manifestIds(modelsDir);
    if (!ids.includes(model)) {
      throw new UsageError(
        `--model "${model}" is not in models/manifest.json; choose one of ${ids.join(', ')} or a card path`,
      );
    }
    path = resolve(modelsDir, `${model}.json`);
  }
  return { card: parseCard(readJson(path, 'model card'), path), path };
}

/** The ONNX file of a card, checked for size and SHA-256 so a stale or truncated file is caught. */
export function verifiedOnnxBytes({ card, path }: LoadedCard): Uint8Array {
  const file = resolve(dirname(path), card.onnx as string);
  if (!existsSync(file)) {
    throw new Error(
      `model "${card.id}": ${file} is missing; export it (models/train/README.md) or fetch it with git`,
    );
  }
  const bytes = readFileSync(file);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if ((card.bytes !== undefined && bytes.length !== card.bytes) || (card.sha256 && sha !== card.sha256)) {
    throw new Error(
      `model "${card.id}": ${file} (${bytes.length} bytes, sha256 ${sha.slice(0, 12)}…) does not match its card ` +
        `(${card.bytes} bytes, ${card.sha256?.slice(0, 12)}…); export the model again so the two agree`,
    );
  }
  return bytes;
}

/** An onnxruntime-node session whose input and output names are the ones the card declares. */
export async function createCheckedSession(loaded: LoadedCard, threads = 2): Promise<ort.InferenceSession> {
  const session = await ort.InferenceSession.create(verifiedOnnxBytes(loaded), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const { card } = loaded;
  const declared = Object.keys(card.inputs ?? {}).sort();
  const actual = [...session.inputNames].sort();
  const output = card.output ?? 'eps';
  if (declared.join() !== actual.join() || !session.outputNames.includes(output)) {
    throw new Error(
      `model "${card.id}": the ONNX graph has inputs [${actual}] and outputs [${session.outputNames}], ` +
        `the card declares [${declared}] → ${output}; export the model again`,
    );
  }
  return session;
}

/** The session as a NetworkFn over batches of at most MAX_NETWORK_BATCH samples. */
export function sessionNetwork(session: ort.InferenceSession, card: ModelCard): NetworkFn {
  const shape = card.shape;
  const dim = shape.reduce((a, b) => a * b, 1);
  const output = card.output ?? 'eps';
  const hasLabels = session.inputNames.includes('y');
  return async (x, t, y, batch) => {
    const out = new Float32Array(batch * dim);
    for (let start = 0; start < batch; start += MAX_NETWORK_BATCH) {
      const size = Math.min(MAX_NETWORK_BATCH, batch - start);
      const feeds: Record<string, ort.Tensor> = {
        x: new ort.Tensor('float32', x.slice(start * dim, (start + size) * dim), [size, ...shape]),
        t: new ort.Tensor('float32', t.slice(start, start + size), [size]),
      };
      if (hasLabels) {
        const labels = y
          ? y.slice(start, start + size)
          : new BigInt64Array(size).fill(BigInt(card.nullClass ?? 0));
        feeds.y = new ort.Tensor('int64', labels, [size]);
      }
      const result = await session.run(feeds);
      out.set(result[output].data as Float32Array, start * dim);
    }
    return out;
  };
}

/** The card's denoiser: the exact mixture, or the network with its class labels and guidance. */
export async function makeDenoiser(
  loaded: LoadedCard,
  labels: number[] | null,
  guidance?: number,
): Promise<Denoiser> {
  const { card } = loaded;
  const conditioning = labels ? { classLabels: labels, guidance } : {};
  if (card.analytic || card.mlp) return denoiserForCard(card);
  const session = await createCheckedSession(loaded);
  return denoiserForCard(card, sessionNetwork(session, card), conditioning);
}
