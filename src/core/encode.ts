/**
 * Encoding and decoding through the probability-flow ODE (Song et al. 2021, §4.3): the flow is a
 * bijection, so integrating it from the data at t = ε up to T gives a latent that identifies the data
 * point, and any ODE sampler started from that latent brings it back.
 *
 * Coordinates. The data is taken as x̃ at σ(ε), what `npm run sample` writes for a run that ends
 * there; the latent is scaled to unit prior variance, z = s(1)·x̃(σmax)/priorStd (x_T for VP and
 * sub-VP, x̃(σmax)/σmax for VE), so a good encoder's latents look like N(0, I) and decoding is the
 * prior draw with z in place of fresh noise (`latentStart`).
 */
import type { Field } from './field';
import { sigmaGrid } from './grids';
import { integrateFlow, type FlowMemory, type FlowSolver } from './pf-ode';
import { SamplingLoop } from './sampling-loop';
import { makeSde } from './sde';
import { asSigma, asTime } from './types';
import type { Denoiser, Params, ScheduleKind, Sde, SdeConfig, Sigma } from './types';

export type EncodeSolver =
  | { method: 'ode_rk45'; rtol: number; atol: number }
  | { method: 'ode_heun'; steps: number; schedule: ScheduleKind };

export const ENCODE_METHODS = ['ode_rk45', 'ode_heun'] as const;

export interface Encoding<V> {
  /** The latent z (unit prior variance), batch × dim. */
  latent: V;
  nfe: number;
  steps: number;
}

/** z = s(1)·x̃/priorStd: the factor that turns x̃(σmax) into a unit-variance latent. */
export function latentScale(sde: Sde): number {
  return sde.scale(asTime(1)) / sde.priorStd();
}

/** Where decoding starts: x̃ = z/latentScale at σmax (the prior draw, with z for its noise). */
export function latentStart<V>(field: Field<V>, sde: Sde, latent: V): { xTilde: V; sigma: Sigma } {
  return { xTilde: field.combine([[1 / latentScale(sde), latent]]), sigma: sde.sigma(asTime(1)) };
}

function flowSolver(sde: Sde, solver: EncodeSolver): FlowSolver {
  if (solver.method === 'ode_rk45') return { method: 'rk45', rtol: solver.rtol, atol: solver.atol };
  // The sampler's grid, run upwards: decoding with ode_heun on it retraces the same σ points.
  const sigmas = sigmaGrid(sde, solver.schedule, solver.steps).reverse();
  return { method: 'heun', sigmas };
}

/** Encodes x̃ (data at σ(ε), a vector of the field) into latents by the PF-ODE from σ(ε) to σ(1). */
export async function encode<V>(
  field: Field<V>,
  denoiser: Denoiser<V>,
  xTilde: V,
  sdeConfig: SdeConfig,
  solver: EncodeSolver,
  memory: FlowMemory<V> = {},
): Promise<Encoding<V>> {
  const sde = makeSde(sdeConfig);
  const rhs = async (x: V, sigma: number) => {
    const denoised = await denoiser.denoise(x, asSigma(sigma), field.batch);
    const slope = field.combine([
      [1, x],
      [-1, denoised],
    ]);
    return { slope, channels: new Float64Array(0), nfe: 1 };
  };
  const from = sde.sigma(sde.tEnd);
  const to = sde.sigma(asTime(1));
  const flow = await integrateFlow(field, rhs, xTilde, 0, from, to, flowSolver(sde, solver), memory);
  return { latent: field.combine([[latentScale(sde), flow.xTilde]]), nfe: flow.nfe, steps: flow.steps };
}

export interface DecodeOptions {
  sde: SdeConfig;
  /** An ODE sampler (ode_rk45, ode_heun, ode_euler, dpmpp_2m, ddim with eta = 0). */
  samplerId: string;
  steps: number;
  schedule: ScheduleKind;
  params?: Params;
}

/**
 * Decodes latents with a sampler: the sampling loop started from `latentStart`, run to σ(ε) (no
 * final denoising, so the result is x̃ at the encoder's starting point). The loop's field frees every
 * vector the loop does not hold, `latent` included: read what you need before.
 */
export async function decode<V>(
  field: Field<V>,
  denoiser: Denoiser<V>,
  latent: V,
  options: DecodeOptions,
): Promise<{ xTilde: V; nfe: number }> {
  const loop = new SamplingLoop(field, {
    ...options,
    denoiser,
    seed: 0,
    batch: field.batch,
    snapshotBudgetBytes: 1 << 20,
  });
  const start = latentStart(field, makeSde(options.sde), latent);
  loop.startFrom(start.xTilde, start.sigma);
  while (!loop.done) await loop.step();
  return { xTilde: loop.xTilde, nfe: loop.nfeTotal };
}

/**
 * Spherical interpolation between two latents (Shoemake 1985), `frames` points from a to b
 * inclusive: sin((1−τ)θ)/sin θ·a + sin(τθ)/sin θ·b with θ the angle between them (linear when they
 * are parallel). Gaussian latents have nearly constant norm, which slerp keeps and a straight line
 * does not.
 */
export function slerp(a: ArrayLike<number>, b: ArrayLike<number>, frames = 8): Float32Array[] {
  if (a.length !== b.length) throw new Error(`slerp: latents of ${a.length} and ${b.length} values.`);
  if (!Number.isInteger(frames) || frames < 2)
    throw new Error(`slerp needs at least 2 frames (got ${frames}).`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let e = 0; e < a.length; e++) {
    dot += a[e] * b[e];
    na += a[e] * a[e];
    nb += b[e] * b[e];
  }
  const cos = Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb || 1)));
  const theta = Math.acos(cos);
  return Array.from({ length: frames }, (_, f) => {
    const tau = f / (frames - 1);
    const [wa, wb] =
      Math.sin(theta) < 1e-6
        ? [1 - tau, tau]
        : [Math.sin((1 - tau) * theta) / Math.sin(theta), Math.sin(tau * theta) / Math.sin(theta)];
    return Float32Array.from(a, (v, e) => wa * v + wb * b[e]);
  });
}

/** A vector field and a denoiser on it: where a job's vectors live (CPU arrays or GPU buffers). */
export interface FieldAndDenoiser<V> {
  field: Field<V>;
  denoiser: Denoiser<V>;
}

export interface RoundTripOptions {
  sde: SdeConfig;
  encoder: EncodeSolver;
  /** The ODE sampler that decodes (its `sde` is the encoder's). */
  decoder: Omit<DecodeOptions, 'sde'>;
  /** Told when decoding starts (after the latents are read back), e.g. for progress. */
  onDecode?: () => void;
}

export interface RoundTrip {
  /** The latents (unit prior variance), read back: batch × dim. */
  latent: Float32Array;
  /** decode(encode(x)), read back. */
  decoded: Float32Array;
  /** RMSE and largest absolute error of decoded against x. */
  rmse: number;
  maxError: number;
  nfeEncode: number;
  nfeDecode: number;
}

/** The RMSE and the largest absolute difference of two equally long arrays. */
export function errorOf(a: ArrayLike<number>, b: ArrayLike<number>): { rmse: number; maxError: number } {
  let sum = 0;
  let max = 0;
  for (let e = 0; e < a.length; e++) {
    const d = Math.abs(a[e] - b[e]);
    sum += d * d;
    max = Math.max(max, d);
  }
  return { rmse: Math.sqrt(sum / Math.max(1, a.length)), maxError: max };
}

/**
 * x (batch × dim on the CPU) encoded and decoded again on `on`'s field: the latents and the
 * decoded points read back, and the round trip's error. The encoder collects the field after every
 * step (a GPU field would otherwise keep every stage's buffers), so the field must not hold a run.
 */
export async function roundTrip<V>(
  on: FieldAndDenoiser<V>,
  x: Float32Array,
  options: RoundTripOptions,
): Promise<RoundTrip> {
  const { field, denoiser } = on;
  const enc = await encode(field, denoiser, field.upload(x), options.sde, options.encoder, {
    retain: () => [],
  });
  const latent = Float32Array.from(await field.read(enc.latent));
  options.onDecode?.();
  const dec = await decode(field, denoiser, enc.latent, { ...options.decoder, sde: options.sde });
  const decoded = Float32Array.from(await field.read(dec.xTilde));
  return { latent, decoded, ...errorOf(decoded, x), nfeEncode: enc.nfe, nfeDecode: dec.nfe };
}

export interface Interpolation {
  /** frames × dim: decode(slerp(z_a, z_b)) from a to b inclusive. */
  images: Float32Array;
  /** The latents of a and b (unit prior variance). */
  ends: [Float32Array, Float32Array];
  /** The larger RMSE of the first frame against a and the last against b (their round trips). */
  endError: number;
  nfeEncode: number;
  nfeDecode: number;
}

/**
 * Latent interpolation (Song et al. 2021, §4.3 and Fig. 3): a and b encoded together (`pair`, a
 * field of batch 2), their latents joined by `slerp` in `frames` steps, and every frame decoded at
 * once (`strip`, a field of batch `frames`). Because the flow is a bijection the end frames are a
 * and b again, up to the solvers' tolerance; the middle frames are the model's own images, not
 * blends of pixels.
 */
export async function interpolate<V, W>(
  pair: FieldAndDenoiser<V>,
  strip: FieldAndDenoiser<W>,
  a: Float32Array,
  b: Float32Array,
  options: RoundTripOptions,
): Promise<Interpolation> {
  const dim = pair.field.dim;
  if (a.length !== dim || b.length !== dim) {
    throw new Error(`Interpolation needs two samples of ${dim} values (got ${a.length} and ${b.length}).`);
  }
  if (pair.field.batch !== 2) throw new Error(`Interpolation encodes a pair, not ${pair.field.batch}.`);
  const both = new Float32Array(2 * dim);
  both.set(a);
  both.set(b, dim);
  const { field, denoiser } = pair;
  const enc = await encode(field, denoiser, field.upload(both), options.sde, options.encoder, {
    retain: () => [],
  });
  const latents = Float32Array.from(await field.read(enc.latent));
  const ends: [Float32Array, Float32Array] = [latents.slice(0, dim), latents.slice(dim)];
  const frames = strip.field.batch;
  const path = new Float32Array(frames * dim);
  slerp(ends[0], ends[1], frames).forEach((z, f) => path.set(z, f * dim));
  options.onDecode?.();
  const dec = await decode(strip.field, strip.denoiser, strip.field.upload(path), {
    ...options.decoder,
    sde: options.sde,
  });
  const images = Float32Array.from(await strip.field.read(dec.xTilde));
  const endError = Math.max(
    errorOf(images.subarray(0, dim), a).rmse,
    errorOf(images.subarray((frames - 1) * dim), b).rmse,
  );
  return { images, ends, endError, nfeEncode: enc.nfe, nfeDecode: dec.nfe };
}
