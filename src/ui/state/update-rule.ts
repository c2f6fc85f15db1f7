/**
 * The Update rule panel's pure part: a step's trace (core's StepTrace, from the frame) turned into
 * TeX with its numbers substituted, and what each symbol is: the view it is drawn in and one
 * sentence. The numbers are the trace's own; nothing here recomputes them.
 */
import { getSampler } from '../../core/samplers/registry';
import type { Params, SdeKind, StepTrace, TraceCoef, UpdateFormula } from '../../core/types';

/** A view a term can point at: the x_t grid (or particles), the x̂₀ grid, the score arrows. */
export type ViewHighlight = 'xt' | 'x0' | 'score';

export interface TermInfo {
  view: ViewHighlight | null;
  /** One sentence, plain text. */
  text: string;
}

/** What a symbol of a trace is, by its TeX (the symbols core's samplers record). */
export function termInfo(symbol: string): TermInfo {
  if (symbol === '\\tilde x_i')
    return {
      view: 'xt',
      text: 'x̃ᵢ is the current sample in scale-free coordinates (x_t = s(t)·x̃); the x_t view draws it.',
    };
  if (symbol === '\\tilde x_{i+1}')
    return {
      view: 'xt',
      text: 'x̃ᵢ₊₁ is the sample this step produces (inside a loop: the value so far); the x_t view shows it after the step.',
    };
  if (symbol === 'x_i' || symbol === 'x_{i+1}')
    return {
      view: 'xt',
      text: 'xᵢ = sᵢ·x̃ᵢ is the sample in the SDE’s own coordinates, the paper’s x_t; the x_t view draws it.',
    };
  if (symbol.startsWith('\\tilde x'))
    return {
      view: 'xt',
      text: 'An intermediate state inside the step, where the denoiser is asked again.',
    };
  if (symbol === '\\hat x_0')
    return {
      view: 'x0',
      text: 'x̂₀ = D(x̃, σ) is the denoiser’s estimate of the clean data, E[x₀ | x̃] (Tweedie); the x̂₀ view draws it.',
    };
  if (symbol.startsWith('\\hat x_0'))
    return {
      view: 'x0',
      text: 'A denoiser estimate x̂₀ at another point or step (an intermediate state or an earlier step).',
    };
  if (symbol.startsWith('\\nabla'))
    return {
      view: 'score',
      text: 'The score ∇log p points towards higher density; by Tweedie it is (x̂₀ − x̃)/σ² (in x̃), and the arrows of the 2D view draw it.',
    };
  if (symbol === 'z')
    return { view: null, text: 'z is fresh standard Gaussian noise: the random kick of a stochastic step.' };
  if (symbol.startsWith('k_'))
    return {
      view: null,
      text: 'kⱼ = x̃ − x̂₀ is the ODE’s slope dx̃/d ln σ at stage j of the Runge–Kutta step.',
    };
  if (symbol === 'e')
    return {
      view: null,
      text: 'e is the difference of the 5th- and 4th-order solutions: the local error estimate.',
    };
  return { view: null, text: '' };
}

/** A number in TeX: 4 significant digits, a power of ten when very small or large. */
export function texNumber(v: number): string {
  if (Number.isNaN(v)) return '\\text{NaN}';
  if (!Number.isFinite(v)) return v > 0 ? '\\infty' : '-\\infty';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e5) return String(Number(v.toPrecision(4)));
  const [mantissa, exponent] = v.toExponential(3).split('e');
  return `${Number(mantissa)}\\times10^{${Number(exponent)}}`;
}

/** A coefficient or scalar: one number, or the range over the batch when it differs per sample. */
export function texValue(value: TraceCoef): string {
  if (typeof value === 'number') return texNumber(value);
  if (value.length === 0) return '\\varnothing';
  const lo = Math.min(...value);
  const hi = Math.max(...value);
  return `[${texNumber(lo)},\\,${texNumber(hi)}]_{\\text{per sample}}`;
}

/**
 * One term with its coefficient, signed for its place in a sum: "{}+0.97\,\tilde x_i",
 * "{}-0.03\,\hat x_0" (each term is typeset on its own, and the empty group keeps KaTeX's space
 * around a binary sign); the first term carries only a minus sign.
 */
export function texTerm(symbol: string, coef: TraceCoef, first: boolean): string {
  const lead = first ? '' : '{}';
  if (typeof coef === 'number') {
    const negative = coef < 0 || Object.is(coef, -0);
    const sign = negative ? `${lead}-` : first ? '' : '{}+';
    return `${sign}${texNumber(Math.abs(coef))}\\,${symbol}`;
  }
  return `${first ? '' : '{}+'}${texValue(coef)}\\,${symbol}`;
}

/** The formula to show: the displayed step's own, else the active sampler's for the settings. */
export function formulaFor(
  trace: StepTrace | null,
  samplerId: string,
  sde: SdeKind,
  params: Params,
): UpdateFormula | null {
  if (trace) return { lines: trace.formula, cite: trace.cite };
  try {
    return getSampler(samplerId).formula(sde, params);
  } catch {
    // An unknown sampler or a bad parameter: the sampler panel says so; show no formula.
    return null;
  }
}

/** The sampler's label, or its id when the registry does not know it. */
export function samplerLabel(samplerId: string): string {
  try {
    return getSampler(samplerId).label;
  } catch {
    return samplerId;
  }
}
