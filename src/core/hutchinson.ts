/**
 * The divergence of the probability-flow drift without automatic differentiation (onnxruntime has
 * none): the Hutchinson–Skilling trace estimator, tr J = E[vᵀJv] for probes with E[vvᵀ] = I
 * (Hutchinson 1989; Skilling 1989), each vᵀJv from a central finite difference of the network.
 *
 * The field is g(x̃) = x̃ − D(x̃, σ) (the drift of the ODE in u = ln σ, pf-ode.ts), so
 *   vᵀJ_g v ≈ vᵀ[g(x̃ + hv) − g(x̃ − hv)]/(2h),
 * with g formed from the very float32 inputs the network saw, so their rounding cancels. The dot
 * product is taken by polarisation, vᵀw = (‖v + w‖² − ‖v − w‖²)/4, from the field's per-sample norms:
 * nothing but Field operations, so it runs on GPU-resident vectors too.
 *
 * The step h = FD_RELATIVE_STEP·σ. D varies on the scale of the posterior's width: at most σ, and
 * between two modes far less ((c² + σ²)/distance for components of std c), so the central
 * difference's truncation error grows like (h/width)²; its rounding error is ~ulp(D)/h per element
 * (a network's own float32 noise, ~1e-6·|ε| on D = x̃ − σε, gives 1e-6/(h/σ)). On ring8 in float32
 * (test/core/likelihood.test.ts) the worst relative error of the divergence is ≤ 3e-3 at h = 0.01σ
 * for σ from 0.01 to 150; h = 1e-5σ is 0.3 at σ = 0.01 (rounding), h = σ is 2.8 at σ = 0.05
 * between modes (truncation).
 *
 * Probes are fixed for a whole ODE solve (as in FFJORD and score_sde), so the estimated integrand is
 * a smooth function the adaptive solver can follow; one channel per probe gives a ± band.
 */
import type { Field } from './field';
import { gaussianNoise, uniform } from './rng';

export const FD_RELATIVE_STEP = 0.01;
/** The Philox step value of probe draws (a counter no sampler step reaches). */
const PROBE_STEP = 0xfffffffe;

export type ProbeKind = 'rademacher' | 'gaussian' | 'basis';
export const PROBE_KINDS: readonly ProbeKind[] = ['rademacher', 'gaussian', 'basis'];

/**
 * K probe vectors (batch × dim each): Rademacher ±1 or standard normal, keyed by (seed, probe k,
 * element); 'basis' gives the dim unit vectors eᵢ (every sample the same), whose quadratic forms sum
 * to the exact trace: finite differences per dimension, for low dimensions.
 */
export function probeVectors(batch: number, dim: number, kind: ProbeKind, count: number, seed: number) {
  const length = batch * dim;
  if (kind === 'basis') {
    return Array.from({ length: dim }, (_, i) => {
      const v = new Float32Array(length);
      for (let b = 0; b < batch; b++) v[b * dim + i] = 1;
      return v;
    });
  }
  if (!Number.isInteger(count) || count < 1) throw new Error(`Probe count must be ≥ 1 (got ${count}).`);
  return Array.from({ length: count }, (_, k) =>
    kind === 'gaussian'
      ? gaussianNoise(seed, PROBE_STEP, k, length)
      : Float32Array.from(uniform(seed, 2 + k, length), (u) => (u < 0.5 ? -1 : 1)),
  );
}

/** Per-sample vᵀw by polarisation from the field's norms. */
export async function dots<V>(field: Field<V>, v: V, w: V): Promise<Float64Array> {
  const [plus, minus] = await Promise.all([
    field.norms(
      field.combine([
        [1, v],
        [1, w],
      ]),
    ),
    field.norms(
      field.combine([
        [1, v],
        [-1, w],
      ]),
    ),
  ]);
  return plus.map((p, b) => (p * p - minus[b] * minus[b]) / 4);
}

export type DenoiseAt<V> = (xTilde: V, sigma: number) => Promise<V>;

/** An estimate of ∇·g at (x̃, σ): batch × channels numbers and the extra NFE it cost. */
export interface DivergenceEstimate {
  values: Float64Array;
  nfe: number;
}

/** How the likelihood gets the divergence of g = x̃ − D: channels per sample and an estimator. */
export interface DivergenceMethod<V> {
  readonly channels: number;
  /** Vectors the method holds for the whole solve (its probes), kept when the field collects. */
  readonly vectors: readonly V[];
  estimate(xTilde: V, sigma: number): Promise<DivergenceEstimate>;
}

/**
 * Hutchinson–Skilling with the given probes (vectors of the field), one channel per probe; with
 * 'basis' probes (all dim unit vectors) their sum in one channel, the finite-difference trace.
 */
export function hutchinsonDivergence<V>(
  field: Field<V>,
  denoise: DenoiseAt<V>,
  probes: readonly V[],
  options: { sumProbes?: boolean; relativeStep?: number } = {},
): DivergenceMethod<V> {
  const { sumProbes = false, relativeStep = FD_RELATIVE_STEP } = options;
  const channels = sumProbes ? 1 : probes.length;
  const { batch } = field;
  return {
    channels,
    vectors: probes,
    async estimate(xTilde, sigma) {
      const h = relativeStep * sigma;
      const values = new Float64Array(batch * channels);
      for (let k = 0; k < probes.length; k++) {
        const v = probes[k];
        const plus = field.combine([
          [1, xTilde],
          [h, v],
        ]);
        const minus = field.combine([
          [1, xTilde],
          [-h, v],
        ]);
        const [dPlus, dMinus] = [await denoise(plus, sigma), await denoise(minus, sigma)];
        const c = 1 / (2 * h);
        const jv = field.combine([
          [c, plus],
          [-c, dPlus],
          [-c, minus],
          [c, dMinus],
        ]);
        const q = await dots(field, v, jv);
        for (let b = 0; b < batch; b++) values[b * channels + (sumProbes ? 0 : k)] += q[b];
      }
      return { values, nfe: 2 * probes.length };
    },
  };
}
