/**
 * Test support for the sampler tests: exact denoisers of Gaussians, trajectories of the shipped
 * sampling loop, sample moments and the exact law of annealed Langevin dynamics on a Gaussian.
 */
import { cpuField } from '../../src/core/field-cpu';
import { SamplingLoop, type NoiseKeying } from '../../src/core/sampling-loop';
import type { StepReport } from '../../src/core/step-event';
import { asTime } from '../../src/core/types';
import type { Denoiser, Params, ScheduleKind, Sde, SdeConfig, Sigma } from '../../src/core/types';

/** Exact x̂₀ of a diagonal Gaussian N(μ, diag(c²)): D = μ + c²/(c² + σ²)(x̃ − μ). */
export function gaussianDenoiser(
  mean: ArrayLike<number>,
  std: ArrayLike<number>,
): Denoiser & { calls: number } {
  const dim = mean.length;
  return {
    dim,
    calls: 0,
    async denoise(x: Float32Array, sigma: Sigma, batch: number) {
      this.calls += 1;
      const out = new Float32Array(x.length);
      for (let b = 0; b < batch; b++) {
        for (let k = 0; k < dim; k++) {
          const c2 = std[k] * std[k];
          const j = b * dim + k;
          out[j] = mean[k] + (c2 / (c2 + sigma * sigma)) * (x[j] - mean[k]);
        }
      }
      return out;
    },
  };
}

export interface RunOptions {
  /** The process (core defaults fill what is not given). */
  sde: SdeConfig;
  schedule: ScheduleKind;
  steps: number;
  batch: number;
  denoiser: Denoiser;
  params?: Params;
  /** Seeds the prior draw and every step's noise. */
  seed: number;
  /** The SDE steps' noise (the loop's default, one Brownian path per seed, when omitted). */
  noise?: NoiseKeying;
}

/** A finished trajectory of the shipped sampling loop, with the x̃ it started from. */
export interface LoopRun {
  /** The prior draw x̃ at sigmas[0]. */
  start: Float32Array;
  /** The final x̃. */
  x: Float32Array;
  sigma: Sigma;
  sigmas: readonly Sigma[];
  nfe: number;
  steps: number;
  /** One report per step taken. */
  reports: StepReport[];
}

/** Runs `samplerId` with core's SamplingLoop on CPU arrays, from the prior to the end of its σ grid. */
export async function runTrajectory(samplerId: string, opts: RunOptions): Promise<LoopRun> {
  const loop = new SamplingLoop(cpuField(opts.batch, opts.denoiser.dim), { ...opts, samplerId });
  const start = loop.xTilde;
  const reports: StepReport[] = [];
  while (!loop.done) reports.push(await loop.step());
  const { xTilde: x, sigma, nfeTotal: nfe, framesSoFar: steps } = loop;
  return { start, x, sigma, sigmas: loop.settings.sigmas, nfe, steps, reports };
}

/** Per-coordinate sample mean and unbiased variance of a batch × dim array. */
export function coordinateMoments(x: Float32Array, batch: number, dim: number) {
  const mean = new Float64Array(dim);
  const variance = new Float64Array(dim);
  for (let b = 0; b < batch; b++) for (let k = 0; k < dim; k++) mean[k] += x[b * dim + k] / batch;
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < dim; k++) variance[k] += (x[b * dim + k] - mean[k]) ** 2 / (batch - 1);
  }
  return { mean, variance };
}

/**
 * The exact law of annealed Langevin dynamics (Song & Ermon 2019, Alg. 1) on N(μ, diag(c²)) from the
 * prior N(0, (priorStd/s(1))²) in x̃: at each level σ (every grid point after the first) T moves
 * x ← x + (α/2)(μ − x)/v + √α z with v = c² + σ², α = ε σ²/σ_L², so per coordinate
 * m ← m + (α/2v)(μ − m) and var ← (1 − α/2v)²·var + α. Its gap to N(μ, c² + σ_L²) is the
 * algorithm's own finite-step bias (unadjusted Langevin at step α and finite mixing per level).
 */
export function annealedLangevinLaw(
  sde: Sde,
  sigmas: readonly Sigma[],
  mu: readonly number[],
  std: readonly number[],
  epsilon: number,
  stepsPerLevel: number,
): { mean: number[]; variance: number[] } {
  const priorVariance = (sde.priorStd() / sde.scale(asTime(1))) ** 2;
  const sigmaLast = sigmas[sigmas.length - 1];
  const mean: number[] = [];
  const variance: number[] = [];
  mu.forEach((target, k) => {
    let m = 0;
    let v = priorVariance;
    for (const sigma of sigmas.slice(1)) {
      const alpha = (epsilon * sigma * sigma) / (sigmaLast * sigmaLast);
      const pull = alpha / (2 * (std[k] * std[k] + sigma * sigma));
      for (let j = 0; j < stepsPerLevel; j++) {
        m += pull * (target - m);
        v = (1 - pull) ** 2 * v + alpha;
      }
    }
    mean.push(m);
    variance.push(v);
  });
  return { mean, variance };
}

/** Least-squares slope of log(error) against log(steps): −order. */
export function convergenceSlope(steps: number[], errors: number[]): number {
  const xs = steps.map(Math.log);
  const ys = errors.map(Math.log);
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i] - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}
