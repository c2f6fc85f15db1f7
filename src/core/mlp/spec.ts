/**
 * The "mlp" block of a model card: a small time-conditioned residual MLP that core evaluates itself
 * (no ONNX). It maps (x, t) to an output of the card's parameterisation, on the card's SDE, exactly
 * as an ONNX network would, so NetworkDenoiser drives it like any other model.
 *
 *   "mlp": {
 *     "kind": "residual-mlp",
 *     "dim": 2,                  // data dimension: input x and output (= the card's shape)
 *     "width": 64,               // hidden units of every layer
 *     "blocks": 2,               // residual blocks
 *     "activation": "silu",
 *     "timeEmbedding": { "kind": "sinusoidal", "features": 16, "scale": 1000, "maxPeriod": 10000 },
 *     "weights": "<base64 of little-endian float32, in the order below>"
 *   }
 *
 * The network (the shape of models/train/networks.py ToyMLP):
 *   e = [sin(scale·t·f_i), cos(scale·t·f_i)], f_i = maxPeriod^(−i/half), i < half = features/2
 *   h = W_in [x, e] + b_in
 *   each block: h ← h + W2 act(W1 LayerNorm(h) + b1) + b2      (LayerNorm with gain and bias, ε 1e-5)
 *   out = W_out act(h) + b_out
 * Weight order, matrices row-major as [out, in] (PyTorch's nn.Linear layout): W_in, b_in; per block
 * LayerNorm gain, LayerNorm bias, W1, b1, W2, b2; W_out, b_out.
 */
import type { CardReader } from '../card';

export type MlpActivation = 'silu';
export const MLP_ACTIVATIONS: readonly MlpActivation[] = ['silu'];

export interface TimeEmbedding {
  kind: 'sinusoidal';
  /** Number of features (even): half sines, half cosines. */
  features: number;
  /** t ∈ [0, 1] is multiplied by this before the sinusoids (1000: the DDPM step count). */
  scale: number;
  /** The longest period of the sinusoids. */
  maxPeriod: number;
}

export interface MlpArchitecture {
  kind: 'residual-mlp';
  dim: number;
  width: number;
  blocks: number;
  activation: MlpActivation;
  timeEmbedding: TimeEmbedding;
}

/** The card's block: the architecture and its weights as base64 float32. */
export interface MlpBlock extends MlpArchitecture {
  weights: string;
}

/** The architecture with its weights decoded. */
export interface MlpModel extends MlpArchitecture {
  params: Float32Array;
}

/**
 * Largest network a card may hold. Core evaluates it on the CPU for every sample at every step
 * (2 multiply-adds per parameter), so 200k parameters already cost ~0.8 GFLOP per step of a
 * 2,000-point batch; a bigger model belongs in ONNX.
 */
export const MAX_MLP_PARAMS = 200_000;
export const MAX_MLP_WIDTH = 1024;
export const MAX_MLP_BLOCKS = 16;
export const MAX_TIME_FEATURES = 256;
export const LAYER_NORM_EPS = 1e-5;

/** Offsets of one residual block's tensors in the flat parameter vector. */
export interface BlockLayout {
  gain: number;
  bias: number;
  w1: number;
  b1: number;
  w2: number;
  b2: number;
}

/** Where each tensor starts in the flat parameter vector, and its total length. */
export interface MlpLayout {
  /** Inputs of the first layer: dim + time features. */
  inputs: number;
  wIn: number;
  bIn: number;
  blocks: BlockLayout[];
  wOut: number;
  bOut: number;
  total: number;
}

export function mlpLayout(arch: MlpArchitecture): MlpLayout {
  const { dim, width } = arch;
  const inputs = dim + arch.timeEmbedding.features;
  let at = 0;
  const take = (n: number) => {
    const start = at;
    at += n;
    return start;
  };
  const wIn = take(width * inputs);
  const bIn = take(width);
  const blocks = Array.from({ length: arch.blocks }, () => ({
    gain: take(width),
    bias: take(width),
    w1: take(width * width),
    b1: take(width),
    w2: take(width * width),
    b2: take(width),
  }));
  const wOut = take(dim * width);
  const bOut = take(dim);
  return { inputs, wIn, bIn, blocks, wOut, bOut, total: at };
}

export const mlpParamCount = (arch: MlpArchitecture): number => mlpLayout(arch).total;

/** Base64 of the float32 values, little-endian whatever the machine. */
export function encodeWeights(params: ArrayLike<number>): string {
  const bytes = new Uint8Array(4 * params.length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < params.length; i++) view.setFloat32(4 * i, params[i], true);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** The float32 values of encodeWeights' output; null when the text is not base64 of whole floats. */
export function decodeWeights(text: string): Float32Array | null {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  if (binary.length % 4 !== 0) return null;
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) view.setUint8(i, binary.charCodeAt(i));
  const out = new Float32Array(binary.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** Checks the architecture's numbers; returns a problem as [field, message] or null. */
export function architectureProblem(arch: MlpArchitecture): [string, string] | null {
  const whole = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  const { timeEmbedding: e } = arch;
  if (!whole(arch.width, 1, MAX_MLP_WIDTH))
    return ['width', `must be a whole number from 1 to ${MAX_MLP_WIDTH}`];
  if (!whole(arch.blocks, 0, MAX_MLP_BLOCKS))
    return ['blocks', `must be a whole number from 0 to ${MAX_MLP_BLOCKS}`];
  if (!whole(e.features, 2, MAX_TIME_FEATURES) || e.features % 2 !== 0) {
    return ['timeEmbedding → features', `must be an even whole number from 2 to ${MAX_TIME_FEATURES}`];
  }
  if (!(e.scale > 0) || !Number.isFinite(e.scale))
    return ['timeEmbedding → scale', 'must be a positive number'];
  if (!(e.maxPeriod > 1) || !Number.isFinite(e.maxPeriod)) {
    return ['timeEmbedding → maxPeriod', 'must be a number above 1'];
  }
  const count = mlpParamCount(arch);
  if (count > MAX_MLP_PARAMS) {
    return [
      'width',
      `and blocks give ${count} parameters, over the ${MAX_MLP_PARAMS} a card's MLP may have: core runs it on ` +
        'the CPU for every sample at every step, so a bigger network belongs in an ONNX file',
    ];
  }
  return null;
}

/** Reads and checks a card's "mlp" block; `dim` is the card's data dimension. */
export function readMlpBlock(card: CardReader, dim: number): MlpBlock | undefined {
  const mlp = card.nested('mlp', true);
  if (!mlp) return undefined;
  mlp.choice('kind', ['residual-mlp']);
  const declaredDim = mlp.number('dim') as number;
  if (declaredDim !== dim) mlp.fail('dim', `must equal the card's data dimension ${dim} (the shape's size)`);
  const embedding = mlp.nested('timeEmbedding') as CardReader;
  const block: MlpBlock = {
    kind: 'residual-mlp',
    dim,
    width: mlp.number('width') as number,
    blocks: mlp.number('blocks') as number,
    activation: mlp.choice('activation', MLP_ACTIVATIONS),
    timeEmbedding: {
      kind: embedding.choice('kind', ['sinusoidal']),
      features: embedding.number('features') as number,
      scale: embedding.number('scale') as number,
      maxPeriod: embedding.number('maxPeriod') as number,
    },
    weights: mlp.string('weights') as string,
  };
  const problem = architectureProblem(block);
  if (problem) mlp.fail(problem[0], problem[1]);
  const expected = mlpParamCount(block);
  // Before decoding: a card's text may claim anything, and decoding costs memory per character.
  const characters = 4 * Math.ceil((4 * expected) / 3);
  if (block.weights.length > characters + 1024) {
    mlp.fail(
      'weights',
      `is ${block.weights.length} characters long, but width ${block.width}, ${block.blocks} blocks and ` +
        `${block.timeEmbedding.features} time features need ${expected} numbers (${characters} characters of base64)`,
    );
  }
  const weights = decodeWeights(block.weights);
  if (!weights) return mlp.fail('weights', 'must be base64 of little-endian float32 values');
  if (weights.length !== expected) {
    mlp.fail(
      'weights',
      `holds ${weights.length} numbers, but width ${block.width}, ${block.blocks} blocks and ` +
        `${block.timeEmbedding.features} time features need ${expected}`,
    );
  }
  if (weights.some((w) => !Number.isFinite(w))) mlp.fail('weights', 'must all be finite numbers');
  return block;
}

/** A checked block with its weights decoded. */
export function mlpModelOf(block: MlpBlock): MlpModel {
  const { weights, ...arch } = block;
  const problem = architectureProblem(arch);
  if (problem) throw new Error(`MLP field "${problem[0]}" ${problem[1]}.`);
  const params = decodeWeights(weights);
  if (!params || params.length !== mlpParamCount(arch)) {
    throw new Error(`MLP weights do not match width ${arch.width} and ${arch.blocks} blocks.`);
  }
  return { ...arch, params };
}

/** The card block of a model (weights encoded). */
export function mlpBlockOf(model: MlpModel): MlpBlock {
  const { params, ...arch } = model;
  return { ...arch, weights: encodeWeights(params) };
}
