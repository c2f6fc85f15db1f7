/**
 * The probability-flow ODE integrated in either direction between two noise levels, for encoding
 * (σ_min → σ_max), likelihoods (the same, with the log-density change riding along) and any other
 * use that is not a reverse-process step. In u = ln σ it reads dx̃/du = g(x̃, σ) = x̃ − D(x̃, σ)
 * (Karras et al. 2022, eq. 4 in scale-free coordinates), and a caller may add per-sample scalar
 * channels c with dc/du given at the same point (for the likelihood, ∇·g; Song et al. 2021, eq. 39).
 *
 * Two solvers: adaptive Dormand–Prince 5(4) in u with the Hairer et al. error norm over x̃ and the
 * channels (the tableau of samplers/rk45.ts), and Heun in σ over a fixed grid (the update of the
 * ode_heun sampler, so a Heun encoding is that sampler's steps run upwards). The vectors are Field<V>
 * vectors; the channels are float64 on the CPU (a few numbers per sample).
 */
import type { Field, Term } from './field';
import { COUPLING, ERROR_WEIGHTS, NODES } from './samplers/rk45';

/** The flow's right-hand side at (x̃, σ): the x̃ slope in u, and the channels' slopes in u. */
export interface FlowSlope<V> {
  /** g = x̃ − D(x̃, σ) = dx̃/du. */
  slope: V;
  /** batch × channels numbers, dc/du (empty when there are no channels). */
  channels: Float64Array;
  /** Network evaluations this evaluation cost. */
  nfe: number;
}

export type FlowRhs<V> = (xTilde: V, sigma: number) => Promise<FlowSlope<V>>;

export type FlowSolver =
  { method: 'rk45'; rtol: number; atol: number } | { method: 'heun'; sigmas: readonly number[] };

/**
 * Memory on backends that pool vectors (GpuField): with `retain`, the solver calls field.collect
 * after every step, keeping its own state and these vectors; every other vector of the field is
 * freed, so do not share the field with a run in progress. Without it nothing is collected.
 */
export interface FlowMemory<V> {
  retain?: () => Iterable<V>;
}

export interface FlowResult<V> {
  xTilde: V;
  /** The channels integrated from 0: ∫ dc/du du, batch × channels. */
  channels: Float64Array;
  nfe: number;
  /** Accepted steps (and rejected tries, RK45 only). */
  steps: number;
  rejections: number;
}

const SAFETY = 0.9;
const MIN_FACTOR = 0.2;
const MAX_FACTOR = 5;
const MAX_STEPS = 10_000;
/** First RK45 try: this fraction of the whole span in ln σ (the controller adapts from there). */
const FIRST_TRY = 0.02;

/** y0 + Σ wⱼ·ksⱼ for the channels. */
function channelSum(y0: Float64Array, h: number, weights: readonly number[], ks: Float64Array[]) {
  const out = Float64Array.from(y0);
  weights.forEach((w, j) => {
    if (w === 0) return;
    const k = ks[j];
    for (let e = 0; e < out.length; e++) out[e] += h * w * k[e];
  });
  return out;
}

function vectorSum<V>(field: Field<V>, y0: V | null, h: number, weights: readonly number[], ks: V[]): V {
  const terms: Term<V>[] = y0 === null ? [] : [[1, y0]];
  weights.forEach((w, j) => {
    if (w !== 0) terms.push([h * w, ks[j]]);
  });
  return field.combine(terms);
}

/** The error norm of the channels, as Field.errorNorm: worst sample's RMS of e/(atol + rtol·max). */
function channelErrorNorm(
  err: Float64Array,
  a: Float64Array,
  b: Float64Array,
  batch: number,
  atol: number,
  rtol: number,
): number {
  const per = err.length / batch;
  let worst = 0;
  for (let s = 0; s < batch && per > 0; s++) {
    let sum = 0;
    for (let e = s * per; e < (s + 1) * per; e++) {
      sum += (err[e] / (atol + rtol * Math.max(Math.abs(a[e]), Math.abs(b[e])))) ** 2;
    }
    worst = Math.max(worst, Math.sqrt(sum / per));
  }
  return Number.isFinite(worst) ? worst : Number.POSITIVE_INFINITY;
}

async function heun<V>(
  field: Field<V>,
  rhs: FlowRhs<V>,
  x0: V,
  channels: number,
  sigmas: readonly number[],
  memory: FlowMemory<V>,
): Promise<FlowResult<V>> {
  let x = x0;
  let c = new Float64Array(field.batch * channels);
  let nfe = 0;
  for (let i = 0; i + 1 < sigmas.length; i++) {
    const [sigma, next] = [sigmas[i], sigmas[i + 1]];
    // In σ the slopes are g/σ and (dc/du)/σ: an Euler guess, then the average of both slopes.
    const h = next - sigma;
    const start = await rhs(x, sigma);
    const euler = field.combine([
      [1, x],
      [h / sigma, start.slope],
    ]);
    const end = await rhs(euler, next);
    nfe += start.nfe + end.nfe;
    x = field.combine([
      [1, x],
      [(0.5 * h) / sigma, start.slope],
      [(0.5 * h) / next, end.slope],
    ]);
    c = c.map((value, e) => value + 0.5 * h * (start.channels[e] / sigma + end.channels[e] / next));
    if (memory.retain) field.collect([x, ...memory.retain()]);
  }
  return { xTilde: x, channels: c, nfe, steps: sigmas.length - 1, rejections: 0 };
}

async function dormandPrince<V>(
  field: Field<V>,
  rhs: FlowRhs<V>,
  x0: V,
  channels: number,
  from: number,
  to: number,
  tol: { rtol: number; atol: number },
  memory: FlowMemory<V>,
): Promise<FlowResult<V>> {
  const uEnd = Math.log(to);
  let u = Math.log(from);
  let x = x0;
  let c = new Float64Array(field.batch * channels);
  let first = await rhs(x, from);
  let nfe = first.nfe;
  const direction = Math.sign(uEnd - u);
  let size = Math.abs(uEnd - u) * FIRST_TRY;
  let steps = 0;
  let rejections = 0;
  while (direction * (uEnd - u) > 1e-12) {
    if (steps + rejections >= MAX_STEPS) {
      throw new Error(`The probability-flow ODE needed more than ${MAX_STEPS} steps; loosen rtol/atol.`);
    }
    const last = Math.abs(uEnd - u) <= size * (1 + 1e-9);
    const h = direction * (last ? Math.abs(uEnd - u) : size);
    const ks: V[] = [first.slope];
    const kc: Float64Array[] = [first.channels];
    // The last stage sits at the 5th-order solution itself (FSAL): its point is the candidate step.
    let y1 = x;
    let end = first;
    for (let stage = 1; stage < 7; stage++) {
      y1 = vectorSum(field, x, h, COUPLING[stage], ks);
      end = await rhs(y1, Math.exp(u + NODES[stage] * h));
      nfe += end.nfe;
      ks.push(end.slope);
      kc.push(end.channels);
    }
    const c1 = channelSum(c, h, COUPLING[6], kc);
    const errVector = vectorSum(field, null, h, ERROR_WEIGHTS, ks);
    const errChannels = channelSum(new Float64Array(c.length), h, ERROR_WEIGHTS, kc);
    const error = Math.max(
      await field.errorNorm(errVector, x, y1, tol.atol, tol.rtol),
      channelErrorNorm(errChannels, c, c1, field.batch, tol.atol, tol.rtol),
    );
    const factor = error === 0 ? MAX_FACTOR : SAFETY * error ** -0.2;
    if (error <= 1) {
      x = y1;
      c = c1;
      first = end;
      u = last ? uEnd : u + h;
      steps += 1;
      size = Math.abs(h) * Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, factor));
    } else {
      rejections += 1;
      size = Math.abs(h) * Math.max(MIN_FACTOR, Math.min(1, factor));
    }
    if (memory.retain) field.collect([x, first.slope, ...memory.retain()]);
  }
  return { xTilde: x, channels: c, nfe, steps, rejections };
}

/**
 * Integrates the flow from x̃ at σ = from to σ = to (either direction), with `channels` scalar
 * channels per sample starting at 0. Heun's grid runs from `from` to `to` (its first and last entries).
 */
export function integrateFlow<V>(
  field: Field<V>,
  rhs: FlowRhs<V>,
  xTilde: V,
  channels: number,
  from: number,
  to: number,
  solver: FlowSolver,
  memory: FlowMemory<V> = {},
): Promise<FlowResult<V>> {
  if (!(from > 0 && to > 0) || !Number.isFinite(from) || !Number.isFinite(to)) {
    throw new Error(`The probability-flow ODE runs between positive noise levels (got ${from} → ${to}).`);
  }
  if (solver.method === 'heun') {
    const { sigmas } = solver;
    const ends = [sigmas[0], sigmas[sigmas.length - 1]];
    if (sigmas.length < 2 || Math.abs(ends[0] - from) > 1e-9 * from || Math.abs(ends[1] - to) > 1e-9 * to) {
      throw new Error(`Heun's grid must run from σ=${from} to σ=${to} (got ${ends[0]} → ${ends[1]}).`);
    }
    return heun(field, rhs, xTilde, channels, sigmas, memory);
  }
  return dormandPrince(field, rhs, xTilde, channels, from, to, solver, memory);
}
