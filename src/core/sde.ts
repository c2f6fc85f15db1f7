/**
 * The forward processes of Song et al. 2021 (eqs. 9–11 and 29–31) in the form x_t = s(t)(x₀ + σ(t) n):
 * VP (DDPM), sub-VP and VE (NCSN), with closed-form inverses t(σ).
 */
import { asSigma, asTime, type Sde, type SdeConfig, type SdeKind, type Sigma, type Time } from './types';

export const SDE_DEFAULTS = {
  betaMin: 0.1,
  betaMax: 20,
  sigmaMin: 0.01,
  sigmaMax: 50,
  tEndVp: 1e-3,
  tEndVe: 1e-5,
} as const;

export const SDE_KINDS: readonly SdeKind[] = ['vp', 'subvp', 've'];

/** Fills in defaults and checks that the numbers describe a valid process. */
export function resolveSdeConfig(config: SdeConfig): Required<SdeConfig> {
  if (!SDE_KINDS.includes(config.kind)) {
    throw new Error(`Unknown SDE kind "${String(config.kind)}": use one of ${SDE_KINDS.join(', ')}.`);
  }
  const full: Required<SdeConfig> = {
    kind: config.kind,
    betaMin: config.betaMin ?? SDE_DEFAULTS.betaMin,
    betaMax: config.betaMax ?? SDE_DEFAULTS.betaMax,
    sigmaMin: config.sigmaMin ?? SDE_DEFAULTS.sigmaMin,
    sigmaMax: config.sigmaMax ?? SDE_DEFAULTS.sigmaMax,
    tEnd: config.tEnd ?? (config.kind === 've' ? SDE_DEFAULTS.tEndVe : SDE_DEFAULTS.tEndVp),
  };
  const fail = (what: string) => {
    throw new Error(`Invalid ${full.kind.toUpperCase()} SDE settings: ${what}.`);
  };
  if (!(full.betaMin > 0) || !(full.betaMax >= full.betaMin) || !Number.isFinite(full.betaMax)) {
    fail(`need 0 < betaMin ≤ betaMax (got ${full.betaMin}, ${full.betaMax})`);
  }
  if (!(full.sigmaMin > 0) || !(full.sigmaMax > full.sigmaMin) || !Number.isFinite(full.sigmaMax)) {
    fail(`need 0 < sigmaMin < sigmaMax (got ${full.sigmaMin}, ${full.sigmaMax})`);
  }
  if (!(full.tEnd > 0 && full.tEnd < 1)) fail(`tEnd must lie in (0, 1) (got ${full.tEnd})`);
  return full;
}

/** β(t) = βmin + t(βmax − βmin) and its integral ∫₀ᵗ β. */
const betaAt = (c: Required<SdeConfig>, t: number) => c.betaMin + t * (c.betaMax - c.betaMin);
const betaIntegral = (c: Required<SdeConfig>, t: number) =>
  c.betaMin * t + 0.5 * (c.betaMax - c.betaMin) * t * t;

/** Solves ∫₀ᵗ β = target for t (the positive root of a quadratic), clamped to [0, 1]. */
function timeOfBetaIntegral(c: Required<SdeConfig>, target: number): Time {
  const slope = c.betaMax - c.betaMin;
  const t =
    slope < 1e-12 * c.betaMin
      ? target / c.betaMin
      : (2 * target) / (c.betaMin + Math.sqrt(c.betaMin * c.betaMin + 2 * slope * target));
  return asTime(Math.min(1, Math.max(0, t)));
}

/** VP: s = α = exp(−½∫β), σ = √(1−α²)/α = √(e^{∫β} − 1), f = −½β, g = √β. */
function vpSde(c: Required<SdeConfig>): Sde {
  return {
    kind: 'vp',
    config: c,
    tEnd: asTime(c.tEnd),
    scale: (t: Time) => Math.exp(-0.5 * betaIntegral(c, t)),
    sigma: (t: Time) => asSigma(Math.sqrt(Math.expm1(betaIntegral(c, t)))),
    timeOf: (sigma: Sigma) => timeOfBetaIntegral(c, Math.log1p(sigma * sigma)),
    drift: (t: Time) => -0.5 * betaAt(c, t),
    diffusion: (t: Time) => Math.sqrt(betaAt(c, t)),
    priorStd: () => 1,
  };
}

/** sub-VP: s = α, σ = (1−α²)/α, f = −½β, g = √(β(1 − e^{−2∫β})). */
function subVpSde(c: Required<SdeConfig>): Sde {
  return {
    kind: 'subvp',
    config: c,
    tEnd: asTime(c.tEnd),
    scale: (t: Time) => Math.exp(-0.5 * betaIntegral(c, t)),
    sigma: (t: Time) => {
      const integral = betaIntegral(c, t);
      return asSigma(-Math.expm1(-integral) * Math.exp(0.5 * integral));
    },
    timeOf: (sigma: Sigma) => {
      // α² + σα − 1 = 0 ⇒ α = 2 / (σ + √(σ² + 4)), and ∫β = −2 ln α.
      const alpha = 2 / (sigma + Math.sqrt(sigma * sigma + 4));
      return timeOfBetaIntegral(c, -2 * Math.log(alpha));
    },
    drift: (t: Time) => -0.5 * betaAt(c, t),
    diffusion: (t: Time) => Math.sqrt(-betaAt(c, t) * Math.expm1(-2 * betaIntegral(c, t))),
    priorStd: () => 1,
  };
}

/** VE: s = 1, σ = σmin (σmax/σmin)^t, f = 0, g = σ(t) √(2 ln(σmax/σmin)). */
function veSde(c: Required<SdeConfig>): Sde {
  const logRatio = Math.log(c.sigmaMax / c.sigmaMin);
  const sigmaOf = (t: number) => c.sigmaMin * Math.exp(t * logRatio);
  return {
    kind: 've',
    config: c,
    tEnd: asTime(c.tEnd),
    scale: () => 1,
    sigma: (t: Time) => asSigma(sigmaOf(t)),
    timeOf: (sigma: Sigma) => asTime(Math.min(1, Math.max(0, Math.log(sigma / c.sigmaMin) / logRatio))),
    drift: () => 0,
    diffusion: (t: Time) => sigmaOf(t) * Math.sqrt(2 * logRatio),
    priorStd: () => c.sigmaMax,
  };
}

/** Builds the process described by `config` (defaults filled in). */
export function makeSde(config: SdeConfig): Sde {
  const full = resolveSdeConfig(config);
  switch (full.kind) {
    case 'vp':
      return vpSde(full);
    case 'subvp':
      return subVpSde(full);
    case 've':
      return veSde(full);
  }
}

/**
 * The SDE of kind `kind` to use with a network trained on `trainedOn`, chosen so the σ range stays
 * inside what the network saw: VE gets σmax = σ_trained(1) and σmin = σ_trained(tEnd); VP/sub-VP
 * keep a VP/sub-VP network's β, and from a VE network take βmax so that σ(1) = σmax.
 */
export function sdeForModel(kind: SdeKind, trainedOn: SdeConfig): SdeConfig {
  const trained = makeSde(trainedOn);
  if (kind === trained.kind) return { ...trained.config };
  const sigmaTop = trained.sigma(asTime(1));
  const sigmaBottom = trained.sigma(trained.tEnd);
  if (kind === 've') return { kind, sigmaMin: sigmaBottom, sigmaMax: sigmaTop, tEnd: SDE_DEFAULTS.tEndVe };
  if (trained.kind !== 've') {
    const { betaMin, betaMax, tEnd } = trained.config;
    return { kind, betaMin, betaMax, tEnd };
  }
  const betaMin = SDE_DEFAULTS.betaMin;
  const integralAtOne = kind === 'vp' ? Math.log1p(sigmaTop * sigmaTop) : subVpIntegralOf(sigmaTop);
  return {
    kind,
    betaMin,
    betaMax: Math.max(betaMin, 2 * integralAtOne - betaMin),
    tEnd: SDE_DEFAULTS.tEndVp,
  };
}

/** ∫β that gives sub-VP noise level σ. */
function subVpIntegralOf(sigma: number): number {
  return -2 * Math.log(2 / (sigma + Math.sqrt(sigma * sigma + 4)));
}
