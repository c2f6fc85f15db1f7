/**
 * Langevin dynamics at a fixed noise level: the score-SDE corrector with a target signal-to-noise
 * ratio (Song et al. 2021, Alg. 4/5) and NCSN annealed Langevin dynamics (Song & Ermon 2019, Alg. 1).
 */
import { SYMBOLS } from '../trace';
import type { ParamSpec, Sigma, StepCtx, StepResult, StepStart, UpdateFormula } from '../types';
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

/** What a corrector move records its line under: its name, label and the symbols of its terms. */
export interface MoveSymbols {
  name: string;
  x: string;
  label?: string;
}

/** The corrector in standard notation (Song et al. 2021, Alg. 4–5), in x̃ at the level σ_{i+1}. */
export const CORRECTOR_TEX: readonly string[] = [
  String.raw`\nabla_{\tilde x}\log p = \frac{\hat x_0 - \tilde x}{\sigma_{i+1}^2},\quad \hat x_0 = D(\tilde x, \sigma_{i+1})`,
  String.raw`\epsilon = 2\alpha\,\Big(\frac{r\,\lVert z\rVert}{\lVert\nabla_{\tilde x}\log p\rVert}\Big)^2,\quad \alpha = 1 - \beta_i\ (\text{VP}),\ 1\ \text{otherwise}`,
  String.raw`\tilde x \leftarrow \tilde x + \epsilon\,\nabla_{\tilde x}\log p + \sqrt{2\epsilon}\,z\qquad(M\ \text{moves})`,
];

/**
 * One Langevin corrector move with target SNR r (Song et al. 2021, Alg. 4):
 * ε = 2α(r‖z‖/‖∇log p‖)², x ← x + ε∇log p + √(2ε) z, with batch means of the norms as the
 * reference code does (or each sample's own norms, which bias the result: see CorrectorOptions).
 * The rule is the same in x̃ and in native x (x = s·x̃ scales the score by 1/s and ε by s²), so it
 * runs in x̃; `scale` converts ε to native units. Only the 2·batch norms cross to the CPU. The move
 * is one recorded line, with ε and the norms it came from.
 */
export async function langevinCorrectorMove<V>(
  ctx: Pick<StepCtx<V>, 'field' | 'update'>,
  x: V,
  score: V,
  z: V,
  opts: CorrectorOptions,
  symbols: MoveSymbols = { name: SYMBOLS.next, x: SYMBOLS.next },
): Promise<LangevinMove<V>> {
  const { field } = ctx;
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
  const out = ctx.update(
    symbols.name,
    [
      [symbols.x, 1, x],
      [SYMBOLS.score, eps, score],
      [SYMBOLS.z, noiseScale, z],
    ],
    {
      ...(symbols.label === undefined ? {} : { label: symbols.label }),
      values: [
        ['\\epsilon', eps],
        ['\\lVert z\\rVert', noiseNorms],
        ['\\lVert\\nabla_{\\tilde x}\\log p\\rVert', scoreNorms],
        ['\\epsilon_{\\text{native}} = s_{i+1}^2\\epsilon', stepSizes],
      ],
    },
  );
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
  ctx.trace.note('r', opts.snr);
  ctx.trace.note('\\alpha', opts.alpha);
  let current = x;
  let denoised: V | undefined;
  let meanStepSize = 0;
  for (let j = 0; j < opts.steps; j++) {
    const label = `corrector move ${j + 1} of ${opts.steps}`;
    denoised = await ctx.denoise(current, sigma);
    const score = scoreTilde(ctx, current, denoised, sigma, {
      name: SYMBOLS.score,
      x: SYMBOLS.next,
      denoised: SYMBOLS.denoised,
      label: `${label}: the score`,
    });
    const z = ctx.noise(CORRECTOR_STREAM + j);
    const symbols = { name: SYMBOLS.next, x: SYMBOLS.next, label };
    const move = await langevinCorrectorMove(ctx, current, score, z, { ...opts, scale }, symbols);
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

const ANNEALED_LANGEVIN_FORMULA: UpdateFormula = {
  lines: [
    String.raw`\alpha_i = \epsilon\,\sigma_{i+1}^2/\sigma_L^2,\quad \tilde x \leftarrow \tilde x_i,\ \text{then } T \text{ times:}`,
    String.raw`\tilde x \leftarrow \tilde x + \frac{\alpha_i}{2}\,\nabla_{\tilde x}\log p_{\sigma_{i+1}}(\tilde x) + \sqrt{\alpha_i}\,z`,
    String.raw`\nabla_{\tilde x}\log p_{\sigma_{i+1}}(\tilde x) = \frac{\hat x_0 - \tilde x}{\sigma_{i+1}^2}:\quad \tilde x \leftarrow \Big(1 - \frac{\alpha_i}{2\sigma_{i+1}^2}\Big)\tilde x + \frac{\alpha_i}{2\sigma_{i+1}^2}\,\hat x_0 + \sqrt{\alpha_i}\,z`,
  ],
  cite: 'Song & Ermon 2019, Alg. 1, lines 3 and 6 (in x̃ = x/s)',
};

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
  ctx.trace.note('\\epsilon', epsilon);
  ctx.trace.note('\\sigma_L', sigmaLast);
  ctx.trace.note('\\alpha_i = \\epsilon\\,\\sigma_{i+1}^2/\\sigma_L^2', alpha);
  ctx.trace.note('\\alpha_i/(2\\sigma_{i+1}^2)', drift);
  let x = state.xTilde;
  let denoised = x;
  for (let j = 0; j < steps; j++) {
    denoised = await ctx.denoise(x, sigma);
    // x̃ ← x̃ + (α/2)·(D − x̃)/σ² + √α·z (Alg. 1, line 6)
    x = ctx.update(
      SYMBOLS.next,
      [
        [j === 0 ? SYMBOLS.x : SYMBOLS.next, 1 - drift, x],
        [SYMBOLS.denoised, drift, denoised],
        [SYMBOLS.z, Math.sqrt(alpha), ctx.noise(CORRECTOR_STREAM + j)],
      ],
      { label: `Langevin move ${j + 1} of ${steps} at σᵢ₊₁` },
    );
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
  () => ANNEALED_LANGEVIN_FORMULA,
  annealedLangevinStep,
);
