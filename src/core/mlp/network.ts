/**
 * The residual MLP of spec.ts on the CPU, in double precision: a forward pass for sampling, and a
 * forward pass that keeps its activations plus the matching backward pass for training. Written by
 * hand for this one network (no autodiff library): every layer's gradient is the textbook one, and
 * test/core/mlp.test.ts checks them all against central finite differences.
 *
 * Activations are row-major batch × features. Parameters are one flat vector in the layout of
 * mlpLayout, so the optimiser and EMA work on plain arrays.
 */
import type { NetworkFn } from '../denoiser';
import {
  LAYER_NORM_EPS,
  mlpLayout,
  type BlockLayout,
  type MlpArchitecture,
  type MlpLayout,
  type MlpModel,
} from './spec';

type Vec = Float64Array;

/** Largest batch evaluated in one pass (bigger requests are split): bounds the scratch memory. */
export const MLP_CHUNK = 512;

/** The sinusoidal features of each t into `out` (batch × features), after x in each row of width `stride`. */
function timeFeatures(
  arch: MlpArchitecture,
  t: ArrayLike<number>,
  batch: number,
  out: Vec,
  stride: number,
): void {
  const { features, scale, maxPeriod } = arch.timeEmbedding;
  const half = features / 2;
  const { dim } = arch;
  for (let i = 0; i < half; i++) {
    const frequency = scale * Math.exp((-Math.log(maxPeriod) * i) / half);
    for (let b = 0; b < batch; b++) {
      const angle = t[b] * frequency;
      out[b * stride + dim + i] = Math.sin(angle);
      out[b * stride + dim + half + i] = Math.cos(angle);
    }
  }
}

/**
 * c[m, n] += Σ_k a[m, k] b[n, k] for row-major a (M × K) and b (N × K) at the given offsets: the
 * one matrix product the network needs, in 2 × 4 tiles so each loaded number is used several times.
 */
function productNT(
  a: Vec,
  aAt: number,
  b: Vec,
  bAt: number,
  rows: number,
  cols: number,
  inner: number,
  c: Vec,
  cAt: number,
): void {
  let m = 0;
  for (; m + 1 < rows; m += 2) {
    const a0 = aAt + m * inner;
    const a1 = a0 + inner;
    const c0 = cAt + m * cols;
    const c1 = c0 + cols;
    let n = 0;
    for (; n + 3 < cols; n += 4) {
      const b0 = bAt + n * inner;
      const b1 = b0 + inner;
      const b2 = b1 + inner;
      const b3 = b2 + inner;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      for (let k = 0; k < inner; k++) {
        const x0 = a[a0 + k];
        const x1 = a[a1 + k];
        const w0 = b[b0 + k];
        const w1 = b[b1 + k];
        const w2 = b[b2 + k];
        const w3 = b[b3 + k];
        s00 += x0 * w0;
        s01 += x0 * w1;
        s02 += x0 * w2;
        s03 += x0 * w3;
        s10 += x1 * w0;
        s11 += x1 * w1;
        s12 += x1 * w2;
        s13 += x1 * w3;
      }
      c[c0 + n] += s00;
      c[c0 + n + 1] += s01;
      c[c0 + n + 2] += s02;
      c[c0 + n + 3] += s03;
      c[c1 + n] += s10;
      c[c1 + n + 1] += s11;
      c[c1 + n + 2] += s12;
      c[c1 + n + 3] += s13;
    }
    for (; n < cols; n++) {
      const bn = bAt + n * inner;
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < inner; k++) {
        s0 += a[a0 + k] * b[bn + k];
        s1 += a[a1 + k] * b[bn + k];
      }
      c[c0 + n] += s0;
      c[c1 + n] += s1;
    }
  }
  for (; m < rows; m++) {
    const am = aAt + m * inner;
    for (let n = 0; n < cols; n++) {
      const bn = bAt + n * inner;
      let s = 0;
      for (let k = 0; k < inner; k++) s += a[am + k] * b[bn + k];
      c[cAt + m * cols + n] += s;
    }
  }
}

/** out (rows × cols) = the transpose of a (cols × rows, at offset aAt). */
function transpose(a: Vec, aAt: number, rows: number, cols: number, out: Vec): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = a[aAt + c * rows + r];
}

/** A linear layer: where its matrix (outputs × inputs) and bias start in the parameters. */
interface Dense {
  w: number;
  bias: number;
  inputs: number;
  outputs: number;
}

/** The activations one residual block keeps for its backward pass (each batch × width). */
interface BlockCache {
  /** The block's input h. */
  input: Vec;
  /** (h − mean)/std per row, and 1/std per row (batch × 1). */
  normalised: Vec;
  inverseStd: Vec;
  /** LayerNorm output: the first linear layer's input. */
  normed: Vec;
  /** First linear layer's output z, sigmoid(z), and act(z) = z·sigmoid(z): the second one's input. */
  pre: Vec;
  gate: Vec;
  act: Vec;
}

/**
 * Forward and backward passes of one architecture, with scratch buffers for up to `capacity` rows.
 * A forward pass keeps its activations, so `backward` can follow it for the same batch.
 */
export class MlpCompute {
  readonly layout: MlpLayout;
  private readonly input: Dense;
  private readonly output: Dense;
  private readonly hidden: { first: Dense; second: Dense }[];
  private readonly features: Vec;
  private readonly caches: BlockCache[];
  /** Output of the last block, and act() of it: the output layer's input. */
  private readonly last: Vec;
  private readonly lastGate: Vec;
  private readonly lastAct: Vec;
  private readonly residual: Vec;
  private readonly dh: Vec;
  private readonly dAct: Vec;
  private readonly dPre: Vec;
  private readonly dNormed: Vec;
  /** Transposed copies for the backward products. */
  private readonly xT: Vec;
  private readonly dyT: Vec;
  private readonly wT: Vec;

  constructor(
    readonly arch: MlpArchitecture,
    readonly capacity: number,
  ) {
    const layout = mlpLayout(arch);
    this.layout = layout;
    const { width, dim } = arch;
    this.input = { w: layout.wIn, bias: layout.bIn, inputs: layout.inputs, outputs: width };
    this.output = { w: layout.wOut, bias: layout.bOut, inputs: width, outputs: dim };
    this.hidden = layout.blocks.map((b) => ({
      first: { w: b.w1, bias: b.b1, inputs: width, outputs: width },
      second: { w: b.w2, bias: b.b2, inputs: width, outputs: width },
    }));
    const rows = (n: number) => new Float64Array(capacity * n);
    this.features = rows(layout.inputs);
    this.caches = layout.blocks.map(() => ({
      input: rows(width),
      normalised: rows(width),
      inverseStd: rows(1),
      normed: rows(width),
      pre: rows(width),
      gate: rows(width),
      act: rows(width),
    }));
    this.last = rows(width);
    this.lastGate = rows(width);
    this.lastAct = rows(width);
    this.residual = rows(width);
    this.dh = rows(width);
    this.dAct = rows(width);
    this.dPre = rows(width);
    this.dNormed = rows(width);
    const widest = Math.max(layout.inputs, width);
    this.xT = rows(widest);
    this.dyT = rows(width);
    this.wT = new Float64Array(widest * width);
  }

  /** Network output (batch × dim) for inputs x (batch × dim) at times t, into `out`. */
  forward(params: Vec, x: ArrayLike<number>, t: ArrayLike<number>, batch: number, out: Vec): void {
    if (batch > this.capacity) throw new Error(`MLP batch ${batch} is over its capacity ${this.capacity}.`);
    const { arch, layout, features, caches } = this;
    const { dim, width } = arch;
    const { inputs } = layout;
    for (let b = 0; b < batch; b++) for (let j = 0; j < dim; j++) features[b * inputs + j] = x[b * dim + j];
    timeFeatures(arch, t, batch, features, inputs);
    const n = batch * width;
    let h = caches.length ? caches[0].input : this.last;
    linear(params, this.input, features, batch, h);
    for (let k = 0; k < caches.length; k++) {
      const cache = caches[k];
      this.layerNorm(params, layout.blocks[k], h, batch, cache);
      linear(params, this.hidden[k].first, cache.normed, batch, cache.pre);
      silu(cache.pre, n, cache.gate, cache.act);
      linear(params, this.hidden[k].second, cache.act, batch, this.residual);
      const next = k + 1 < caches.length ? caches[k + 1].input : this.last;
      for (let e = 0; e < n; e++) next[e] = h[e] + this.residual[e];
      h = next;
    }
    silu(this.last, n, this.lastGate, this.lastAct);
    linear(params, this.output, this.lastAct, batch, out);
  }

  /**
   * Adds to `gradient` the gradient of Σ dOut·out with respect to the parameters, for the batch of
   * the last `forward` (dOut is batch × dim).
   */
  backward(params: Vec, dOut: Vec, batch: number, gradient: Vec): void {
    const { layout, caches, dh, dAct, dPre, dNormed } = this;
    const n = batch * this.arch.width;
    this.linearBackward(params, gradient, this.output, this.lastAct, dOut, batch, dAct);
    siluBackward(this.last, this.lastGate, dAct, n, dh);
    for (let k = caches.length - 1; k >= 0; k--) {
      // dh reaches the block's input unchanged (the skip) and through W2, act, W1 and LayerNorm.
      const cache = caches[k];
      this.linearBackward(params, gradient, this.hidden[k].second, cache.act, dh, batch, dAct);
      siluBackward(cache.pre, cache.gate, dAct, n, dPre);
      this.linearBackward(params, gradient, this.hidden[k].first, cache.normed, dPre, batch, dNormed);
      this.layerNormBackward(params, gradient, layout.blocks[k], cache, dNormed, batch, dh);
    }
    this.linearBackward(params, gradient, this.input, this.features, dh, batch, null);
  }

  /**
   * Backward of `linear`: gradient[W] += dyᵀx, gradient[bias] += Σ_b dy, and dx = dy W when dx is
   * given (overwritten). Both products run over contiguous rows of transposed copies.
   */
  private linearBackward(
    params: Vec,
    gradient: Vec,
    layer: Dense,
    x: Vec,
    dy: Vec,
    batch: number,
    dx: Vec | null,
  ): void {
    const { inputs, outputs } = layer;
    const { xT, dyT, wT } = this;
    transpose(dy, 0, outputs, batch, dyT);
    transpose(x, 0, inputs, batch, xT);
    productNT(dyT, 0, xT, 0, outputs, inputs, batch, gradient, layer.w);
    for (let o = 0; o < outputs; o++) {
      let sum = 0;
      for (let b = 0; b < batch; b++) sum += dyT[o * batch + b];
      gradient[layer.bias + o] += sum;
    }
    if (!dx) return;
    transpose(params, layer.w, inputs, outputs, wT);
    dx.fill(0, 0, batch * inputs);
    productNT(dy, 0, wT, 0, batch, inputs, outputs, dx, 0);
  }

  /** LayerNorm of each row of h into cache.normed, keeping x̂ and 1/std for the backward. */
  private layerNorm(params: Vec, norm: BlockLayout, h: Vec, batch: number, cache: BlockCache): void {
    const { width } = this.arch;
    const { normalised, inverseStd, normed } = cache;
    for (let b = 0; b < batch; b++) {
      const row = b * width;
      let mean = 0;
      for (let i = 0; i < width; i++) mean += h[row + i];
      mean /= width;
      let variance = 0;
      for (let i = 0; i < width; i++) variance += (h[row + i] - mean) ** 2;
      variance /= width;
      const inv = 1 / Math.sqrt(variance + LAYER_NORM_EPS);
      inverseStd[b] = inv;
      for (let i = 0; i < width; i++) {
        const v = (h[row + i] - mean) * inv;
        normalised[row + i] = v;
        normed[row + i] = v * params[norm.gain + i] + params[norm.bias + i];
      }
    }
  }

  /**
   * Backward of `layerNorm`: gradients of gain and bias, and dh += (1/std)(d − mean(d) − x̂·mean(d·x̂))
   * with d = dy·gain, added to dh (which already holds the skip connection's gradient).
   */
  private layerNormBackward(
    params: Vec,
    gradient: Vec,
    norm: BlockLayout,
    cache: BlockCache,
    dy: Vec,
    batch: number,
    dh: Vec,
  ): void {
    const { width } = this.arch;
    const { normalised, inverseStd } = cache;
    for (let b = 0; b < batch; b++) {
      const row = b * width;
      let meanD = 0;
      let meanDx = 0;
      for (let i = 0; i < width; i++) {
        const g = dy[row + i];
        const v = normalised[row + i];
        gradient[norm.gain + i] += g * v;
        gradient[norm.bias + i] += g;
        const d = g * params[norm.gain + i];
        meanD += d;
        meanDx += d * v;
      }
      meanD /= width;
      meanDx /= width;
      const inv = inverseStd[b];
      for (let i = 0; i < width; i++) {
        const d = dy[row + i] * params[norm.gain + i];
        dh[row + i] += inv * (d - meanD - normalised[row + i] * meanDx);
      }
    }
  }
}

/** out[b, o] = bias[o] + Σ_i x[b, i] W[o, i]. */
function linear(params: Vec, layer: Dense, x: Vec, batch: number, out: Vec): void {
  const { inputs, outputs, bias } = layer;
  for (let b = 0; b < batch; b++) for (let o = 0; o < outputs; o++) out[b * outputs + o] = params[bias + o];
  productNT(x, 0, params, layer.w, batch, outputs, inputs, out, 0);
}

/** act = z·sigmoid(z) for the first n entries, keeping sigmoid(z) in `gate` for the backward. */
function silu(z: Vec, n: number, gate: Vec, act: Vec): void {
  for (let e = 0; e < n; e++) {
    const g = 1 / (1 + Math.exp(-z[e]));
    gate[e] = g;
    act[e] = z[e] * g;
  }
}

/** dz = dAct · d/dz[z·sigmoid(z)] = dAct · g(1 + z(1 − g)) with g = sigmoid(z). */
function siluBackward(z: Vec, gate: Vec, dAct: Vec, n: number, dz: Vec): void {
  for (let e = 0; e < n; e++) {
    const g = gate[e];
    dz[e] = dAct[e] * g * (1 + z[e] * (1 - g));
  }
}

/** The model as a NetworkFn (x native, t diffusion time), evaluated in chunks of MLP_CHUNK rows. */
export function mlpNetwork(model: MlpModel): NetworkFn {
  const params = Float64Array.from(model.params);
  const compute = new MlpCompute(model, MLP_CHUNK);
  const { dim } = model;
  const chunkOut = new Float64Array(MLP_CHUNK * dim);
  return async (x, t, _y, batch) => {
    if (x.length !== batch * dim || t.length !== batch) {
      throw new Error(`MLP got ${x.length} inputs and ${t.length} times for a batch of ${batch} × ${dim}.`);
    }
    const out = new Float32Array(batch * dim);
    for (let start = 0; start < batch; start += MLP_CHUNK) {
      const size = Math.min(MLP_CHUNK, batch - start);
      compute.forward(params, x.subarray(start * dim), t.subarray(start), size, chunkOut);
      for (let e = 0; e < size * dim; e++) out[start * dim + e] = chunkOut[e];
    }
    return out;
  };
}
