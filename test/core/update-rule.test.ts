/**
 * The numbers the Update rule panel shows are the numbers the step used. Every sampler of the
 * registry runs through the shipped SamplingLoop on the exact ring8 mixture; after each step the
 * test rebuilds every recorded line Σ coef·vector from the trace's displayed coefficients and
 * vectors it computes itself: x̃ from the state before the step, x̂₀ from its own denoiser call, z
 * from rng.ts / brownian.ts with the run's seed. Lines chain (a line's result is an input of a
 * later one), and the line that produced the new x̃ must equal the loop's actual x̃ to float32
 * rounding. Where a coefficient comes from a rule (the corrector's ε from the SNR, the native
 * (a, b, c) of an SDE predictor, RK45's error norm), the rule is checked too.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { brownianNormals, brownianPlan, clockIndex } from '../../src/core/brownian';
import { parseCard } from '../../src/core/card';
import { CpuRunner, type NoiseKeying } from '../../src/core/cpu-runner';
import { denoiserForCard } from '../../src/core/denoiser';
import { gaussianNoise } from '../../src/core/rng';
import { samplerIds } from '../../src/core/samplers/registry';
import { makeSde } from '../../src/core/sde';
import type { StepReport } from '../../src/core/step-event';
import { SYMBOLS } from '../../src/core/trace';
import { asSigma } from '../../src/core/types';
import type { Params, SdeKind, StepTrace, TraceCoef, TraceLine, TraceSource } from '../../src/core/types';

const ring8 = parseCard(JSON.parse(readFileSync('models/ring8.json', 'utf8')), 'models/ring8.json');
const denoiser = denoiserForCard(ring8);
const BATCH = 5;
const DIM = denoiser.dim;
const SEED = 17;
const STEPS = 5;
/** One float32 rounding of the sum, with room for the float64 accumulation before it. */
const ROUNDING = 2 ** -23;

interface Case {
  samplerId: string;
  kind: SdeKind;
  noise: NoiseKeying;
  params: Params;
}

/** What a step started from: the state the test copies before the loop moves on. */
interface Before {
  i: number;
  sigma: number;
  xTilde: Float32Array;
}

const coefAt = (c: TraceCoef, b: number): number => (typeof c === 'number' ? c : c[b]);

/** The test's own vectors for a step: each source recomputed, never read from the step. */
class Rebuilder {
  readonly lines: (Float32Array | undefined)[] = [];
  constructor(
    private readonly before: Before,
    private readonly states: ReadonlyMap<number, Float32Array>,
    private readonly noise: NoiseKeying,
  ) {}

  async vector(source: TraceSource | undefined): Promise<Float32Array> {
    if (source === undefined) throw new Error('a term has no source');
    const n = BATCH * DIM;
    switch (source.kind) {
      case 'state':
        return this.before.xTilde;
      case 'line': {
        const v = this.lines[source.index];
        if (!v) throw new Error(`line ${source.index} is used before it is computed`);
        return v;
      }
      case 'denoised':
        return denoiser.denoise(await this.vector(source.of), asSigma(source.sigma), BATCH);
      case 'history': {
        const x = this.states.get(source.sigma);
        if (!x) throw new Error(`no state at σ = ${source.sigma}`);
        return denoiser.denoise(x, asSigma(source.sigma), BATCH);
      }
      case 'noise':
        return gaussianNoise(SEED, this.before.i, source.stream, n);
      case 'increment':
        return this.noise === 'brownian'
          ? brownianNormals(SEED, brownianPlan(clockIndex(source.sigmaNext), clockIndex(source.sigma)), n)
          : gaussianNoise(SEED, this.before.i, 0, n);
    }
  }

  /** Σ coef·vector, summed in float64 in the recorded order and rounded once; and Σ |coef·vector|. */
  async line(line: TraceLine): Promise<{ value: Float32Array; magnitude: Float64Array }> {
    const sum = new Float64Array(BATCH * DIM);
    const magnitude = new Float64Array(BATCH * DIM);
    for (const term of line.terms) {
      const v = await this.vector(term.source);
      for (let b = 0; b < BATCH; b++) {
        const c = coefAt(term.coef, b);
        if (c === 0) continue;
        for (let k = b * DIM; k < (b + 1) * DIM; k++) {
          sum[k] += c * v[k];
          magnitude[k] += Math.abs(c * v[k]);
        }
      }
    }
    return { value: Float32Array.from(sum), magnitude };
  }
}

/** Worst |rebuilt − actual| over its rounding allowance (≤ 1 passes). */
function worstRatio(rebuilt: Float32Array, magnitude: Float64Array, actual: Float32Array): number {
  let worst = 0;
  for (let k = 0; k < actual.length; k++) {
    const allowed = ROUNDING * (magnitude[k] + Math.abs(actual[k])) + 1e-30;
    worst = Math.max(worst, Math.abs(rebuilt[k] - actual[k]) / allowed);
  }
  return worst;
}

const norms = (v: Float32Array): Float64Array =>
  Float64Array.from({ length: BATCH }, (_, b) => {
    let s = 0;
    for (let k = b * DIM; k < (b + 1) * DIM; k++) s += v[k] * v[k];
    return Math.sqrt(s);
  });
const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;

/** a and b agree to 1e-12 relative (the same arithmetic in another order). */
function expectSame(a: number, b: number, what: string): void {
  expect(Math.abs(a - b), what).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(a), Math.abs(b), 1e-300));
}

/**
 * Rebuilds every line of one step from the displayed coefficients and the test's own vectors and
 * returns how far the rebuilt new x̃ lies from the actual one, in rounding allowances (≤ 1 passes).
 * With `rules`, also checks the coefficients that come from a rule.
 */
async function checkStep(
  c: Case,
  trace: StepTrace,
  before: Before,
  states: ReadonlyMap<number, Float32Array>,
  actual: Float32Array,
  sigmaReached: number,
  rules = true,
): Promise<number> {
  const rebuild = new Rebuilder(before, states, c.noise);
  let magnitude: Float64Array | null = null;
  for (const [index, line] of trace.lines.entries()) {
    if (line.kind === 'form') continue;
    for (const term of line.terms) expect(term.source, `${line.name}: ${term.symbol}`).toBeDefined();
    const built = await rebuild.line(line);
    rebuild.lines[index] = built.value;
    if (trace.result?.kind === 'line' && trace.result.index === index) magnitude = built.magnitude;
  }
  const result = trace.result;
  expect(result).not.toBeNull();
  const rebuilt = await rebuild.vector(result ?? undefined);
  if (rules) {
    await checkCorrector(c, trace, before, sigmaReached, rebuild);
    await checkNativeForm(c, trace, before, sigmaReached, rebuild);
    await checkErrorNorm(c, trace, before, rebuild);
  }
  return worstRatio(rebuilt, magnitude ?? Float64Array.from(rebuilt, Math.abs), actual);
}

/** The corrector's ε from the SNR rule: ε = 2α(r‖z‖/‖∇log p‖)², batch means unless per sample. */
async function checkCorrector(
  c: Case,
  trace: StepTrace,
  before: Before,
  sigmaNext: number,
  rebuild: Rebuilder,
) {
  if (c.samplerId !== 'pc') return;
  const sde = makeSde({ kind: c.kind });
  const scale = (sigma: number) => sde.scale(sde.timeOf(asSigma(sigma)));
  const alpha = c.kind === 'vp' ? (scale(before.sigma) / scale(sigmaNext)) ** 2 : 1; // 1 − β_i
  const r = Number(c.params.snr ?? 0.16);
  let moves = 0;
  for (const line of trace.lines) {
    const scoreTerm = line.terms.find((t) => t.symbol === SYMBOLS.score);
    const noiseTerm = line.terms.find((t) => t.symbol === SYMBOLS.z);
    if (!scoreTerm || !noiseTerm) continue;
    moves += 1;
    const score = norms(await rebuild.vector(scoreTerm.source));
    const z = norms(await rebuild.vector(noiseTerm.source));
    for (let b = 0; b < BATCH; b++) {
      const ratio = c.params.stepNorm === 'sample' ? (r * z[b]) / score[b] : (r * mean(z)) / mean(score);
      const eps = 2 * alpha * ratio * ratio;
      expectSame(coefAt(scoreTerm.coef, b), eps, `ε of sample ${b}`);
      expectSame(coefAt(noiseTerm.coef, b), Math.sqrt(2 * eps), `√(2ε) of sample ${b}`);
    }
  }
  const wanted = c.params.corrector === 'none' ? 0 : Number(c.params.correctorSteps ?? 1);
  if (before.sigma > sigmaNext && sigmaNext > 0 && trace.samplerId === 'pc') expect(moves).toBe(wanted);
}

/**
 * An SDE predictor's native form x' = a·x + b·∇ₓlog p + c·z, with x = s·x̃ and
 * ∇ₓlog p = (x̂₀ − x̃)/(s·σ²), lands on the x̃' = x'/s' of the line the step evaluated.
 */
async function checkNativeForm(
  c: Case,
  trace: StepTrace,
  before: Before,
  sigmaNext: number,
  rebuild: Rebuilder,
) {
  const at = trace.lines.findIndex((l) => l.kind === 'form');
  if (at < 0) return;
  const sde = makeSde({ kind: c.kind });
  const s = sde.scale(sde.timeOf(asSigma(before.sigma)));
  const sNext = sde.scale(sde.timeOf(asSigma(sigmaNext)));
  const coef = (symbol: string) => Number(trace.lines[at].terms.find((t) => t.symbol === symbol)?.coef ?? 0);
  const [a, b, cz] = [coef('x_i'), coef('\\nabla_x \\log p_{t_i}(x_i)'), coef('z')];
  const x = before.xTilde;
  const denoised = await denoiser.denoise(x, asSigma(before.sigma), BATCH);
  const zSource = trace.lines[at + 1].terms.find((t) => t.symbol === SYMBOLS.z)?.source;
  const z = zSource ? await rebuild.vector(zSource) : new Float32Array(x.length);
  if (!zSource) expect(cz).toBe(0);
  const evaluated = rebuild.lines[at + 1] as Float32Array;
  const sigma2 = before.sigma * before.sigma;
  for (let k = 0; k < x.length; k++) {
    const native = a * s * x[k] + (b * (denoised[k] - x[k])) / (s * sigma2) + cz * z[k];
    const expected = native / sNext;
    expect(Math.abs(evaluated[k] - expected)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(expected)));
  }
}

/** RK45's recorded ‖e‖ is the Hairer error norm of the rebuilt error estimate, and at most 1. */
async function checkErrorNorm(c: Case, trace: StepTrace, before: Before, rebuild: Rebuilder) {
  const errorIndex = trace.lines.findIndex((l) => l.name === 'e');
  if (c.samplerId !== 'ode_rk45' || errorIndex < 0) return;
  const e = rebuild.lines[errorIndex] as Float32Array;
  const next = await rebuild.vector(trace.result ?? undefined);
  const tol = 1e-3; // the default rtol and atol
  let worst = 0;
  for (let b = 0; b < BATCH; b++) {
    let sum = 0;
    for (let k = b * DIM; k < (b + 1) * DIM; k++) {
      sum += (e[k] / (tol + tol * Math.max(Math.abs(before.xTilde[k]), Math.abs(next[k])))) ** 2;
    }
    worst = Math.max(worst, Math.sqrt(sum / DIM));
  }
  const recorded = Number(trace.values.find((v) => v.symbol === '\\lVert e\\rVert')?.value);
  expect(Math.abs(recorded - worst)).toBeLessThanOrEqual(1e-6 * worst + 1e-12);
  expect(worst).toBeLessThanOrEqual(1);
}

const kinds: SdeKind[] = ['vp', 'subvp', 've'];
const noises: NoiseKeying[] = ['brownian', 'step'];
const extraParams: Record<string, Params[]> = {
  pc: [
    {},
    { predictor: 'euler_maruyama', stepNorm: 'sample', correctorSteps: 2 },
    { predictor: 'ancestral', correctorSteps: 2, snr: 0.3 },
    { predictor: 'ode_euler' },
    { predictor: 'none', correctorSteps: 3 },
    { predictor: 'reverse_diffusion', corrector: 'none' },
  ],
  ddim: [{}, { eta: 0.5 }, { eta: 1 }],
  annealed_langevin: [{ steps: 3 }],
};

const cases: Case[] = samplerIds.flatMap((samplerId) =>
  kinds.flatMap((kind) =>
    noises.flatMap((noise) =>
      (extraParams[samplerId] ?? [{}]).map((params) => ({ samplerId, kind, noise, params })),
    ),
  ),
);

/** Runs a case to the end (the last step is the final Tweedie denoising); yields every step. */
async function* steps(
  c: Case,
): AsyncGenerator<{ before: Before; report: StepReport; states: Map<number, Float32Array> }> {
  const runner = new CpuRunner({
    denoiser,
    sde: { kind: c.kind },
    schedule: 'karras',
    steps: STEPS,
    samplerId: c.samplerId,
    params: c.params,
    seed: SEED,
    batch: BATCH,
    denoiseFinal: true,
    noise: c.noise,
  });
  const { loop } = runner;
  const states = new Map<number, Float32Array>();
  while (!loop.done) {
    const before = { i: loop.framesSoFar, sigma: loop.sigma, xTilde: Float32Array.from(loop.xTilde) };
    states.set(before.sigma, before.xTilde);
    yield { before, report: await loop.step(), states };
  }
}

const label = (c: Case) => `${c.samplerId} ${JSON.stringify(c.params)} on ${c.kind}, ${c.noise} noise`;

describe('the update rule shown is the update computed', () => {
  it('covers every sampler of the registry', () => {
    expect(new Set(cases.map((c) => c.samplerId))).toEqual(new Set(samplerIds));
  });

  it.each(cases.map((c) => [label(c), c] as const))(
    '%s: x̃_{i+1} rebuilt from the displayed coefficients equals the step',
    async (_, c) => {
      let stepsSeen = 0;
      for await (const { before, report, states } of steps(c)) {
        const trace = report.trace;
        expect(trace).not.toBeNull();
        if (!trace) continue;
        expect(trace.formula.length).toBeGreaterThan(0);
        expect(trace.values.find((v) => v.symbol === '\\sigma_i')?.value).toBe(before.sigma);
        expect(trace.values.find((v) => v.symbol === '\\sigma_{i+1}')?.value).toBe(report.sigma);
        expect(trace.values.find((v) => v.symbol === '\\text{NFE (total)}')?.value).toBe(report.nfeTotal);
        const ratio = await checkStep(c, trace, before, states, report.xTilde, report.sigma);
        expect(ratio, `step ${before.i}`).toBeLessThanOrEqual(1);
        stepsSeen += 1;
      }
      expect(stepsSeen).toBeGreaterThan(STEPS - 1);
    },
  );
});

describe('the check can fail', () => {
  it.each(samplerIds)(
    '%s: nudging one displayed coefficient by 0.1 per cent breaks the rebuild',
    async (samplerId) => {
      const c: Case = { samplerId, kind: 'vp', noise: 'brownian', params: {} };
      const { value } = await steps(c).next();
      if (!value) throw new Error('no step');
      const { before, report, states } = value;
      const trace = report.trace as StepTrace;
      expect(await checkStep(c, trace, before, states, report.xTilde, report.sigma)).toBeLessThanOrEqual(1);
      // The term of the line that produced x̃_{i+1} that weighs most in it (max over elements of |c·v|).
      const resultLine = trace.result?.kind === 'line' ? trace.result.index : -1;
      const line = trace.lines[resultLine];
      const rebuild = new Rebuilder(before, states, c.noise);
      for (const [index, l] of trace.lines.entries()) {
        if (l.kind === 'update') rebuild.lines[index] = (await rebuild.line(l)).value;
      }
      const weights = await Promise.all(
        line.terms.map(async (t) => {
          const v = await rebuild.vector(t.source);
          return v.reduce((m, x, k) => Math.max(m, Math.abs(coefAt(t.coef, Math.floor(k / DIM)) * x)), 0);
        }),
      );
      const biggest = weights.indexOf(Math.max(...weights));
      const nudged: StepTrace = {
        ...trace,
        lines: trace.lines.map((l, k) =>
          k !== resultLine
            ? l
            : {
                ...l,
                terms: l.terms.map((t, j) => (j === biggest ? { ...t, coef: coefAt(t.coef, 0) * 1.001 } : t)),
              },
        ),
      };
      const ratio = await checkStep(c, nudged, before, states, report.xTilde, report.sigma, false);
      expect(ratio).toBeGreaterThan(1);
    },
  );
});

describe('a rewind shows the numbers of the step it returns to', () => {
  it('seek(k) and frameAt(k) carry the trace step k reported; the prior has none', async () => {
    const runner = new CpuRunner({
      denoiser,
      sde: { kind: 'vp' },
      schedule: 'karras',
      steps: STEPS,
      samplerId: 'pc',
      seed: SEED,
      batch: BATCH,
    });
    const reported: (StepTrace | null)[] = [runner.loop.frameAt(0)?.trace ?? null];
    while (!runner.done) reported.push((await runner.step()).trace);
    expect(reported[0]).toBeNull();
    expect(runner.loop.frameAt(3)?.trace).toBe(reported[3]);
    expect(runner.loop.seek(2).trace).toBe(reported[2]);
    // Stepping on from the rewind branches: step 3 is recomputed, with the same numbers.
    const again = (await runner.step()).trace;
    expect(again).toEqual(reported[3]);
    expect(runner.loop.seek(0).trace).toBeNull();
  });
});
