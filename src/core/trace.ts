/**
 * The trace of one step: every linear combination that defines the update goes through
 * `StepRecorder.update`, which hands exactly the recorded coefficients to field.combine, so the
 * numbers the page shows are the numbers the step used, on any backend (coefficients live on the
 * CPU even when the vectors are GPU buffers). The recorder also knows where each vector came from
 * (the state, an earlier line, a denoiser call, the run's noise), which lets a test rebuild every
 * line from its own arithmetic.
 */
import type { Coef, Field } from './field';
import type {
  LineExtras,
  Sde,
  Sigma,
  StepCtx,
  StepStart,
  StepTrace,
  StepTraceWriter,
  TraceCoef,
  TracedTerm,
  TraceLine,
  TraceNumber,
  TraceSource,
  TraceTerm,
  TraceValue,
  UpdateFormula,
} from './types';
import { asTime } from './types';

/** Symbols shared by the samplers' traces and formulas (TeX), so the page can map them to views. */
export const SYMBOLS = {
  x: '\\tilde x_i',
  next: '\\tilde x_{i+1}',
  denoised: '\\hat x_0',
  z: 'z',
  score: '\\nabla_{\\tilde x}\\log p',
} as const;

/** A recorded coefficient: a per-sample array whose entries are all equal is that one number. */
function traceCoef(c: TraceNumber): TraceCoef {
  if (typeof c === 'number') return c;
  const first = c[0];
  for (let b = 1; b < c.length; b++) if (!Object.is(c[b], first)) return Array.from(c);
  return c.length > 0 ? first : [];
}

const valuesOf = (extras?: LineExtras): TraceValue[] =>
  (extras?.values ?? []).map(([symbol, value]) => ({ symbol, value: traceCoef(value) }));

/** What the loop adds around a sampler's own trace. */
export interface TraceFrame<V> {
  samplerId: string;
  /** The step's new x̃. */
  result: V;
  formula: UpdateFormula;
  sde: Sde;
  sigma: Sigma;
  sigmaReached: Sigma;
  /** Network evaluations of this step and of the run so far (this step included). */
  nfe: number;
  nfeTotal: number;
}

export class StepRecorder<V> implements StepTraceWriter {
  private readonly sources = new Map<V, TraceSource>();
  private readonly lines: TraceLine[] = [];
  private readonly values: TraceValue[] = [];

  constructor(private readonly field: Field<V>) {}

  /** Says where `v` came from (the first word stands: a vector reused as is keeps its origin). */
  origin(v: V, source: TraceSource): V {
    if (!this.sources.has(v)) this.sources.set(v, source);
    return v;
  }

  sourceOf(v: V): TraceSource | undefined {
    return this.sources.get(v);
  }

  update(name: string, terms: readonly TracedTerm<V>[], extras?: LineExtras): V {
    const merged: [string, Coef, V][] = [];
    for (const [symbol, c, v] of terms) {
      const same = merged.find((term) => term[2] === v);
      if (same && same[0] !== symbol) {
        throw new Error(`One vector is both ${same[0]} and ${symbol} in the line ${name}.`);
      }
      const k = same?.[1];
      if (same && typeof k === 'number' && typeof c === 'number') same[1] = k + c;
      else merged.push([symbol, c, v]);
    }
    const single = merged.length === 1 && merged[0][1] === 1;
    const out = single ? merged[0][2] : this.field.combine(merged.map(([, c, v]) => [c, v] as const));
    const recorded: TraceTerm[] = merged.map(([symbol, c, v]) => ({
      symbol,
      coef: traceCoef(c),
      source: this.sources.get(v),
    }));
    this.lines.push({
      name,
      kind: 'update',
      terms: recorded,
      values: valuesOf(extras),
      ...(extras?.label === undefined ? {} : { label: extras.label }),
      ...(extras?.minor ? { minor: true } : {}),
    });
    return this.origin(out, { kind: 'line', index: this.lines.length - 1 });
  }

  note(symbol: string, value: TraceNumber): void {
    this.values.push({ symbol, value: traceCoef(value) });
  }

  form(name: string, terms: readonly (readonly [symbol: string, coef: number])[], extras?: LineExtras): void {
    this.lines.push({
      name,
      kind: 'form',
      terms: terms.map(([symbol, coef]) => ({ symbol, coef })),
      values: valuesOf(extras),
      ...(extras?.label === undefined ? {} : { label: extras.label }),
    });
  }

  mark(): number {
    return this.lines.length;
  }

  drop(mark: number): void {
    this.lines.length = Math.min(this.lines.length, mark);
  }

  /** The finished trace: the loop's scalars (t, t', σ, σ', NFE) first, then the sampler's. */
  finish(frame: TraceFrame<V>): StepTrace {
    const { sde, sigma, sigmaReached } = frame;
    const timeOf = (s: Sigma) => (s > 0 ? sde.timeOf(s) : asTime(0));
    return {
      samplerId: frame.samplerId,
      formula: frame.formula.lines,
      cite: frame.formula.cite,
      values: [
        { symbol: 't_i', value: timeOf(sigma) },
        { symbol: 't_{i+1}', value: timeOf(sigmaReached) },
        { symbol: '\\sigma_i', value: sigma },
        { symbol: '\\sigma_{i+1}', value: sigmaReached },
        ...this.values,
        { symbol: '\\text{NFE (this step)}', value: frame.nfe },
        { symbol: '\\text{NFE (total)}', value: frame.nfeTotal },
      ],
      lines: [...this.lines],
      result: this.sources.get(frame.result) ?? null,
    };
  }
}

/** A step context without its trace: what the loop (or a test) provides. */
export type UntracedCtx<V> = Omit<StepCtx<V>, 'update' | 'trace'>;

/**
 * The context a sampler step runs with: `base` whose denoiser calls, noise and history are
 * labelled with where they came from, plus the recording `update` and `trace`. Without `state`
 * (a test's hand-made step), x̃ is not labelled.
 */
export function tracedCtx<V>(
  base: UntracedCtx<V>,
  state?: Pick<StepStart<V>, 'xTilde'>,
): { ctx: StepCtx<V>; recorder: StepRecorder<V> } {
  const recorder = new StepRecorder(base.field);
  if (state) recorder.origin(state.xTilde, { kind: 'state' });
  for (const h of base.history) recorder.origin(h.denoised, { kind: 'history', sigma: h.sigma });
  const ctx: StepCtx<V> = {
    ...base,
    async denoise(x, sigma) {
      const of = recorder.sourceOf(x);
      const out = await base.denoise(x, sigma);
      return of === undefined ? out : recorder.origin(out, { kind: 'denoised', of, sigma });
    },
    noise: (stream) => recorder.origin(base.noise(stream), { kind: 'noise', stream }),
    increment: (sigma, sigmaNext) =>
      recorder.origin(base.increment(sigma, sigmaNext), { kind: 'increment', sigma, sigmaNext }),
    update: (name, terms, extras) => recorder.update(name, terms, extras),
    trace: recorder,
  };
  return { ctx, recorder };
}
