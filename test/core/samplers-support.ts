/**
 * Test support for the sampler tests: exact denoisers of Gaussians, a minimal trajectory loop over
 * a σ grid (one Sampler.step per grid interval, or fewer for adaptive solvers).
 */
import { gaussianNoise } from '../../src/core/rng';
import { cpuField } from '../../src/core/field-cpu';
import { asSigma, asTime } from '../../src/core/types';
import type { Denoiser, HistoryEntry, Params, Sampler, Sde, Sigma, StepResult } from '../../src/core/types';

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

/** The prior draw in x̃ coordinates: native N(0, priorStd²) at t = 1, divided by s(1). */
export function priorSample(sde: Sde, batch: number, dim: number, seed: number): Float32Array {
  const z = gaussianNoise(seed, 0xffffffff, 0, batch * dim);
  const factor = sde.priorStd() / sde.scale(asTime(1));
  return z.map((v) => v * factor);
}

export interface Trajectory {
  x: Float32Array;
  sigma: Sigma;
  nfe: number;
  steps: number;
  results: StepResult[];
}

export interface RunOptions {
  sde: Sde;
  sigmas: readonly Sigma[];
  x: Float32Array;
  batch: number;
  denoiser: Denoiser;
  params?: Params;
  seed?: number;
  /** Keep this many history entries (the runner keeps a few). */
  historyLength?: number;
}

/** Runs `sampler` from sigmas[0] until the last grid σ; the next target is the first grid σ below σ. */
export async function runTrajectory(sampler: Sampler, opts: RunOptions): Promise<Trajectory> {
  const { sde, sigmas, batch, denoiser } = opts;
  const dim = denoiser.dim;
  const field = cpuField(batch, dim);
  const seed = opts.seed ?? 1;
  const history: HistoryEntry[] = [];
  const results: StepResult[] = [];
  let x = opts.x;
  let sigma = sigmas[0];
  let nfe = 0;
  let i = 0;
  const last = sigmas[sigmas.length - 1];
  while (sigma > last) {
    const sigmaNext = sigmas.find((s) => s < sigma) ?? last;
    const step = i;
    const result = await sampler.step(
      { i, sigma, xTilde: x },
      {
        sde,
        sigmaNext,
        sigmas,
        params: opts.params ?? {},
        history: history.slice(),
        field,
        denoise: (xs, s) => denoiser.denoise(xs, s, batch),
        noise: (stream) => field.noise(seed, step, stream),
        increment: () => field.noise(seed, step, 0),
      },
    );
    history.push(...result.evaluated);
    history.splice(0, Math.max(0, history.length - (opts.historyLength ?? 4)));
    results.push(result);
    x = result.xTilde;
    sigma = result.sigma;
    nfe += result.nfe;
    i += 1;
    if (i > 100_000) throw new Error('trajectory did not finish');
  }
  return { x, sigma, nfe, steps: i, results };
}

/** σ grid uniform in ln σ from σmax to σmin (steps + 1 points). */
export function logGrid(sigmaMax: number, sigmaMin: number, steps: number): Sigma[] {
  const top = Math.log(sigmaMax);
  const bottom = Math.log(sigmaMin);
  return Array.from({ length: steps + 1 }, (_, i) => asSigma(Math.exp(top + (i / steps) * (bottom - top))));
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
