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
