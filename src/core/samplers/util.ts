/**
 * Shared helpers of the samplers: element-wise linear combinations, per-sample norms, the x̃ score,
 * the native ↔ scale-free map of an SDE, parameter reading with defaults, and common step guards.
 */
import type {
  HistoryEntry,
  Params,
  ParamSpec,
  Sde,
  Sigma,
  StepCtx,
  StepResult,
  Time,
  TrajState,
} from '../types';

/** Noise streams used inside one step; composed samplers keep them apart. */
export const PREDICTOR_STREAM = 0;
export const CORRECTOR_STREAM = 16;

/** Score of p_σ in x̃ coordinates by Tweedie's formula: ∇ log p = (D − x̃)/σ² (Vincent 2011). */
export function scoreTilde(x: Float32Array, denoised: Float32Array, sigma: number): Float32Array {
  const out = new Float32Array(x.length);
  const inv = 1 / (sigma * sigma);
  for (let k = 0; k < x.length; k++) out[k] = (denoised[k] - x[k]) * inv;
  return out;
}

/** Σ cⱼ·vⱼ element-wise (all vectors the same length). */
export function linearCombination(terms: ReadonlyArray<readonly [number, Float32Array]>): Float32Array {
  const out = new Float32Array(terms[0][1].length);
  for (const [c, v] of terms) {
    if (c === 0) continue;
    for (let k = 0; k < out.length; k++) out[k] += c * v[k];
  }
  return out;
}

/** Euclidean norm of each sample (row) of a batch × dim array. */
export function perSampleNorms(v: Float32Array, batch: number, dim: number): Float64Array {
  const norms = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let sum = 0;
    for (let k = b * dim; k < (b + 1) * dim; k++) sum += v[k] * v[k];
    norms[b] = Math.sqrt(sum);
  }
  return norms;
}

/** Where a noise level lies on an SDE: its time t, mean scale s(t), drift f(t) and diffusion g(t). */
export interface SdePoint {
  t: Time;
  scale: number;
  drift: number;
  diffusion: number;
}

export function sdePoint(sde: Sde, sigma: Sigma): SdePoint {
  const t = sde.timeOf(sigma);
  return { t, scale: sde.scale(t), drift: sde.drift(t), diffusion: sde.diffusion(t) };
}

/**
 * The β of one discrete VP step from t_next up to t, exact for the interval: the forward transition
 * is x_t = √(1−β)·x_{t_next} + √β·n with √(1−β) = s(t)/s(t_next) (Ho et al. 2020, eq. 2).
 */
export function intervalBeta(sde: Sde, sigma: Sigma, sigmaNext: Sigma): number {
  const ratio = sde.scale(sde.timeOf(sigma)) / sde.scale(sde.timeOf(sigmaNext));
  return 1 - ratio * ratio;
}

/** Reads a number parameter, falling back to its default; a bad value is an error the UI shows. */
export function numberParam(
  samplerId: string,
  specs: readonly ParamSpec[],
  params: Params,
  name: string,
): number {
  const spec = findSpec(samplerId, specs, name);
  if (spec.kind !== 'number' && spec.kind !== 'int')
    throw new Error(`${samplerId}: "${name}" is not a number`);
  const value = params[name] ?? spec.default;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) {
    throw new Error(
      `${samplerId}: ${spec.label} must be a number from ${spec.min} to ${spec.max} (got ${String(value)}); ` +
        `set it in that range or reset it to ${spec.default}.`,
    );
  }
  return spec.kind === 'int' ? Math.round(value) : value;
}

/** Reads a choice parameter, falling back to its default. */
export function choiceParam(
  samplerId: string,
  specs: readonly ParamSpec[],
  params: Params,
  name: string,
): string {
  const spec = findSpec(samplerId, specs, name);
  if (spec.kind !== 'choice') throw new Error(`${samplerId}: "${name}" is not a choice`);
  const value = params[name] ?? spec.default;
  if (typeof value !== 'string' || !spec.choices.includes(value)) {
    throw new Error(
      `${samplerId}: ${spec.label} must be one of ${spec.choices.join(', ')} (got ${String(value)}); ` +
        `pick one of those or reset it to ${spec.default}.`,
    );
  }
  return value;
}

function findSpec(samplerId: string, specs: readonly ParamSpec[], name: string): ParamSpec {
  const spec = specs.find((p) => p.name === name);
  if (!spec) throw new Error(`${samplerId}: no parameter named "${name}"`);
  return spec;
}

/** A step must not raise the noise level; equal levels are allowed (a corrector-only step). */
export function assertDescending(samplerId: string, state: TrajState, ctx: StepCtx): void {
  if (!(ctx.sigmaNext <= state.sigma) || ctx.sigmaNext < 0) {
    throw new Error(
      `${samplerId}: a step must lower the noise level, but it was asked to go from σ=${state.sigma} ` +
        `to σ=${ctx.sigmaNext}; restart the trajectory or pick a decreasing σ grid.`,
    );
  }
}

/** The last step onto σ = 0: the sample becomes the denoiser's estimate x̂₀ (one NFE). */
export async function denoiseToZero(state: TrajState, ctx: StepCtx): Promise<StepResult> {
  const denoised = await ctx.denoise(state.x, state.sigma);
  return {
    x: Float32Array.from(denoised),
    sigma: ctx.sigmaNext,
    denoised,
    evaluated: [{ sigma: state.sigma, denoised }],
    nfe: 1,
  };
}

/** The one history entry a step contributes: x̂₀ at the state it started from. */
export function entryAt(sigma: Sigma, denoised: Float32Array): HistoryEntry[] {
  return [{ sigma, denoised }];
}
