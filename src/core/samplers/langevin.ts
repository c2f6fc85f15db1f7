/**
 * Langevin dynamics at a fixed noise level: the score-SDE corrector with a target signal-to-noise
 * ratio (Song et al. 2021, Alg. 4/5) and NCSN annealed Langevin dynamics (Song & Ermon 2019, Alg. 1).
 */
import type { Field } from '../field';
import type { ParamSpec, Sigma, StepCtx, StepResult, StepStart } from '../types';
import {
  CORRECTOR_STREAM,
  defineSampler,
  denoiseToZero,
  entryAt,
  scoreTilde,
  type ParamReader,
} from './util';

/** Result of one corrector move; step sizes are per sample, in native units ε = s²·ε̃. */
export interface LangevinMove<V> {
  x: V;
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
 * reference code does (or each sample's own norms, which bias the result: see CorrectorOptions).
 * The rule is the same in x̃ and in native x (x = s·x̃ scales the score by 1/s and ε by s²), so it
 * runs in x̃; `scale` converts ε to native units. Only the 2·batch norms cross to the CPU.
 */
export async function langevinCorrectorMove<V>(
  field: Field<V>,
  x: V,
  score: V,
  z: V,
  opts: CorrectorOptions,
): Promise<LangevinMove<V>> {
  const { batch } = field;
  const [scoreNorms, noiseNorms] = await Promise.all([field.norms(score), field.norms(z)]);
  if (opts.norm !== 'sample') {
    scoreNorms.fill(scoreNorms.reduce((a, v) => a + v, 0) / batch);
    noiseNorms.fill(noiseNorms.reduce((a, v) => a + v, 0) / batch);
  }
  const eps = new Float64Array(batch);
  const noiseScale = new Float64Array(batch);
  const stepSizes = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    const ratio = scoreNorms[b] > 0 ? (opts.snr * noiseNorms[b]) / scoreNorms[b] : 0;
    eps[b] = 2 * opts.alpha * ratio * ratio;
    noiseScale[b] = Math.sqrt(2 * eps[b]);
    stepSizes[b] = eps[b] * opts.scale * opts.scale;
  }
  const out = field.combine([
    [1, x],
    [eps, score],
    [noiseScale, z],
  ]);
  return { x: out, stepSizes };
}

/** Runs `steps` corrector moves at σ; returns the new x̃, the last x̂₀ and the mean native ε. */
export async function correctAt<V>(
  x: V,
  sigma: Sigma,
  ctx: StepCtx<V>,
  opts: { snr: number; alpha: number; steps: number; norm: StepNorm },
): Promise<{ x: V; denoised: V | undefined; meanStepSize: number }> {
  const scale = ctx.sde.scale(ctx.sde.timeOf(sigma));
  let current = x;
  let denoised: V | undefined;
  let meanStepSize = 0;
  for (let j = 0; j < opts.steps; j++) {
    denoised = await ctx.denoise(current, sigma);
    const score = scoreTilde(ctx, current, denoised, sigma);
    const move = await langevinCorrectorMove(ctx.field, current, score, ctx.noise(CORRECTOR_STREAM + j), {
      ...opts,
      scale,
    });
    current = move.x;
    meanStepSize = move.stepSizes.reduce((acc, v) => acc + v, 0) / move.stepSizes.length;
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

async function annealedLangevinStep<V>(
  state: StepStart<V>,
  ctx: StepCtx<V>,
  params: ParamReader,
): Promise<StepResult<V>> {
  if (ctx.sigmaNext <= 0) return denoiseToZero(state, ctx);
  const epsilon = params.number('epsilon');
  const steps = params.number('steps');
  const sigma = ctx.sigmaNext;
  const sigmaLast = lastPositiveSigma(ctx.sigmas, sigma);
  const alpha = (epsilon * sigma * sigma) / (sigmaLast * sigmaLast);
  const drift = alpha / (2 * sigma * sigma);
  let x = state.xTilde;
  let denoised = x;
  for (let j = 0; j < steps; j++) {
    denoised = await ctx.denoise(x, sigma);
    // x̃ ← x̃ + (α/2)·(D − x̃)/σ² + √α·z (Alg. 1, line 6)
    x = ctx.field.combine([
      [1 - drift, x],
      [drift, denoised],
      [Math.sqrt(alpha), ctx.noise(CORRECTOR_STREAM + j)],
    ]);
  }
  return { xTilde: x, sigma, denoised, evaluated: entryAt(sigma, denoised), nfe: steps, info: { alpha } };
}

export const annealedLangevin = defineSampler(
  {
    id: 'annealed_langevin',
    label: 'Annealed Langevin (NCSN)',
    family: 'langevin',
    stochastic: true,
    maxOrder: 1,
    cite: 'Song & Ermon 2019, Alg. 1',
    description:
      'Corrector only: at each noise level, a few Langevin moves along the score with step α ∝ σ², no predictor.',
    params: annealedParams,
  },
  annealedLangevinStep,
);
