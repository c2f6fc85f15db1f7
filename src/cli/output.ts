/**
 * What `npm run sample` writes: the JSON record of a run (one flat array per sample, in the model's
 * data range) or a PNG (an image grid, one row per class for --class all; a scatter plot for points).
 */
import type { ModelCard } from '../core/card';
import { encodePng, imageGrid, scatterPlot, upscale, type RasterImage } from './png';

export interface SampleRecord {
  model: string;
  sampler: string;
  sde: string;
  steps: number;
  seed: number;
  nfe: number;
  /** SDEdit / inpainting from t₀ (`--t0`). */
  t0?: number;
  /** RePaint resampling passes of an inpainting run (`--mask`). */
  resample?: number;
  shape: number[];
  range: [number, number];
  labels?: number[];
  samples: number[][];
}

/** Splits batch × dim into one array per sample. */
export function splitSamples(x: Float32Array, batch: number): Float32Array[] {
  const dim = x.length / batch;
  return Array.from({ length: batch }, (_, k) => x.subarray(k * dim, (k + 1) * dim));
}

/** Whole-pixel upscaling so 28×28 tiles are visible: tiles of at least 56 px. */
function tileScale(card: ModelCard): number {
  const side = Math.max(card.shape[1] ?? 1, card.shape[2] ?? 1);
  return Math.max(1, Math.ceil(56 / side));
}

/** The picture for a run: a grid of images (rows = classes with --class all) or a 2D scatter plot. */
export function picture(card: ModelCard, samples: Float32Array[], labels: number[] | null): RasterImage {
  if (card.task === 'points') {
    if (card.shape.length !== 1 || card.shape[0] !== 2) {
      throw new Error(
        `model "${card.id}": only 2D points can be plotted (shape ${JSON.stringify(card.shape)}); write .json`,
      );
    }
    return scatterPlot(samples, card.range);
  }
  const classesShown = labels ? new Set(labels).size : 1;
  const byClass = labels !== null && classesShown > 1;
  const cols = byClass ? samples.length / classesShown : Math.ceil(Math.sqrt(samples.length));
  const rows = Math.ceil(samples.length / cols);
  return upscale(imageGrid(samples, card.shape, card.range, { rows, cols, gap: 1 }), tileScale(card));
}

export function pngBytes(card: ModelCard, samples: Float32Array[], labels: number[] | null): Buffer {
  return encodePng(picture(card, samples, labels));
}

/** Rounds to 6 significant digits: the JSON stays readable and float32 precision is kept where it matters. */
const compact = (v: number) => Number(v.toPrecision(6));

export function jsonRecord(
  head: Omit<SampleRecord, 'samples' | 'shape' | 'range' | 'labels'>,
  card: ModelCard,
  samples: Float32Array[],
  labels: number[] | null,
): SampleRecord {
  return {
    ...head,
    shape: [samples.length, ...card.shape],
    range: card.range,
    ...(labels ? { labels } : {}),
    samples: samples.map((s) => Array.from(s, compact)),
  };
}
