/**
 * Model cards (models/<id>.json): the whole contract between training and the app (the model-card
 * contract in docs/ARCHITECTURE.md). parseCard checks every field and says which file, which field
 * and what to do.
 */
import type { AnalyticMixture } from './mixture';
import { MAX_RUN_ELEMENTS } from './memory-cap';
import { readMlpBlock, type MlpBlock } from './mlp/spec';
import { resolveSdeConfig, SDE_KINDS } from './sde';
import type { SdeConfig, SdeKind } from './types';

/** What a network outputs: noise ε, clean data x₀, velocity v (Salimans & Ho 2022) or the score. */
export type Parameterization = 'eps' | 'x0' | 'v' | 'score';
export const PARAMETERIZATIONS: readonly Parameterization[] = ['eps', 'x0', 'v', 'score'];
/** How t is fed to the network: 't01' is diffusion time in [0, 1]. */
export type TimeInput = 't01';
export type Task = 'image' | 'points';

export interface DenoiseMargins {
  sigmas: number[];
  measuredRatio: number[];
  maxRatio: number[];
  note?: string;
}

/**
 * Real data shipped with an image model for the forward process (models/train/make_examples.py):
 * `count` images of prod(shape) bytes each, byte b meaning range[0] + (range[1] − range[0])·b/255.
 * `heldOut` says whether the model never trained on them (the page says so when it did).
 */
export interface ExamplesBlock {
  file: string;
  bytes: number;
  sha256: string;
  count: number;
  heldOut: boolean;
}

export interface ModelCard {
  id: string;
  title: string;
  /** One or two sentences for the model picker. */
  description?: string;
  task: Task;
  /** Shape of one sample, without the batch axis, e.g. [1, 28, 28] or [2]. */
  shape: number[];
  /** Data range for display: images map it to [0, 255]; points use it as plot limits. */
  range: [number, number];
  parameterization: Parameterization;
  /** The SDE the network was trained on. */
  sde: SdeConfig;
  timeInput: TimeInput;
  classes?: string[];
  nullClass?: number;
  onnx?: string;
  bytes?: number;
  sha256?: string;
  opset?: number;
  inputs?: Record<string, string>;
  output?: string;
  train?: Record<string, unknown>;
  quality?: { metric: string; value: number | null };
  license: string;
  /** Closed-form Gaussian mixture: no network file needed. */
  analytic?: AnalyticMixture;
  /** A small MLP core evaluates itself (mlp/spec.ts): no network file needed. */
  mlp?: MlpBlock;
  latencyMs?: Record<string, number>;
  denoiseMargins?: DenoiseMargins;
  /** Real examples for the forward process (image models). */
  examples?: ExamplesBlock;
}

export interface Manifest {
  models: string[];
}

/** Validates one object; every failure names the file and the field. */
export class CardReader {
  constructor(
    private readonly json: Record<string, unknown>,
    private readonly source: string,
  ) {}

  fail(field: string, problem: string): never {
    throw new Error(
      `Model card ${this.source}: field "${field}" ${problem}. Fix the card (the model-card contract in ` +
        `docs/ARCHITECTURE.md lists every field) or re-export the model with models/train/export.py.`,
    );
  }

  raw(field: string): unknown {
    return this.json[field];
  }

  string(field: string, optional = false): string | undefined {
    const v = this.json[field];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'string' || v.length === 0) this.fail(field, 'must be a non-empty string');
    return v;
  }

  number(field: string, optional = false, check: (v: number) => boolean = () => true): number | undefined {
    const v = this.json[field];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) this.fail(field, 'must be a valid number');
    return v;
  }

  numbers(field: string, length?: number): number[] {
    const v = this.json[field];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      this.fail(field, 'must be an array of numbers');
    }
    if (length !== undefined && v.length !== length) this.fail(field, `must have ${length} entries`);
    return v as number[];
  }

  choice<T extends string>(field: string, allowed: readonly T[]): T {
    const v = this.json[field];
    if (!allowed.includes(v as T))
      this.fail(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
    return v as T;
  }

  object(field: string, optional = false): Record<string, unknown> | undefined {
    const v = this.json[field];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, 'must be an object');
    return v as Record<string, unknown>;
  }

  nested(field: string, optional = false): CardReader | undefined {
    const obj = this.object(field, optional);
    return obj && new CardReader(obj, `${this.source} → ${field}`);
  }
}

const isRecordOf = (v: unknown, type: 'string' | 'number'): boolean =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => typeof x === type);

function readSde(card: CardReader): SdeConfig {
  const sde = card.nested('sde') as CardReader;
  const config: SdeConfig = { kind: sde.choice<SdeKind>('kind', SDE_KINDS) };
  for (const key of ['betaMin', 'betaMax', 'sigmaMin', 'sigmaMax', 'tEnd'] as const) {
    const v = sde.number(key, true);
    if (v !== undefined) config[key] = v;
  }
  try {
    resolveSdeConfig(config);
  } catch (e) {
    card.fail('sde', `is not a valid process (${(e as Error).message})`);
  }
  return config;
}

function readAnalytic(card: CardReader, dim: number): AnalyticMixture | undefined {
  const a = card.nested('analytic', true);
  if (!a) return undefined;
  const weights = a.numbers('weights');
  const means = a.raw('means');
  const covs = a.raw('covs');
  const isNumberArray = (v: unknown, n: number) =>
    Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!Array.isArray(means) || means.some((m) => !isNumberArray(m, dim))) {
    a.fail('means', `must be a list of ${dim}-vectors`);
  }
  const isCov = (c: unknown) =>
    isNumberArray(c, dim) || (Array.isArray(c) && c.every((row) => isNumberArray(row, dim)));
  if (!Array.isArray(covs) || covs.some((c) => !isCov(c) || (c as unknown[]).length !== dim)) {
    a.fail('covs', `must be a list of ${dim}×${dim} matrices or ${dim}-vectors of variances`);
  }
  return { weights, means: means as number[][], covs: covs as number[][][] };
}

function readExamples(card: CardReader, dim: number): ExamplesBlock | undefined {
  const e = card.nested('examples', true);
  if (!e) return undefined;
  const file = e.string('file') as string;
  if (!/^[\w.-]+\.bin$/.test(file)) e.fail('file', 'must be a file name next to the card ending in .bin');
  const count = e.number('count', false, (v) => Number.isInteger(v) && v >= 1) as number;
  const bytes = e.number('bytes', false, Number.isInteger) as number;
  if (bytes !== count * dim) e.fail('bytes', `must be count × ${dim} = ${count * dim} (one byte per value)`);
  const sha256 = e.string('sha256') as string;
  if (!/^[0-9a-fA-F]{64}$/.test(sha256)) e.fail('sha256', 'must be 64 hexadecimal digits');
  const heldOut = e.raw('heldOut');
  if (typeof heldOut !== 'boolean') e.fail('heldOut', 'must be true or false');
  return { file, bytes, sha256, count, heldOut: heldOut as boolean };
}

function readOptionalExtras(card: CardReader, raw: Record<string, unknown>, out: ModelCard): void {
  if (raw.classes !== undefined) {
    if (!Array.isArray(raw.classes) || raw.classes.some((c) => typeof c !== 'string')) {
      card.fail('classes', 'must be a list of class names');
    }
    out.classes = raw.classes as string[];
    out.nullClass = card.number('nullClass', true, Number.isInteger);
  }
  out.description = card.string('description', true);
  out.onnx = card.string('onnx', true);
  out.sha256 = card.string('sha256', true);
  out.bytes = card.number('bytes', true, (v) => Number.isInteger(v) && v >= 0);
  out.opset = card.number('opset', true, Number.isInteger);
  out.output = card.string('output', true);
  if (raw.inputs !== undefined && !isRecordOf(raw.inputs, 'string'))
    card.fail('inputs', 'must map names to types');
  out.inputs = raw.inputs as Record<string, string> | undefined;
  out.train = card.object('train', true);
  if (raw.latencyMs !== undefined && !isRecordOf(raw.latencyMs, 'number'))
    card.fail('latencyMs', 'must map to numbers');
  out.latencyMs = raw.latencyMs as Record<string, number> | undefined;
  const quality = card.nested('quality', true);
  if (quality) {
    const value = raw.quality && (raw.quality as Record<string, unknown>).value;
    out.quality = {
      metric: quality.string('metric') as string,
      value: value === null ? null : (quality.number('value') as number),
    };
  }
  const margins = card.nested('denoiseMargins', true);
  if (margins) {
    const sigmas = margins.numbers('sigmas');
    out.denoiseMargins = {
      sigmas,
      measuredRatio: margins.numbers('measuredRatio', sigmas.length),
      maxRatio: margins.numbers('maxRatio', sigmas.length),
      note: margins.string('note', true),
    };
  }
}

/** Checks `json` against the card contract; `source` (a file name or URL) goes into every error. */
export function parseCard(json: unknown, source: string): ModelCard {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(
      `Model card ${source} is not a JSON object. Check the file is a model card (models/<id>.json).`,
    );
  }
  const raw = json as Record<string, unknown>;
  const card = new CardReader(raw, source);
  const shape = card.numbers('shape');
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    card.fail('shape', 'must list positive whole dimensions, e.g. [1, 28, 28] or [2]');
  }
  const sampleElements = shape.reduce((a, b) => a * b, 1);
  if (sampleElements > MAX_RUN_ELEMENTS) {
    card.fail(
      'shape',
      `has ${sampleElements} values per sample, over the page's limit of ${MAX_RUN_ELEMENTS} for one network call (src/core/memory-cap.ts)`,
    );
  }
  const range = card.numbers('range', 2) as [number, number];
  if (!(range[0] < range[1])) card.fail('range', 'must be [low, high] with low < high');
  const out: ModelCard = {
    id: card.string('id') as string,
    title: card.string('title') as string,
    task: card.choice<Task>('task', ['image', 'points']),
    shape,
    range,
    parameterization: card.choice<Parameterization>('parameterization', PARAMETERIZATIONS),
    sde: readSde(card),
    timeInput: card.choice<TimeInput>('timeInput', ['t01']),
    license: card.string('license') as string,
  };
  out.analytic = readAnalytic(card, sampleElements);
  out.mlp = readMlpBlock(card, sampleElements);
  readOptionalExtras(card, raw, out);
  out.examples = readExamples(
    card,
    shape.reduce((a, b) => a * b, 1),
  );
  if (!out.analytic && !out.onnx && !out.mlp)
    card.fail('onnx', 'is missing: a card needs an ONNX file, an "analytic" mixture or an "mlp" network');
  if (out.mlp && (out.analytic || out.onnx))
    card.fail('mlp', 'cannot be combined with "onnx" or "analytic": give the card one network');
  if (out.classes && (out.nullClass === undefined || out.nullClass < out.classes.length)) {
    card.fail('nullClass', 'must be given with classes and be ≥ the number of classes');
  }
  return out;
}

/** Checks models/manifest.json: {"models": ["ring8", …]} (ids; each card is models/<id>.json). */
export function parseManifest(json: unknown, source = 'models/manifest.json'): Manifest {
  const models = (json as { models?: unknown } | null)?.models;
  if (!Array.isArray(models) || models.some((m) => typeof m !== 'string' || !/^[A-Za-z0-9_-]+$/.test(m))) {
    throw new Error(
      `${source} must look like {"models": ["ring8", …]} with model ids made of letters, digits, "-" and "_". Fix the manifest.`,
    );
  }
  return { models: [...new Set(models as string[])] };
}
