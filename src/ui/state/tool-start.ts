/**
 * Controllable generation's pure logic in the page (issue 13): preset masks, the start a tool gives
 * a run (RunStart, sent with every `start` while the tool is open), and the checks the panel shows
 * (known pixels kept, the SDEdit result against its drawing). No DOM, no engine.
 */
import { binMasses, histogram, totalVariation } from '../../core/conditional';
import type { RunStart } from '../../engine/protocol';
import { chw, toByte } from '../../shared/grid-layout';
import type { MaskPreset, Settings } from './settings';
import type { ToolData } from './store';

/** The SDEdit strip's strengths (Meng et al. 2022, Fig. 3: more t₀, more realism, less faithfulness). */
export const STRIP_T0S: readonly number[] = [0.2, 0.4, 0.6, 0.8];

/**
 * A preset mask over one image of `shape` (1 = known). The name says the part to generate:
 * `bottom` keeps the top half and fills the bottom one; `random50` keeps a random half of the pixels
 * (the same half in every channel; a fixed pattern, so a link gives the same mask).
 */
export function presetMask(preset: MaskPreset, shape: readonly number[]): Float32Array {
  const [channels, height, width] = chw(shape);
  const mask = new Float32Array(channels * height * width);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const pixel = y * width + x;
        let known: boolean;
        switch (preset) {
          case 'bottom':
            known = y < height / 2;
            break;
          case 'top':
            known = y >= height / 2;
            break;
          case 'left':
            known = x >= width / 2;
            break;
          case 'right':
            known = x < width / 2;
            break;
          case 'random50':
            known = hashUnit(pixel) < 0.5;
            break;
        }
        mask[c * height * width + pixel] = known ? 1 : 0;
      }
    }
  }
  return mask;
}

/** The k of `src=example:k` (a tool starts from real example k), or null (the current sample). */
export function exampleIndex(src: string): number | null {
  const match = /^example:(\d+)$/.exec(src);
  return match ? Number(match[1]) : null;
}

/** Where a real example came from, in words (the model trained on it, or never saw it). */
export function exampleFrom(k: number, heldOut: boolean): string {
  return `real example ${k} (${heldOut ? 'held out from training' : 'in the training set'})`;
}

/** A fixed pseudo-random number in [0, 1) per pixel (an integer hash: no Math.random, no state). */
function hashUnit(k: number): number {
  let h = Math.imul(k + 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** `samples` images of `dim` values laid out to fill a batch (sample k of the batch is k mod samples). */
export function tile(images: Float32Array, samples: number, batch: number, dim: number): Float32Array {
  const out = new Float32Array(batch * dim);
  for (let b = 0; b < batch; b++) {
    const k = b % Math.max(1, samples);
    out.set(images.subarray(k * dim, (k + 1) * dim), b * dim);
  }
  return out;
}

/**
 * The start the open tool gives a run of `batch` samples of `dim` values, or null (no tool, or the
 * tool has nothing to start from yet): inpainting the known image(s) with the mask, SDEdit the
 * drawing noised to t₀.
 */
export function toolStart(settings: Settings, data: ToolData, dim: number): RunStart | null {
  const { tool, batch } = settings;
  if (tool.kind === 'inpaint' && dim === 2) return lineStart(settings);
  if (data.modelId !== settings.modelId) return null;
  if (tool.kind === 'inpaint') {
    const { known, mask } = data;
    if (known === null || mask === null || mask.length !== dim || known.length !== data.knownSamples * dim) {
      return null;
    }
    if (!mask.some((m) => m > 0)) return null;
    return {
      kind: 'data',
      data: tile(known, data.knownSamples, batch, dim),
      t0: null,
      mask: tile(mask, 1, batch, dim),
      resample: tool.resample,
    };
  }
  if (tool.kind === 'sdedit') {
    if (data.drawing === null || data.drawing.length !== dim) return null;
    return { kind: 'data', data: tile(data.drawing, 1, batch, dim), t0: tool.t0, mask: null, resample: 0 };
  }
  return null;
}

/**
 * 2D imputation (Song et al. 2021, App. I.2, one coordinate known): every particle knows the fixed
 * coordinate (mask 1 there, 0 on the other) with the line's value; the run samples the other one,
 * so its final particles should follow p(other | fixed = at).
 */
export function lineStart(settings: Settings): RunStart {
  const { batch, tool } = settings;
  const axis = tool.line.axis === 'x' ? 0 : 1;
  const data = new Float32Array(batch * 2);
  const mask = new Float32Array(batch * 2);
  for (let b = 0; b < batch; b++) {
    data[2 * b + axis] = tool.line.at;
    mask[2 * b + axis] = 1;
  }
  return { kind: 'data', data, t0: null, mask, resample: tool.resample };
}

/**
 * How many known values of an inpainting run's frame are unchanged at the picture's precision (the
 * 8-bit byte each is drawn as), out of how many: the final frame should keep them all.
 */
export function knownKept(
  x: Float32Array,
  start: Extract<RunStart, { kind: 'data' }>,
  range: readonly [number, number],
): { kept: number; known: number } {
  const { data, mask } = start;
  let kept = 0;
  let known = 0;
  if (mask === null || x.length !== data.length) return { kept, known };
  for (let e = 0; e < data.length; e++) {
    if (mask[e] !== 1) continue;
    known += 1;
    if (toByte(x[e], range[0], range[1]) === toByte(data[e], range[0], range[1])) kept += 1;
  }
  return { kept, known };
}

/** Whether every value is finite, and the RMS difference from `reference` (tiled over the batch). */
export function compareToDrawing(x: Float32Array, reference: Float32Array): { finite: boolean; rms: number } {
  let sum = 0;
  let finite = true;
  for (let e = 0; e < x.length; e++) {
    if (!Number.isFinite(x[e])) finite = false;
    const d = x[e] - reference[e % reference.length];
    sum += d * d;
  }
  return { finite, rms: x.length > 0 ? Math.sqrt(sum / x.length) : 0 };
}

/** Bins of the 2D imputation's histogram over the plot's range. */
export const IMPUTE_BINS = 24;

/**
 * 2D imputation's check on a frame: how many particles kept the known coordinate exactly, the free
 * coordinate's histogram (fractions per bin over `range`) and, for an exact mixture, the exact
 * conditional's bin masses and the total variation distance between the two.
 */
export function imputeCheck(
  x: Float32Array,
  line: { axis: 'x' | 'y'; at: number },
  range: readonly [number, number],
  exact: { density: (b: number) => number } | null,
): { onLine: number; count: number; hist: Float64Array; masses: Float64Array | null; tv: number | null } {
  const fixed = line.axis === 'x' ? 0 : 1;
  const count = Math.floor(x.length / 2);
  const free = new Float64Array(count);
  let onLine = 0;
  const at = Math.fround(line.at);
  for (let b = 0; b < count; b++) {
    if (x[2 * b + fixed] === at) onLine += 1;
    free[b] = x[2 * b + 1 - fixed];
  }
  const hist = histogram(free, range[0], range[1], IMPUTE_BINS);
  const masses = exact ? binMasses(exact.density, range[0], range[1], IMPUTE_BINS) : null;
  return { onLine, count, hist, masses, tv: masses ? totalVariation(hist, masses) : null };
}
