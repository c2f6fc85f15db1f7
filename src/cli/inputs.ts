/**
 * Data the CLI reads: inputs (`--init`, `--in`), masks (`--mask`) and latents (`--latents`). A JSON
 * file has the format `npm run sample` writes, `{shape, range, samples: [[…flat…], …]}` (`range` and
 * `shape` optional); a PNG is one image, resized to the model's size by area averaging. Images are
 * mapped from the file's range (a PNG's 0…255) to the model's; 2D points are taken as they are.
 * Masks: 1 = known, 0 = to generate; in a PNG, white (≥ 128) = known.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ModelCard } from '../core/card';
import { UsageError } from './args';
import { decodePng, type RasterImage } from './png';

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function readBytes(path: string, flag: string): Buffer {
  if (!existsSync(path)) throw new UsageError(`${flag}: no file at ${path}`);
  return readFileSync(path);
}

function parseJson(path: string, flag: string): Record<string, unknown> {
  try {
    const json: unknown = JSON.parse(readBytes(path, flag).toString('utf8'));
    if (typeof json === 'object' && json !== null && !Array.isArray(json))
      return json as Record<string, unknown>;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${flag}: ${path} is not JSON (${(err as Error).message})`);
  }
  throw new UsageError(`${flag}: ${path} must hold a JSON object {shape, range, samples}`);
}

/** The `samples` of a JSON file, each checked to have `dim` finite numbers. */
function jsonSamples(json: Record<string, unknown>, card: ModelCard, path: string, flag: string): number[][] {
  const { samples, shape } = json;
  const dim = sizeOf(card.shape);
  const expected = JSON.stringify(card.shape);
  if (Array.isArray(shape) && JSON.stringify(shape.slice(1)) !== expected) {
    throw new UsageError(
      `${flag}: ${path} has shape ${JSON.stringify(shape)}; model "${card.id}" takes [N, ${card.shape}]`,
    );
  }
  if (!Array.isArray(samples) || samples.length === 0) {
    throw new UsageError(`${flag}: ${path} needs a non-empty "samples" array of flat arrays`);
  }
  samples.forEach((s: unknown, k) => {
    if (
      !Array.isArray(s) ||
      s.length !== dim ||
      !s.every((v) => typeof v === 'number' && Number.isFinite(v))
    ) {
      throw new UsageError(
        `${flag}: sample ${k} of ${path} must be ${dim} finite numbers (shape ${expected})`,
      );
    }
  });
  return samples as number[][];
}

/** Area-average resize of one channel-interleaved raster to w × h (nearest when enlarging). */
function resize(image: RasterImage, w: number, h: number): Float64Array {
  const { width, height, channels, pixels } = image;
  const out = new Float64Array(w * h * channels);
  for (let y = 0; y < h; y++) {
    const [y0, y1] = [
      Math.floor((y * height) / h),
      Math.max(Math.floor((y * height) / h) + 1, Math.floor(((y + 1) * height) / h)),
    ];
    for (let x = 0; x < w; x++) {
      const [x0, x1] = [
        Math.floor((x * width) / w),
        Math.max(Math.floor((x * width) / w) + 1, Math.floor(((x + 1) * width) / w)),
      ];
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let yy = y0; yy < y1; yy++)
          for (let xx = x0; xx < x1; xx++) sum += pixels[(yy * width + xx) * channels + c];
        out[(y * w + x) * channels + c] = sum / ((y1 - y0) * (x1 - x0));
      }
    }
  }
  return out;
}

/** A PNG as the model's [C, H, W] layout, values 0…255 (grey ↔ RGB converted). */
function pngPlanes(path: string, card: ModelCard, flag: string): Float64Array {
  if (card.task !== 'image' || card.shape.length !== 3) {
    throw new UsageError(`${flag}: model "${card.id}" takes points, not images; give a JSON file`);
  }
  let image: RasterImage;
  try {
    image = decodePng(readBytes(path, flag));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${flag}: ${path}: ${(err as Error).message}`);
  }
  const [c, h, w] = card.shape;
  const resized = resize(image, w, h);
  const planes = new Float64Array(c * h * w);
  for (let p = 0; p < h * w; p++) {
    const rgb =
      image.channels === 3 ? resized.subarray(p * 3, p * 3 + 3) : [resized[p], resized[p], resized[p]];
    // ITU-R BT.601 luma for a colour picture given to a greyscale model.
    const grey = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
    for (let ch = 0; ch < c; ch++) planes[ch * h * w + p] = c === 1 ? grey : rgb[ch];
  }
  return planes;
}

/** Inputs in the model's range, one Float32Array per sample, from JSON or PNG. */
export function readInputs(path: string, card: ModelCard, flag: string): Float32Array[] {
  const [lo, hi] = card.range;
  if (/\.png$/i.test(path)) {
    return [Float32Array.from(pngPlanes(path, card, flag), (b) => lo + ((hi - lo) * b) / 255)];
  }
  const json = parseJson(path, flag);
  const samples = jsonSamples(json, card, path, flag);
  const range = json.range;
  const from =
    card.task === 'image' &&
    Array.isArray(range) &&
    range.length === 2 &&
    range.every((v) => typeof v === 'number')
      ? (range as [number, number])
      : card.range;
  if (!(from[1] > from[0]))
    throw new UsageError(`${flag}: ${path} has an empty range ${JSON.stringify(range)}`);
  if (from[0] === lo && from[1] === hi) return samples.map((s) => Float32Array.from(s));
  return samples.map((s) =>
    Float32Array.from(s, (v) => lo + ((v - from[0]) * (hi - lo)) / (from[1] - from[0])),
  );
}

/** Masks (1 = known, 0 = to generate): as many as the inputs, or one for all. */
export function readMasks(path: string, card: ModelCard, count: number): Float32Array[] {
  const flag = '--mask';
  const masks = /\.png$/i.test(path)
    ? [Float32Array.from(pngPlanes(path, card, flag), (b) => (b >= 128 ? 1 : 0))]
    : jsonSamples(parseJson(path, flag), card, path, flag).map((s) => Float32Array.from(s));
  if (masks.some((m) => m.some((v) => !(v >= 0 && v <= 1)))) {
    throw new UsageError(`${flag}: ${path} must hold values from 0 (generate) to 1 (known)`);
  }
  if (masks.length !== 1 && masks.length !== count) {
    throw new UsageError(
      `${flag}: ${path} has ${masks.length} masks for ${count} inputs; give one for all or one each`,
    );
  }
  return masks.length === 1 ? Array.from({ length: count }, () => masks[0]) : masks;
}

/** What `npm run encode` writes and `--latents` reads. */
export interface LatentFile {
  model: string;
  sde: string;
  eps: number;
  shape: number[];
  samples: number[][];
  nfe?: number;
}

/** Latents made for this model under this SDE; anything else is refused with what to do. */
export function readLatents(path: string, card: ModelCard, sdeKind: string): LatentFile {
  const flag = '--latents';
  const json = parseJson(path, flag);
  const { model, sde, eps } = json;
  if (
    typeof model !== 'string' ||
    typeof sde !== 'string' ||
    typeof eps !== 'number' ||
    !(eps > 0 && eps < 1)
  ) {
    throw new UsageError(
      `${flag}: ${path} is not a latent file {model, sde, eps, shape, samples} (npm run encode)`,
    );
  }
  if (model !== card.id) {
    throw new UsageError(
      `${flag}: ${path} was encoded by model "${model}", not "${card.id}"; decode it with --model ${model}`,
    );
  }
  if (sde !== sdeKind) {
    throw new UsageError(
      `${flag}: ${path} was encoded under the ${sde} SDE, not ${sdeKind}; decode it with --sde ${sde}`,
    );
  }
  const samples = jsonSamples(json, card, path, flag);
  return { model, sde, eps, shape: [samples.length, ...card.shape], samples };
}
