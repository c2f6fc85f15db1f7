/**
 * The one place where network outputs become x̂₀ (docs/ARCHITECTURE.md, the path of one step). A
 * network trained on SDE `trained` is evaluated at σ through t = trained.timeOf(σ) and
 * x = s(t)·x̃, and its output (ε, x₀, v or score) becomes D(x̃, σ). Classifier-free guidance
 * (Ho & Salimans 2022) mixes a conditional and an unconditional prediction from one call on a
 * doubled batch.
 */
import type { ModelCard, Parameterization } from './card';
import { MixtureDenoiser, mixtureFromAnalytic } from './mixture';
import { mlpNetwork } from './mlp/network';
import { mlpModelOf } from './mlp/spec';
import { makeSde } from './sde';
import type { Denoiser, Sde, Sigma } from './types';

export type { Parameterization } from './card';

/** One batched network call: x (batch × dim, native coordinates), t (batch), labels or null. */
export type NetworkFn = (
  x: Float32Array,
  t: Float32Array,
  y: BigInt64Array | null,
  batch: number,
) => Promise<Float32Array>;

export interface ConditioningOptions {
  /** One class per sample, or one class for all; omitted = unconditional (the null class). */
  classLabels?: number[] | number;
  /** Guidance weight w: 0 = unconditional, 1 = conditional, > 1 = stronger. Default 1. */
  guidance?: number;
}

/** Where the network is evaluated for noise level σ: its time t, scale s and native noise std. */
export interface NetworkPoint {
  t: number;
  scale: number;
  nativeSigma: number;
}

export function networkPoint(trained: Sde, sigma: Sigma): NetworkPoint {
  const t = trained.timeOf(sigma);
  const scale = trained.scale(t);
  return { t, scale, nativeSigma: scale * sigma };
}

/**
 * x̂₀ is linear in the input and the raw output: D = fromInput·x̃ + fromOutput·out, with
 * ε: D = x̃ − σε; x₀: D = out; v (Salimans & Ho 2022): x₀ = (α²x̃ − σₙv)/(α² + σₙ²) in x̃ = x/α
 * (= αx − σₙv for VP); score: D = x̃ + σ²s·score.
 */
export function denoisedCoefficients(
  kind: Parameterization,
  sigma: number,
  point: NetworkPoint,
): { fromInput: number; fromOutput: number } {
  const { scale: alpha, nativeSigma } = point;
  switch (kind) {
    case 'eps':
      return { fromInput: 1, fromOutput: -sigma };
    case 'x0':
      return { fromInput: 0, fromOutput: 1 };
    case 'v': {
      const vNorm = alpha * alpha + nativeSigma * nativeSigma;
      return { fromInput: (alpha * alpha) / vNorm, fromOutput: -nativeSigma / vNorm };
    }
    case 'score':
      return { fromInput: 1, fromOutput: sigma * sigma * alpha };
  }
}

/** Turns raw outputs into x̂₀ (see denoisedCoefficients). */
export function outputToDenoised(
  kind: Parameterization,
  out: Float32Array,
  xTilde: Float32Array,
  sigma: number,
  point: NetworkPoint,
): Float32Array {
  const { fromInput, fromOutput } = denoisedCoefficients(kind, sigma, point);
  const result = new Float32Array(xTilde.length);
  for (let e = 0; e < result.length; e++) result[e] = fromInput * xTilde[e] + fromOutput * out[e];
  return result;
}

/**
 * How a batch is evaluated under classifier-free guidance: one call with these labels (no classes,
 * w = 1, or w = 0 with the null class), or a conditional and an unconditional call mixed as
 * D = D_u + w(D_c − D_u).
 */
export type GuidancePlan =
  | { kind: 'single'; labels: number[] | null }
  | { kind: 'guided'; labels: number[]; nullLabels: number[]; guidance: number };

export function checkConditioning(card: ModelCard, conditioning: ConditioningOptions): void {
  const w = conditioning.guidance ?? 1;
  if (!Number.isFinite(w)) {
    throw new Error(`Guidance weight ${w} is not a number: use a value such as 0, 1 or 3.`);
  }
  if (conditioning.classLabels !== undefined && !card.classes) {
    throw new Error(`Model "${card.id}" has no classes, so it cannot be conditioned: leave the class unset.`);
  }
}

export function guidancePlan(
  card: ModelCard,
  conditioning: ConditioningOptions,
  batch: number,
): GuidancePlan {
  const labels = labelsFor(card, conditioning, batch);
  const w = conditioning.guidance ?? 1;
  if (!labels || w === 1) return { kind: 'single', labels };
  const nullLabels = new Array<number>(batch).fill(card.nullClass as number);
  if (w === 0) return { kind: 'single', labels: nullLabels };
  return { kind: 'guided', labels, nullLabels, guidance: w };
}

/** Per-sample class labels, the null class for an unconditional draw, or null (no classes). */
function labelsFor(card: ModelCard, conditioning: ConditioningOptions, batch: number): number[] | null {
  const { classes, nullClass, id } = card;
  if (!classes) return null;
  const given = conditioning.classLabels;
  if (given === undefined) return new Array<number>(batch).fill(nullClass as number);
  const labels = typeof given === 'number' ? new Array<number>(batch).fill(given) : given;
  if (labels.length !== batch) {
    throw new Error(
      `Model "${id}": ${labels.length} class labels for a batch of ${batch}; give one per sample.`,
    );
  }
  for (const c of labels) {
    if (!Number.isInteger(c) || c < 0 || c >= classes.length) {
      throw new Error(`Model "${id}" has no class ${c}: choose 0 to ${classes.length - 1}.`);
    }
  }
  return labels;
}

/** A network wrapped as a denoiser; used unchanged by the browser engine and the CLI. */
export class NetworkDenoiser implements Denoiser {
  readonly dim: number;
  private readonly trained: Sde;

  constructor(
    private readonly network: NetworkFn,
    private readonly card: ModelCard,
    private readonly conditioning: ConditioningOptions = {},
  ) {
    this.dim = card.shape.reduce((a, b) => a * b, 1);
    this.trained = makeSde(card.sde);
    checkConditioning(card, conditioning);
  }

  async denoise(xTilde: Float32Array, sigma: Sigma, batch: number): Promise<Float32Array> {
    const n = batch * this.dim;
    if (xTilde.length !== n)
      throw new Error(`Denoiser got ${xTilde.length} values for ${batch} × ${this.dim}.`);
    const point = networkPoint(this.trained, sigma);
    const plan = guidancePlan(this.card, this.conditioning, batch);
    if (plan.kind === 'single') return this.evaluate(xTilde, sigma, point, plan.labels, batch);
    const doubled = new Float32Array(2 * n);
    doubled.set(xTilde);
    doubled.set(xTilde, n);
    const both = await this.evaluate(doubled, sigma, point, [...plan.labels, ...plan.nullLabels], 2 * batch);
    const w = plan.guidance;
    const out = new Float32Array(n);
    for (let e = 0; e < n; e++) out[e] = both[n + e] + w * (both[e] - both[n + e]);
    return out;
  }

  private async evaluate(
    xTilde: Float32Array,
    sigma: number,
    point: NetworkPoint,
    labels: number[] | null,
    batch: number,
  ): Promise<Float32Array> {
    const x = new Float32Array(xTilde.length);
    for (let e = 0; e < x.length; e++) x[e] = point.scale * xTilde[e];
    const t = new Float32Array(batch).fill(point.t);
    const y = labels && BigInt64Array.from(labels, (c) => BigInt(c));
    const out = await this.network(x, t, y, batch);
    if (out.length !== x.length) {
      throw new Error(
        `Model "${this.card.id}" returned ${out.length} values for ${batch} × ${this.dim}: the ONNX file does not match its card; re-export it.`,
      );
    }
    return outputToDenoised(this.card.parameterization, out, xTilde, sigma, point);
  }
}

/**
 * The exact denoiser of an analytic card, or a NetworkDenoiser over `network` (for a card with an
 * "mlp" block, core's own evaluation of it unless another network is given).
 */
export function denoiserForCard(
  card: ModelCard,
  network?: NetworkFn,
  conditioning?: ConditioningOptions,
): Denoiser {
  if (card.analytic) return new MixtureDenoiser(mixtureFromAnalytic(card.analytic, `models/${card.id}.json`));
  const fn = network ?? (card.mlp && mlpNetwork(mlpModelOf(card.mlp)));
  if (!fn) throw new Error(`Model "${card.id}" needs its network loaded before sampling.`);
  return new NetworkDenoiser(fn, card, conditioning);
}
