/**
 * Exact likelihoods through the probability-flow ODE: the instantaneous change of variables
 * (Chen et al. 2018; Song et al. 2021, eq. 39 and App. D.2). Along the flow dx̃/du = g = x̃ − D
 * (u = ln σ, pf-ode.ts) the marginals p̃_σ of x̃ are carried into each other, so
 *   log p̃_σmin(x̃(σmin)) = log p̃_σmax(x̃(σmax)) + ∫ ∇·g(x̃(u), eᵘ) du,   ∇·g = dim − ∇·D,
 * with p̃_σmax replaced by the prior N(0, (priorStd/s(1))² I) (x_T ~ N(0, priorStd² I) natively).
 *
 * Conventions, as score_sde (Song et al.'s code) reports them: the data point is x(ε) in native
 * coordinates at the grid's smallest time t = ε, so x̃ = x/s(ε) and log p_ε(x) = log p̃(x̃) − dim·ln s(ε);
 * images are dequantised on the 8-bit scale, uniform noise added to the 0…255 integers, scaled to the
 * model's range, and bits/dim corrected by the log-Jacobian of that scaling (`bitsPerDim`).
 */
import type { Field } from './field';
import { hutchinsonDivergence, probeVectors, type DivergenceMethod, type ProbeKind } from './hutchinson';
import type { MixtureDenoiser } from './mixture';
import { integrateFlow, type FlowMemory, type FlowSolver } from './pf-ode';
import { uniform } from './rng';
import { makeSde } from './sde';
import { asSigma, asTime, type Denoiser, type SdeConfig } from './types';

export interface LikelihoodOptions<V> extends FlowMemory<V> {
  sde: SdeConfig;
  /** Solver of the ODE (default RK45 at rtol = atol = 1e-5, as score_sde). */
  solver?: FlowSolver;
  /**
   * log p̃_σmax at the end of the flow (x̃ coordinates), per sample. Default: the prior
   * N(0, (priorStd/s(1))² I), which ignores the data's own mean and spread at σmax; an exact model
   * (a mixture) can give its own and so isolate the error of the ODE.
   */
  prior?: (xTilde: V) => Promise<Float64Array>;
}

export const LIKELIHOOD_TOLERANCE = 1e-5;

export interface Likelihood {
  /** log p_ε(x) in nats per sample (native coordinates), the mean over the divergence channels. */
  logp: Float64Array;
  /** Standard error of logp over the channels (probes); 0 with one channel. */
  stdErr: Float64Array;
  /** log p_ε(x) of each channel (probe), batch × channels. */
  perChannel: Float64Array;
  channels: number;
  /** Network evaluations of the whole solve (for the batch). */
  nfe: number;
  steps: number;
}

/** log N(x; 0, v²I) of each sample from its norm. */
function gaussianLogDensity(norms: Float64Array, variance: number, dim: number): Float64Array {
  return norms.map((n) => -0.5 * dim * Math.log(2 * Math.PI * variance) - (n * n) / (2 * variance));
}

/**
 * log p_ε(x) of each sample of x (native coordinates at t = ε, a vector of the field) under the
 * model `denoiser`, with the divergence from `divergence` (Hutchinson or exact).
 */
export async function logLikelihood<V>(
  field: Field<V>,
  denoiser: Denoiser<V>,
  x: V,
  divergence: DivergenceMethod<V>,
  options: LikelihoodOptions<V>,
): Promise<Likelihood> {
  const sde = makeSde(options.sde);
  const { batch, dim } = field;
  const scaleEps = sde.scale(sde.tEnd);
  const sigmaMin: number = sde.sigma(sde.tEnd);
  const sigmaMax: number = sde.sigma(asTime(1));
  const channels = divergence.channels;
  const rhs = async (xTilde: V, sigma: number) => {
    const denoised = await denoiser.denoise(xTilde, asSigma(sigma), batch);
    const slope = field.combine([
      [1, xTilde],
      [-1, denoised],
    ]);
    const div = await divergence.estimate(xTilde, sigma);
    return { slope, channels: div.values, nfe: 1 + div.nfe };
  };
  const solver = options.solver ?? { method: 'rk45', rtol: LIKELIHOOD_TOLERANCE, atol: LIKELIHOOD_TOLERANCE };
  const start = field.combine([[1 / scaleEps, x]]);
  const retain = options.retain;
  const memory: FlowMemory<V> = retain ? { retain: () => [...retain(), ...divergence.vectors] } : {};
  const flow = await integrateFlow(field, rhs, start, channels, sigmaMin, sigmaMax, solver, memory);
  const priorStd = sde.priorStd() / sde.scale(asTime(1));
  const prior = options.prior
    ? await options.prior(flow.xTilde)
    : gaussianLogDensity(await field.norms(flow.xTilde), priorStd * priorStd, dim);
  const toNative = -dim * Math.log(scaleEps);
  const perChannel = new Float64Array(batch * channels);
  const logp = new Float64Array(batch);
  const stdErr = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let sum = 0;
    for (let k = 0; k < channels; k++) {
      const value = prior[b] + flow.channels[b * channels + k] + toNative;
      perChannel[b * channels + k] = value;
      sum += value;
    }
    logp[b] = sum / channels;
    let spread = 0;
    for (let k = 0; k < channels; k++) spread += (perChannel[b * channels + k] - logp[b]) ** 2;
    stdErr[b] = channels > 1 ? Math.sqrt(spread / (channels - 1) / channels) : 0;
  }
  return { logp, stdErr, perChannel, channels, nfe: flow.nfe, steps: flow.steps };
}

/** ∇·g = dim − ∇·D in closed form for an exact mixture (CPU vectors). */
export function exactDivergence(mixture: MixtureDenoiser, batch: number): DivergenceMethod<Float32Array> {
  return {
    channels: 1,
    vectors: [],
    estimate: async (xTilde, sigma) => ({
      values: mixture.divergence(xTilde, sigma, batch).map((d) => mixture.dim - d),
      nfe: 0,
    }),
  };
}

export interface ProbeOptions {
  kind: ProbeKind;
  /** Number of probes (ignored for 'basis', which uses all dim unit vectors). */
  count: number;
  seed: number;
}

/** Hutchinson–Skilling on the field with probes drawn (and uploaded) once for the whole solve. */
export function probeDivergence<V>(
  field: Field<V>,
  denoiser: Denoiser<V>,
  probes: ProbeOptions,
): DivergenceMethod<V> {
  const vectors = probeVectors(field.batch, field.dim, probes.kind, probes.count, probes.seed).map((p) =>
    field.upload(p),
  );
  return hutchinsonDivergence(
    field,
    (x, sigma) => denoiser.denoise(x, asSigma(sigma), field.batch),
    vectors,
    { sumProbes: probes.kind === 'basis' },
  );
}

/** The number of 8-bit levels of image data. */
const LEVELS = 256;

/**
 * Uniform dequantisation (score_sde's `uniform_dequantization`): each value of the range [lo, hi]
 * is taken back to its 8-bit integer k = round(255·(x − lo)/(hi − lo)), then (k + u)/256 with u
 * uniform in [0, 1), mapped to [lo, hi]. u is keyed by (seed, element).
 */
export function dequantize(
  values: Float32Array,
  range: readonly [number, number],
  seed: number,
): Float32Array {
  const [lo, hi] = range;
  const u = uniform(seed, 1, values.length);
  return values.map((v, e) => {
    const k = Math.min(LEVELS - 1, Math.max(0, Math.round(((v - lo) / (hi - lo)) * (LEVELS - 1))));
    return lo + ((hi - lo) * (k + u[e])) / LEVELS;
  });
}

/**
 * Bits per dimension of a log-likelihood (nats) of dequantised data in [lo, hi], on the 8-bit scale:
 * the density of y = 256·(x − lo)/(hi − lo) is p(x)·(hi − lo)/256 per dimension, so
 * bpd = −log p/(dim·ln 2) + log₂(256/(hi − lo)) (7 for data in [−1, 1], as score_sde's offset).
 */
export function bitsPerDim(logp: number, dim: number, range: readonly [number, number]): number {
  return -logp / (dim * Math.LN2) + Math.log2(LEVELS / (range[1] - range[0]));
}
