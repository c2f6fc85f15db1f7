/**
 * Your own data (issue 15), the page's pure logic: a drawn 2D point set as a model ("Your
 * drawing", sampled through its exact empirical denoiser), its link form (`data=` in the hash),
 * the spray brush and eraser, presets, CSV input, and the trained network's card (download and
 * upload). No DOM, no worker: tested in Node.
 */
import { parseCard, type ModelCard } from '../../core/card';
import { parsePointsCsv, PointSetError, TooManyPointsError } from '../../core/point-set';
import { uniform } from '../../core/rng';
import { toyPoints, type ToyName } from '../../core/toy-data';
import type { CatalogueEntry } from './store';

/** The drawn point set's model id (URL `model=drawing`) and the trained network's. */
export const DRAWING_ID = 'drawing';
export const TRAINED_ID = 'drawing-trained';
export const DRAWING_TITLE = 'Your drawing';
export const TRAINED_TITLE = 'Your drawing, trained network';

/** Most points a drawing keeps (the link holds 4 bytes per point: 3,000 points ≈ 16 kB of hash). */
export const MAX_DRAWING_POINTS = 3000;
/** Largest |coordinate| of a drawn point: the trainer's limit (core/mlp/trainer.ts MAX_COORDINATE). */
export const MAX_DRAWING_COORDINATE = 20;
/** Link quantisation: each coordinate as a 16-bit integer in steps of 1/QUANT (±32.767). */
export const QUANT = 1000;
/** Points of a preset. */
export const PRESET_POINTS = 800;
const LINK_FORMAT = 1;

export const PRESETS: readonly { id: ToyName; label: string }[] = [
  { id: 'two_moons', label: 'Two moons' },
  { id: 'eight_gaussians', label: 'Ring of 8 Gaussians' },
  { id: 'swiss_roll', label: 'Swiss roll' },
  { id: 'checkerboard', label: 'Checkerboard' },
];

export class DrawingError extends Error {
  override name = 'DrawingError';
}

// ---- the link form: base64url of [format byte, then x, y as int16 little-endian per point] ----

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  try {
    const binary = atob(padded);
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Rounds each coordinate to the link's grid (what a shared link gives back). */
export function quantise(points: Float32Array): Float32Array {
  // `+ 0` turns −0 (a small negative value rounded) into 0, which is what a link decodes.
  return points.map((v) => Math.round(v * QUANT) / QUANT + 0);
}

/** The `data=` value of a point set (row-major count × 2, |coordinates| ≤ 20). */
export function encodeDrawing(points: Float32Array): string {
  const count = points.length / 2;
  const bytes = new Uint8Array(1 + 4 * count);
  const view = new DataView(bytes.buffer);
  bytes[0] = LINK_FORMAT;
  for (let e = 0; e < points.length; e++) {
    const q = Math.max(-32767, Math.min(32767, Math.round(points[e] * QUANT)));
    view.setInt16(1 + 2 * e, q, true);
  }
  return toBase64Url(bytes);
}

/** The point set of a `data=` value; throws a DrawingError saying what is wrong. */
export function decodeDrawing(text: string): Float32Array {
  const bytes = fromBase64Url(text);
  if (bytes === null) throw new DrawingError('the drawing in the link is not base64url text');
  if (bytes.length === 0 || bytes[0] !== LINK_FORMAT)
    throw new DrawingError(`the drawing in the link has an unknown format (expected ${LINK_FORMAT})`);
  if ((bytes.length - 1) % 4 !== 0) throw new DrawingError('the drawing in the link is cut short');
  const count = (bytes.length - 1) / 4;
  if (count > MAX_DRAWING_POINTS)
    throw new DrawingError(`the drawing in the link has ${count} points, over ${MAX_DRAWING_POINTS}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(2 * count);
  for (let e = 0; e < out.length; e++) out[e] = view.getInt16(1 + 2 * e, true) / QUANT;
  return out;
}

/** True when `text` is a `data=` value decodeDrawing accepts (the URL's validity check). */
export function isDrawingData(text: string): boolean {
  try {
    decodeDrawing(text);
    return true;
  } catch {
    return false;
  }
}

// ---- editing ----

/** Symmetric plot limits: the largest |coordinate| plus a quarter, at least ±4 (room to draw). */
export function drawingRange(points: ArrayLike<number>): [number, number] {
  let extent = 0;
  for (let i = 0; i < points.length; i++) extent = Math.max(extent, Math.abs(points[i]));
  const half = Math.min(MAX_DRAWING_COORDINATE, Math.max(4, Math.ceil(1.25 * extent)));
  return [-half, half];
}

/** Points kept inside ±MAX_DRAWING_COORDINATE and at most MAX_DRAWING_POINTS (the first ones). */
function clampSet(points: Float32Array): Float32Array {
  const kept: number[] = [];
  for (let k = 0; k < points.length / 2 && kept.length < 2 * MAX_DRAWING_POINTS; k++) {
    const [x, y] = [points[2 * k], points[2 * k + 1]];
    if (Math.abs(x) <= MAX_DRAWING_COORDINATE && Math.abs(y) <= MAX_DRAWING_COORDINATE) kept.push(x, y);
  }
  return Float32Array.from(kept);
}

/**
 * One dab of the spray brush: `count` points uniform in the disc of `radius` around (cx, cy),
 * appended to `points`. `dab` numbers the dabs so each draws different points (Philox, no
 * Math.random): the same strokes give the same drawing.
 */
export function spray(
  points: Float32Array,
  cx: number,
  cy: number,
  radius: number,
  count: number,
  dab: number,
): Float32Array {
  const room = Math.max(0, MAX_DRAWING_POINTS - points.length / 2);
  const n = Math.min(count, room);
  const radial = uniform(dab, 0, n);
  const angular = uniform(dab, 1, n);
  const out = new Float32Array(points.length + 2 * n);
  out.set(points);
  for (let i = 0; i < n; i++) {
    const r = radius * Math.sqrt(radial[i]);
    const a = 2 * Math.PI * angular[i];
    out[points.length + 2 * i] = cx + r * Math.cos(a);
    out[points.length + 2 * i + 1] = cy + r * Math.sin(a);
  }
  return clampSet(out);
}

/** The points outside the disc of `radius` around (cx, cy). */
export function erase(points: Float32Array, cx: number, cy: number, radius: number): Float32Array {
  const kept: number[] = [];
  for (let k = 0; k < points.length / 2; k++) {
    const [x, y] = [points[2 * k], points[2 * k + 1]];
    if ((x - cx) ** 2 + (y - cy) ** 2 > radius * radius) kept.push(x, y);
  }
  return Float32Array.from(kept);
}

/**
 * A preset: PRESET_POINTS points of a shipped toy, drawn stratified (each Gaussian of the ring gets
 * exactly 100, each moon 400) and quantised as a link would keep them. An independent draw of 800
 * points is itself often farther from the toy than the quality bar allows (the README's "Your own
 * data" section has the figures), which no network trained on it can repair.
 */
export function presetPoints(name: ToyName, seed = 1): Float32Array {
  return quantise(toyPoints(name, PRESET_POINTS, seed, { stratified: true }));
}

/**
 * Pasted or uploaded CSV (x,y per line): core's parser names a bad row; the page's limits (count,
 * coordinate range) name the point.
 */
export function pointsFromCsv(text: string, source = 'The CSV'): Float32Array {
  let points: Float32Array;
  try {
    points = parsePointsCsv(text, source, MAX_DRAWING_POINTS);
  } catch (e) {
    if (e instanceof TooManyPointsError) {
      throw new DrawingError(
        `${source} holds more than ${MAX_DRAWING_POINTS} points (row ${e.row} is point ${MAX_DRAWING_POINTS + 1}); a drawing keeps at most ${MAX_DRAWING_POINTS}. Use fewer rows (train bigger sets with npm run train2d).`,
      );
    }
    if (e instanceof PointSetError) throw new DrawingError(e.message);
    throw e;
  }
  for (let e = 0; e < points.length; e++) {
    if (Math.abs(points[e]) > MAX_DRAWING_COORDINATE) {
      throw new DrawingError(
        `${source} point ${Math.floor(e / 2) + 1} has ${e % 2 === 0 ? 'x' : 'y'} = ${points[e]}, beyond ±${MAX_DRAWING_COORDINATE}: rescale the data to roughly unit scale (the diffusion's prior is N(0, I)).`,
      );
    }
  }
  return quantise(points);
}

// ---- models ----

/** The drawing's card: its plain facts (the engine builds the exact empirical denoiser from the points). */
export function drawingCard(points: Float32Array): ModelCard {
  return {
    id: DRAWING_ID,
    title: DRAWING_TITLE,
    description: 'The drawn points, sampled through their exact empirical denoiser: it reproduces them.',
    task: 'points',
    shape: [2],
    range: drawingRange(points),
    parameterization: 'x0',
    sde: { kind: 'vp', betaMin: 0.1, betaMax: 20 },
    timeInput: 't01',
    license: 'drawn in the page',
  };
}

export function catalogueEntry(card: ModelCard, id: string): CatalogueEntry {
  return { id, title: card.title, task: 'points', analytic: false, classes: [], bytes: 0, card };
}

/** The trained network's card as a download: pretty JSON, loadable by the CLI and the page. */
export function cardFileText(card: ModelCard): string {
  return `${JSON.stringify(card, null, 2)}\n`;
}

/**
 * An uploaded card: JSON, a valid card (parseCard names the field and the fix), with an "mlp"
 * network of 2D points. Throws an Error whose message says what to fix.
 */
export function parseUploadedCard(text: string, fileName: string): ModelCard {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DrawingError(
      `${fileName} is not JSON (${(e as Error).message}): upload a card that Download card or npm run train2d wrote.`,
    );
  }
  const card = parseCard(json, fileName);
  if (!card.mlp) {
    throw new DrawingError(
      `${fileName}: field "mlp" is missing: only MLP cards (from Download card or npm run train2d) can be uploaded here; ONNX models ship in models/.`,
    );
  }
  if (card.task !== 'points' || card.shape.length !== 1 || card.shape[0] !== 2) {
    throw new DrawingError(
      `${fileName}: field "shape" must be [2] with task "points": this view shows 2D models.`,
    );
  }
  return card;
}
