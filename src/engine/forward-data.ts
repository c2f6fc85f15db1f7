/**
 * The clean data x₀ the forward process starts from (issue 12), for one run's batch and seed: an
 * image model's real examples (the card's `examples` file, checked for size and SHA-256 like the
 * network, kept in the Cache API), exact samples of a 2D mixture, or a learned toy's training
 * generator (core's forward.ts picks which).
 */
import { exampleBatch, exampleImages, pointData } from '../core/forward';
import { mixtureFromAnalytic } from '../core/mixture';
import { loadVerifiedBytes, ModelLoadError } from './fetch-model';
import type { LoadedModel } from './model';

/** Verified example bytes per examples URL (a model's file is fetched and checked once). */
const verified = new Map<string, Promise<Uint8Array>>();

async function exampleBytes(model: LoadedModel, instead = 'choose Reverse'): Promise<Uint8Array> {
  const { card } = model;
  const examples = card.examples;
  if (examples === undefined) {
    throw new Error(
      `Model "${card.id}" ships no real examples. ` +
        `Add them with models/train/make_examples.py --model ${card.id}, or ${instead}.`,
    );
  }
  if (model.cardUrl === null) {
    throw new Error(
      `Model "${card.id}" was made in the page, so the examples file its card names cannot be found. ` +
        `Load the model from its card file, or ${instead}.`,
    );
  }
  const url = new URL(examples.file, model.cardUrl).href;
  let bytes = verified.get(url);
  if (bytes === undefined) {
    bytes = loadVerifiedBytes(
      { modelId: card.id, url, bytes: examples.bytes, sha256: examples.sha256 },
      () => undefined,
    );
    verified.set(url, bytes);
    void bytes.catch(() => verified.delete(url)); // a failed download may be tried again
  }
  return bytes;
}

/** x₀ for `batch` samples (batch × dim, the card's data coordinates), a pure function of the seed. */
export async function forwardData(model: LoadedModel, batch: number, seed: number): Promise<Float32Array> {
  const { card } = model;
  const dim = card.shape.reduce((a, b) => a * b, 1);
  if (card.task === 'image') {
    let bytes: Uint8Array;
    try {
      bytes = await exampleBytes(model);
    } catch (e) {
      const reason = e instanceof ModelLoadError || e instanceof Error ? e.message : String(e);
      throw new Error(`The real examples could not be used. ${reason}`);
    }
    return exampleBatch(bytes, card.examples!.count, dim, card.range, batch, seed);
  }
  const mixture = card.analytic ? mixtureFromAnalytic(card.analytic, card.id) : null;
  const points = pointData(card.id, mixture, batch, seed);
  if (points === null) {
    throw new Error(
      `Model "${card.id}" has no data generator the page knows, so its forward process cannot be ` +
        'shown. Choose a mixture or a learned toy, or Reverse.',
    );
  }
  return points;
}

/**
 * Real examples `indices` of an image model (controllable generation, issue 13: `src=example:k`),
 * from the same verified, cached file the forward process uses.
 */
export async function chosenExamples(
  model: LoadedModel,
  indices: readonly number[],
): Promise<{ images: Float32Array; count: number; heldOut: boolean }> {
  const { card } = model;
  const dim = card.shape.reduce((a, b) => a * b, 1);
  let bytes: Uint8Array;
  try {
    bytes = await exampleBytes(model, 'start from the current sample or an uploaded PNG');
  } catch (e) {
    const reason = e instanceof ModelLoadError || e instanceof Error ? e.message : String(e);
    throw new Error(`The real examples could not be used. ${reason}`);
  }
  const count = card.examples!.count;
  return {
    images: exampleImages(bytes, count, dim, card.range, indices),
    count,
    heldOut: card.examples!.heldOut,
  };
}
