import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCard } from '../../src/core/card';
import { denoiserForCard } from '../../src/core/denoiser';
import { gaussianNoise, PRIOR_STEP } from '../../src/core/rng';
import { CpuRunner, type LoopOptions, type StepEvent } from '../../src/core/cpu-runner';
import { makeSde, sdeForModel } from '../../src/core/sde';
import { asTime, type Denoiser } from '../../src/core/types';

const ring8 = parseCard(JSON.parse(readFileSync('models/ring8.json', 'utf8')), 'models/ring8.json');
const denoiser = denoiserForCard(ring8);

function runner(overrides: Partial<LoopOptions> = {}): CpuRunner {
  return new CpuRunner({
    denoiser,
    sde: ring8.sde,
    schedule: 'karras',
    steps: 12,
    samplerId: 'euler_maruyama',
    seed: 3,
    batch: 5,
    ...overrides,
  });
}

async function runToEnd(r: CpuRunner): Promise<StepEvent[]> {
  const events: StepEvent[] = [];
  while (!r.done) events.push(await r.step());
  return events;
}

const bits = (a: Float32Array) =>
  Array.from(new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));

describe('CpuRunner determinism', () => {
  it('starts from x̃ = priorStd·z/s(1) with z from the prior noise stream', () => {
    const r = runner({ sde: { kind: 've' } });
    const z = gaussianNoise(3, PRIOR_STEP, 0, 10);
    expect(Array.from(r.loop.xTilde)).toEqual(Array.from(z, (v) => Math.fround(50 * v)));
    expect(r.loop.sigma).toBe(makeSde({ kind: 've' }).sigma(asTime(1)));
  });

  it('the same seed gives bit-identical trajectories; another seed does not', async () => {
    for (const samplerId of ['euler_maruyama', 'dpmpp_2m', 'pc']) {
      const a = await runToEnd(runner({ samplerId }));
      const b = await runToEnd(runner({ samplerId }));
      expect(a.length).toBe(12);
      a.forEach((e, k) => expect(bits(e.x)).toEqual(bits(b[k].x)));
      const c = await runToEnd(runner({ samplerId, seed: 4 }));
      expect(bits(c[11].x)).not.toEqual(bits(a[11].x));
    }
  });

  it('sample k is the same whatever the batch size', async () => {
    const one = await runToEnd(runner({ batch: 1 }));
    const five = await runToEnd(runner({ batch: 5 }));
    expect(bits(one[11].x)).toEqual(bits(five[11].x.subarray(0, 2)));
  });
});

describe('live changes', () => {
  it('swapping A→B at step k equals running A for k steps, then B from that state', async () => {
    const k = 5;
    const swapped = runner({ samplerId: 'euler_maruyama' });
    for (let i = 0; i < k; i++) await swapped.step();
    swapped.loop.setSampler('dpmpp_2m');
    const swappedEnd = (await runToEnd(swapped)).at(-1) as StepEvent;

    const branched = runner({ samplerId: 'euler_maruyama' });
    await runToEnd(branched);
    expect(branched.seek(k).i).toBe(k);
    branched.loop.setSampler('dpmpp_2m');
    const branchedEnd = (await runToEnd(branched)).at(-1) as StepEvent;
    expect(bits(branchedEnd.x)).toEqual(bits(swappedEnd.x));
    expect(branchedEnd.i).toBe(12);
    expect(branchedEnd.samplerId).toBe('dpmpp_2m');
  });

  it('seek then re-step reproduces the trajectory bit for bit (multistep history restored)', async () => {
    for (const samplerId of ['dpmpp_2m', 'euler_maruyama', 'ode_heun']) {
      const r = runner({ samplerId });
      const first = await runToEnd(r);
      const back = r.seek(4);
      expect(bits(back.x)).toEqual(bits(first[3].x));
      const again = await runToEnd(r);
      again.forEach((e, j) => {
        expect(e.i).toBe(first[4 + j].i);
        expect(bits(e.x)).toEqual(bits(first[4 + j].x));
        expect(e.nfeTotal).toBe(first[4 + j].nfeTotal);
      });
    }
  });

  it('setSde VP→VE keeps σ and x̃, changes only t and the native scale, and runs to the VE end', async () => {
    const r = runner();
    for (let i = 0; i < 4; i++) await r.step();
    const sigma = r.loop.sigma;
    const xTilde = bits(r.loop.xTilde);
    const veConfig = sdeForModel('ve', ring8.sde);
    r.loop.setSde(veConfig);
    expect(r.loop.sigma).toBe(sigma);
    expect(bits(r.loop.xTilde)).toEqual(xTilde);
    expect(r.loop.framesSoFar).toBe(4);
    const events = await runToEnd(r);
    const ve = makeSde(veConfig);
    const last = events.at(-1) as StepEvent;
    expect(last.sigma).toBe(ve.sigma(ve.tEnd));
    expect(last.t).toBeCloseTo(ve.tEnd, 9);
    expect(last.i).toBe(12);
  });

  it('setSteps continues from the current σ with the step counter unchanged', async () => {
    const r = runner();
    for (let i = 0; i < 3; i++) await r.step();
    const sigma = r.loop.sigma;
    r.loop.setSteps(40);
    const next = await r.step();
    expect(next.i).toBe(4);
    expect(next.sigma).toBe(r.loop.settings.sigmas.find((s) => s < sigma));
  });
});

describe('end of the trajectory', () => {
  it('denoiseFinal applies Tweedie once: x = D(x̃, σ_end), σ = 0, one NFE', async () => {
    const r = runner({ denoiseFinal: true });
    const events = await runToEnd(r);
    expect(events).toHaveLength(13);
    r.seek(12);
    const expected = await denoiser.denoise(r.loop.xTilde, r.loop.sigma, 5);
    const last = events[12];
    expect(last.sigma).toBe(0);
    expect(last.nfe).toBe(1);
    expect(last.done).toBe(true);
    expect(bits(last.x)).toEqual(bits(expected));
  });

  it('stepping a finished run changes nothing', async () => {
    const r = runner();
    const events = await runToEnd(r);
    const extra = await r.step();
    expect(extra.done).toBe(true);
    expect(extra.nfe).toBe(0);
    expect(bits(extra.x)).toEqual(bits((events.at(-1) as StepEvent).x));
  });

  it('ends on the ring of radius 2 (probability-flow ODE on the exact ring8 denoiser)', async () => {
    const r = runner({ samplerId: 'ode_heun', steps: 40, batch: 400, denoiseFinal: true });
    const last = (await runToEnd(r)).at(-1) as StepEvent;
    let radius = 0;
    for (let k = 0; k < 400; k++) radius += Math.hypot(last.x[2 * k], last.x[2 * k + 1]) / 400;
    // Radius of N(2·e, 0.1²I) is ≈ 2 + 0.1²/(2·2); allow 5 standard errors of 0.1/√400.
    expect(Math.abs(radius - 2.0025)).toBeLessThan(5 * (0.1 / 20));
  });

  it('reports a diverged state instead of throwing', async () => {
    const broken: Denoiser = { dim: 2, denoise: async (x) => new Float32Array(x.length).fill(Number.NaN) };
    const event = await runner({ denoiser: broken }).step();
    expect(event.nonFinite).toBe(true);
  });
});

describe('snapshots', () => {
  it('thin out beyond the byte budget and seek lands on the nearest earlier kept step', async () => {
    // Each snapshot holds 5 × 2 floats of x̃ and of x̂₀ (+ history): a 600-byte budget keeps only a few.
    const r = runner({ steps: 40, snapshotBudgetBytes: 600 });
    const events = await runToEnd(r);
    expect(r.loop.snapshots.keepEvery).toBeGreaterThan(1);
    expect(r.loop.snapshots.steps.every((k) => k % r.loop.snapshots.keepEvery === 0)).toBe(true);
    const target = r.loop.snapshots.keepEvery + 1;
    const landed = r.seek(target);
    expect(landed.i).toBe(r.loop.snapshots.keepEvery);
    expect(bits(landed.x)).toEqual(bits(events[landed.i - 1].x));
    expect(r.frameAt(target)).toBeNull();
  });

  it('keeps every frame within the default budget for scrubbing', async () => {
    const r = runner();
    const events = await runToEnd(r);
    expect(r.loop.snapshots.steps).toEqual(Array.from({ length: 13 }, (_, k) => k));
    expect(bits((r.frameAt(7) as StepEvent).denoised)).toEqual(bits(events[6].denoised));
  });
});

describe('errors a user can meet', () => {
  it('rejects an unknown sampler, a bad batch and a bad seed with a message', () => {
    expect(() => runner({ samplerId: 'nope' })).toThrow(/Unknown sampler "nope"/);
    expect(() => runner({ batch: 0 })).toThrow(/Batch 0/);
    expect(() => runner({ seed: -2 })).toThrow(/Seed -2/);
  });
});
