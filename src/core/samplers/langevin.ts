/**
 * Langevin dynamics at a fixed noise level: the score-SDE corrector with a target signal-to-noise
 * ratio (Song et al. 2021, Alg. 4/5) and NCSN annealed Langevin dynamics (Song & Ermon 2019, Alg. 1).
 */
import type { ParamSpec, Sampler, Sigma, StepCtx, StepResult, TrajState } from '../types';
import {
  CORRECTOR_STREAM,
  assertDescending,
  denoiseToZero,
  entryAt,
  numberParam,
  perSampleNorms,
  scoreTilde,
} from './util';

/** Result of one corrector move; step sizes are per sample, in native units ε = s²·ε̃. */
export interface LangevinMove {
  x: Float32Array;
  stepSizes: Float64Array;
}

/** How the corrector's norms are taken: each sample's own, or averaged over the batch. */
export type StepNorm = 'sample' | 'batch';

export interface CorrectorOptions {
  snr: number;
  alpha: number;
  /** s(t) at this σ: native ε = s²·ε̃. */
  scale: number;
  /**
   * Default 'batch': one ε from batch-mean norms (Song et al.'s reference code). 'sample' gives each
   * sample its own ε, which depends on x and so biases the stationary law (no correcting drift).
   */
  norm?: StepNorm;
}

/**
 * One Langevin corrector move with target SNR r (Song et al. 2021, Alg. 4):
 * ε = 2α(r‖z‖/‖∇log p‖)², x ← x + ε∇log p + √(2ε) z, with batch means of the norms as the
 * reference code does (or each sample's own norms, which bias the result: see CorrectorOptions). The rule is the same in x̃ and in native x (x = s·x̃ scales the
 * score by 1/s and ε by s²), so it runs in x̃; `scale` converts ε to native units.
 */
export function langevinCorrectorMove(
  x: Float32Array,
  score: Float32Array,
  z: Float32Array,
  batch: number,
  opts: CorrectorOptions,
): LangevinMove {
  const dim = x.length / batch;
  const scoreNorms = perSampleNorms(score, batch, dim);
  const noiseNorms = perSampleNorms(z, batch, dim);
  if (opts.norm !== 'sample') {
    scoreNorms.fill(scoreNorms.reduce((a, v) => a + v, 0) / batch);
    noiseNorms.fill(noiseNorms.reduce((a, v) => a + v, 0) / batch);
  }
  const out = new Float32Array(x.length);
  const stepSizes = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    const ratio = scoreNorms[b] > 0 ? (opts.snr * noiseNorms[b]) / scoreNorms[b] : 0;
    const eps = 2 * opts.alpha * ratio * ratio;
    const noiseScale = Math.sqrt(2 * eps);
    for (let k = b * dim; k < (b + 1) * dim; k++) out[k] = x[k] + eps * score[k] + noiseScale * z[k];
    stepSizes[b] = eps * opts.scale * opts.scale;
  }
  return { x: out, stepSizes };
}

/** Runs `steps` corrector moves at σ; returns the new x̃, the last x̂₀ and the mean native ε. */
export async function correctAt(
  x: Float32Array,
  sigma: Sigma,
  ctx: StepCtx,
  batch: number,
  opts: { snr: number; alpha: number; steps: number; norm: StepNorm },
): Promise<{ x: Float32Array; denoised: Float32Array | undefined; meanStepSize: number }> {
  const scale = ctx.sde.scale(ctx.sde.timeOf(sigma));
  let current = x;
  let denoised: Float32Array | undefined;
  let meanStepSize = 0;
  for (let j = 0; j < opts.steps; j++) {
    denoised = await ctx.denoise(current, sigma);
    const score = scoreTilde(current, denoised, sigma);
    const move = langevinCorrectorMove(current, score, ctx.noise(CORRECTOR_STREAM + j), batch, {
      ...opts,
      scale,
    });
    current = move.x;
    meanStepSize = move.stepSizes.reduce((acc, v) => acc + v, 0) / batch;
  }
  return { x: current, denoised, meanStepSize };
}

const annealedParams: readonly ParamSpec[] = [
  {
    name: 'epsilon',
    label: 'ε (step at the last level)',
    kind: 'number',
    min: 1e-7,
    max: 1e-3,
    step: 1e-7,
    default: 2e-5,
    log: true,
    help: 'Step size at the smallest σ; level i uses α = ε·σᵢ²/σ_L². 2e-5 suits σ_L ≈ 0.01 (α/σ² = 0.2).',
  },
  {
    name: 'steps',
    label: 'Langevin steps per level',
    kind: 'int',
    min: 1,
    max: 100,
    step: 1,
    default: 5,
    help: 'How many Langevin moves at each noise level (the paper used 100 over 10 levels).',
  },
];

/** The smallest positive σ of the grid (σ_L of Song & Ermon 2019). */
export function lastPositiveSigma(sigmas: readonly Sigma[], fallback: Sigma): number {
  let smallest = Number.POSITIVE_INFINITY;
  for (const s of sigmas) if (s > 0 && s < smallest) smallest = s;
  return Number.isFinite(smallest) ? smallest : fallback;
}

async function annealedLangevinStep(state: TrajState, ctx: StepCtx): Promise<StepResult> {
  assertDescending('annealed_langevin', state, ctx);
  if (ctx.sigmaNext <= 0) return denoiseToZero(state, ctx);
  const epsilon = numberParam('annealed_langevin', annealedParams, ctx.params, 'epsilon');
  const steps = numberParam('annealed_langevin', annealedParams, ctx.params, 'steps');
  const sigma = ctx.sigmaNext;
  const sigmaLast = lastPositiveSigma(ctx.sigmas, sigma);
  const alpha = (epsilon * sigma * sigma) / (sigmaLast * sigmaLast);
  let x = state.x;
  let denoised = x;
  for (let j = 0; j < steps; j++) {
    denoised = await ctx.denoise(x, sigma);
    const z = ctx.noise(CORRECTOR_STREAM + j);
    const next = new Float32Array(x.length);
    const drift = alpha / (2 * sigma * sigma);
    const noiseScale = Math.sqrt(alpha);
    // x̃ ← x̃ + (α/2)·(D − x̃)/σ² + √α·z (Alg. 1, line 6)
    for (let k = 0; k < x.length; k++) next[k] = x[k] + drift * (denoised[k] - x[k]) + noiseScale * z[k];
    x = next;
  }
  return { x, sigma, denoised, evaluated: entryAt(sigma, denoised), nfe: steps, info: { alpha } };
}

export const annealedLangevin: Sampler = {
  id: 'annealed_langevin',
  label: 'Annealed Langevin (NCSN)',
  family: 'langevin',
  stochastic: true,
  maxOrder: 1,
  cite: 'Song & Ermon 2019, Alg. 1',
  description:
    'Corrector only: at each noise level, a few Langevin moves along the score with step α ∝ σ², no predictor.',
  params: annealedParams,
  step: annealedLangevinStep,
};
