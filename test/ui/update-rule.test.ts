/**
 * The Update rule's data path and typesetting without a DOM: a real step's trace survives the
 * worker boundary (structured clone, isEvent), every formula and substituted line a sampler can
 * produce is valid KaTeX, numbers are written as a student reads them, and each term points at
 * the view that draws it.
 */
import { readFileSync } from 'node:fs';
import katex from 'katex';
import { describe, expect, it } from 'vitest';
import { parseCard } from '../../src/core/card';
import { CpuRunner } from '../../src/core/cpu-runner';
import { denoiserForCard } from '../../src/core/denoiser';
import { samplers } from '../../src/core/samplers/registry';
import type { Params, SdeKind, StepTrace } from '../../src/core/types';
import { isEvent, type FrameEvent } from '../../src/engine/protocol';
import { termInfo, texNumber, texTerm, texValue } from '../../src/ui/state/update-rule';
import { testFrame } from '../helpers/frames';

const ring8 = parseCard(JSON.parse(readFileSync('models/ring8.json', 'utf8')), 'models/ring8.json');
const denoiser = denoiserForCard(ring8);
const kinds: SdeKind[] = ['vp', 'subvp', 've'];

/** The traces of a short run (the final denoising included). */
async function traces(samplerId: string, kind: SdeKind, params: Params = {}): Promise<StepTrace[]> {
  const runner = new CpuRunner({
    denoiser,
    sde: { kind },
    schedule: 'karras',
    steps: 3,
    samplerId,
    params,
    seed: 5,
    batch: 3,
    denoiseFinal: true,
  });
  const out: StepTrace[] = [];
  while (!runner.done) {
    const trace = (await runner.step()).trace;
    if (trace) out.push(trace);
  }
  return out;
}

/** Throws on any TeX KaTeX cannot parse. */
const typeset = (tex: string) => katex.renderToString(tex, { throwOnError: true });

describe('a step trace crosses the worker boundary', () => {
  it('a frame with a real PC trace (per-sample ε) is a valid event after structured cloning', async () => {
    const [trace] = await traces('pc', 'vp', { stepNorm: 'sample', correctorSteps: 2 });
    const frame: FrameEvent = { ...testFrame(1, 1), trace };
    const received = structuredClone(frame);
    expect(isEvent(received)).toBe(true);
    expect(received.trace).toEqual(trace);
    const perSample = trace.lines.flatMap((l) => l.terms).filter((t) => Array.isArray(t.coef));
    expect(perSample.length).toBeGreaterThan(0);
  });

  it('a frame whose trace is garbled or missing is refused', async () => {
    const [trace] = await traces('euler_maruyama', 'vp');
    const garbled = { ...trace, lines: [{ name: 'x', kind: 'update', terms: [{ symbol: 'z', coef: '1' }] }] };
    expect(isEvent({ ...testFrame(1, 1), trace: garbled })).toBe(false);
    const { trace: _dropped, ...missing } = testFrame(1, 1);
    expect(isEvent(missing)).toBe(false);
  });

  it('a diverged step still reports: NaN coefficients are allowed', async () => {
    const [trace] = await traces('ode_euler', 'vp');
    const nan: StepTrace = {
      ...trace,
      lines: trace.lines.map((l) => ({ ...l, terms: l.terms.map((t) => ({ ...t, coef: NaN })) })),
    };
    expect(isEvent({ ...testFrame(1, 1), trace: nan })).toBe(true);
  });
});

describe('every formula and every substituted line is valid KaTeX', () => {
  it.each(samplers.map((s) => [s.id, s] as const))('%s', async (id, sampler) => {
    const variants: Params[] =
      id === 'pc'
        ? ['euler_maruyama', 'reverse_diffusion', 'ancestral', 'ode_euler', 'none'].map((predictor) => ({
            predictor,
          }))
        : [{}];
    for (const kind of kinds) {
      for (const params of variants) {
        for (const line of sampler.formula(kind, params).lines) expect(() => typeset(line)).not.toThrow();
        for (const trace of await traces(id, kind, params)) {
          for (const v of trace.values) typeset(`${v.symbol} = ${texValue(v.value)}`);
          for (const line of trace.lines) {
            typeset(
              `${line.name} = ${line.terms.map((t, k) => texTerm(t.symbol, t.coef, k === 0)).join(' ')}`,
            );
            for (const v of line.values) typeset(`${v.symbol} = ${texValue(v.value)}`);
          }
        }
      }
    }
  });
});

describe('numbers and terms as a student reads them', () => {
  it('writes 4 significant digits, powers of ten when tiny or huge', () => {
    expect(texNumber(0.123456)).toBe('0.1235');
    expect(texNumber(-2.5)).toBe('-2.5');
    expect(texNumber(1.5e-5)).toBe('1.5\\times10^{-5}');
    expect(texNumber(2.345e7)).toBe('2.345\\times10^{7}');
    expect(texNumber(Number.NaN)).toBe('\\text{NaN}');
  });

  it('signs each term for its place in the sum; a per-sample coefficient shows its range', () => {
    expect(texTerm('\\hat x_0', -0.25, false)).toBe('{}-0.25\\,\\hat x_0');
    expect(texTerm('\\hat x_0', 0.25, false)).toBe('{}+0.25\\,\\hat x_0');
    expect(texTerm('\\hat x_0', -0.25, true)).toBe('-0.25\\,\\hat x_0');
    expect(texTerm('\\tilde x_i', 0.5, true)).toBe('0.5\\,\\tilde x_i');
    expect(texValue([0.3, 0.1, 0.2])).toBe('[0.1,\\,0.3]_{\\text{per sample}}');
  });

  it('points each symbol a sampler records at the view that draws it', async () => {
    const symbols = new Set<string>();
    for (const s of samplers) {
      for (const trace of await traces(s.id, 'vp')) {
        for (const line of trace.lines) for (const t of line.terms) symbols.add(t.symbol);
      }
    }
    for (const symbol of symbols) expect(termInfo(symbol).text, symbol).not.toBe('');
    expect(termInfo('\\tilde x_i').view).toBe('xt');
    expect(termInfo('\\hat x_0').view).toBe('x0');
    expect(termInfo('\\hat x_0(\\tilde x_E)').view).toBe('x0');
    expect(termInfo('\\nabla_{\\tilde x}\\log p').view).toBe('score');
    expect(termInfo('z').view).toBeNull();
  });
});
