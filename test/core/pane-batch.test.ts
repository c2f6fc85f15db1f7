/**
 * Compare mode's batching (src/core/pane-batch.ts, src/core/call-gate.ts): panes with different
 * samplers, step counts, SDEs, schedules and guidance weights share every network call, so a tick
 * costs as many calls as its largest NFE; and each pane's trajectory is, bit for bit, the one it
 * takes alone. The network is the ring of eight Gaussians' exact denoiser wrapped as a
 * class-conditional x₀-network (class k = component k, the null class = the whole ring), evaluated
 * row by row, so a row's output cannot depend on the batch it came in.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CallGate, networkGate } from '../../src/core/call-gate';
import { CpuRunner } from '../../src/core/cpu-runner';
import { NetworkDenoiser, type NetworkFn } from '../../src/core/denoiser';
import { cpuField } from '../../src/core/field-cpu';
import { MixtureDenoiser } from '../../src/core/mixture';
import {
  cpuPanes,
  PaneBatch,
  sweepPanes,
  SWEEP_STEPS,
  type Advance,
  type PaneSpec,
  type Tick,
} from '../../src/core/pane-batch';
import { SamplingLoop } from '../../src/core/sampling-loop';
import { sdeForModel } from '../../src/core/sde';
import type { Denoiser } from '../../src/core/types';
import { exactRing } from '../helpers/exact-ring';

const { card, mixture } = exactRing(JSON.parse(readFileSync('models/ring8.json', 'utf8')));
const DIM = 2;
const NULL_CLASS = mixture.weights.length;

/** The exact ring as a network; records each call's batch size. */
function exactNetwork(): { network: NetworkFn; calls: number[] } {
  const calls: number[] = [];
  const ring = exactRing(JSON.parse(readFileSync('models/ring8.json', 'utf8')));
  const network: NetworkFn = async (x, t, y, batch) => {
    calls.push(batch);
    return ring.x0(
      x,
      (r) => t[r],
      (r) => (y ? Number(y[r]) : NULL_CLASS),
      batch,
    );
  };
  return { network, calls };
}

const BATCH = 16;
const classLabels = Array.from({ length: BATCH }, (_, k) => k % 8);
const shared = { seed: 31, batch: BATCH, denoiseFinal: true };

/** Four panes that differ in everything a pane may: sampler (1, 2 and adaptive NFE per step), … */
const panes: PaneSpec[] = [
  { samplerId: 'euler_maruyama', steps: 20, sde: card.sde, schedule: 'uniform' },
  { samplerId: 'ode_heun', steps: 20, sde: sdeForModel('ve', card.sde), schedule: 'uniform', guidance: 2 },
  { samplerId: 'pc', steps: 10, sde: card.sde, schedule: 'karras', guidance: 0 },
  { samplerId: 'ode_rk45', steps: 6, sde: sdeForModel('subvp', card.sde), schedule: 'logsnr', guidance: 1.5 },
];

/** A pane run alone on the unbatched network: its x̃ and x̂₀ after every step. */
async function alone(spec: PaneSpec): Promise<Float32Array[][]> {
  const { network } = exactNetwork();
  const loop = new SamplingLoop(cpuField(BATCH, DIM), {
    ...shared,
    ...spec,
    denoiser: new NetworkDenoiser(network, card, { classLabels, guidance: spec.guidance }),
  });
  const states: Float32Array[][] = [];
  while (!loop.done) {
    const report = await loop.step();
    states.push([report.xTilde, report.denoised]);
  }
  return states;
}

async function compare(advance: Advance) {
  const { network, calls } = exactNetwork();
  const batch = cpuPanes({ ...shared, panes, advance }, { network, card, classLabels });
  const ticks: Tick<Float32Array>[] = [];
  /** Each pane before each tick: NFE so far, t, and whether it had finished. */
  const before: { nfe: number; t: number; next: number; done: boolean }[][] = [];
  while (!batch.done) {
    before.push(
      batch.loops.map((loop) => {
        const { sde } = loop.settings;
        const next = loop.nextSigma();
        return {
          nfe: loop.nfeTotal,
          t: sde.timeOf(loop.sigma),
          next: next === null ? Number.NEGATIVE_INFINITY : next > 0 ? sde.timeOf(next) : 0,
          done: loop.done,
        };
      }),
    );
    ticks.push(await batch.tick());
  }
  return { batch, ticks, calls, before };
}

const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

const tickNfe = (tick: Tick<Float32Array>) =>
  tick.panes.map((pane) => pane.reports.reduce((n, r) => n + r.nfe, 0));

describe('panes sharing network calls', () => {
  for (const advance of ['t', 'nfe'] as const) {
    it(`calls the network as often as the largest NFE of each tick, not the sum (advance by ${advance})`, async () => {
      const { batch, ticks, calls } = await compare(advance);
      for (const tick of ticks) {
        expect(tick.panes.every((pane) => pane.error === undefined)).toBe(true);
        expect(tick.calls).toBe(Math.max(...tickNfe(tick)));
      }
      const sum = batch.loops.reduce((n, loop) => n + loop.nfeTotal, 0);
      const largest = ticks.reduce((n, tick) => n + Math.max(...tickNfe(tick)), 0);
      expect(calls.length).toBe(largest);
      console.log(`advance by ${advance}: ${calls.length} network calls for ${sum} NFE over 4 panes`);
      expect(calls.length).toBeLessThan(0.75 * sum);
      expect(calls.length).toBeGreaterThanOrEqual(Math.max(...batch.loops.map((loop) => loop.nfeTotal)));
      // Every pane's first evaluation is in the first call; guided panes (w ≠ 0, 1) send their
      // samples twice, as conditional and unconditional halves.
      if (advance === 'nfe') expect(calls[0]).toBe(BATCH * (1 + 2 + 1 + 2));
      // On t, the last call of all is every pane's final denoising, together.
      if (advance === 't') expect(calls.at(-1)).toBe(BATCH * (1 + 2 + 1 + 2));
    });

    it(`gives every pane the trajectory it takes alone, bit for bit (advance by ${advance})`, async () => {
      const { ticks } = await compare(advance);
      for (let p = 0; p < panes.length; p++) {
        const got = ticks.flatMap((tick) => tick.panes[p].reports.map((r) => [r.xTilde, r.denoised]));
        const want = await alone(panes[p]);
        expect(got.length).toBe(want.length);
        got.forEach(([x, d], i) => {
          expect(bytes(x).equals(bytes(want[i][0])), `pane ${p + 1} x̃ at step ${i + 1}`).toBe(true);
          expect(bytes(d).equals(bytes(want[i][1])), `pane ${p + 1} x̂₀ at step ${i + 1}`).toBe(true);
        });
      }
    });
  }

  it('in lock-step on t, a tick takes each pane to its grid point nearest the common clock', async () => {
    const { ticks, before } = await compare('t');
    ticks.forEach((tick, k) => {
      // The clock moves to the first next grid point of any pane; a pane steps when its next grid
      // point is nearer the clock than where it stands, i.e. within half its step of it.
      const clock = Math.max(...before[k].map((pane) => pane.next));
      tick.panes.forEach((pane, p) => {
        const { t, next, done } = before[k][p];
        const nearer = !done && Math.abs(next - clock) <= Math.abs(t - clock) + 1e-9;
        expect(pane.reports.length, `tick ${k + 1}, pane ${p + 1}`).toBe(nearer ? 1 : 0);
      });
    });
    // VP and VE at 20 uniform steps end at different times, so their grids differ a little,
    // yet they step together every time.
    expect(ticks.filter((tick) => tick.panes[0].reports.length !== tick.panes[1].reports.length)).toEqual([]);
  });

  it('by NFE, the panes furthest behind always step', async () => {
    const { ticks, before } = await compare('nfe');
    ticks.forEach((tick, k) => {
      const live = before[k].filter((pane) => !pane.done);
      const least = Math.min(...live.map((pane) => pane.nfe));
      before[k].forEach((pane, p) => {
        if (!pane.done && pane.nfe === least) expect(tick.panes[p].reports.length).toBeGreaterThan(0);
        if (pane.nfe > least + 4) expect(tick.panes[p].reports.length).toBe(0);
      });
    });
  });

  it('charges each pane its share of the network time, by its samples in each call', async () => {
    const { batch, ticks } = await compare('t');
    const total = ticks.reduce((ms, tick) => ms + tick.networkMs, 0);
    const shares = batch.loops.map((_, p) => batch.paneStats(p).ms);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(total, 6);
    expect(batch.paneStats(0).steps).toBe(21);
  });

  it('a failing pane reports its error; the others take their step', async () => {
    const { network } = exactNetwork();
    const { gate, forPane } = networkGate(network, DIM);
    let left = 3;
    const failing: Denoiser = {
      dim: DIM,
      async denoise() {
        if (--left < 0) throw new Error('the network went away');
        return new Float32Array(BATCH * DIM);
      },
    };
    const loops = [forPane(0), null].map(
      (net) =>
        new SamplingLoop(cpuField(BATCH, DIM), {
          ...shared,
          ...panes[0],
          denoiser: net ? new NetworkDenoiser(net, card, { classLabels }) : failing,
        }),
    );
    const batch = new PaneBatch(loops, gate, 't');
    await expect(batch.run()).rejects.toThrow(/Pane 2 \(euler_maruyama\): the network went away/);
    expect(loops.map((loop) => loop.framesSoFar)).toEqual([4, 3]);
  });

  it('after removing a pane, the others keep sharing calls under their own gate numbers', async () => {
    const { network, calls } = exactNetwork();
    const batch = cpuPanes({ ...shared, panes: panes.slice(0, 3) }, { network, card, classLabels });
    for (let k = 0; k < 3; k++) await batch.tick();
    const rest = new PaneBatch([batch.loops[0], batch.loops[2]], batch.gate, 'nfe', [0, 2]);
    while (!rest.done) {
      const before = calls.length;
      const tick = await rest.tick();
      expect(calls.length - before).toBe(Math.max(...tickNfe(tick)));
    }
    expect(rest.paneStats(1).ms).toBeGreaterThan(0);
  });

  it('a request outside a tick is served at once, alone', async () => {
    const seen: number[][] = [];
    const gate = new CallGate<number, number>(
      async (requests) => {
        seen.push([...requests]);
        return requests.map((r) => r * 10);
      },
      () => 1,
    );
    expect(await gate.request(2, 7)).toBe(70);
    gate.enter(0);
    gate.enter(1);
    const first = gate.request(1, 5);
    await Promise.resolve();
    expect(seen).toEqual([[7]]);
    const second = gate.request(0, 4);
    expect(await Promise.all([first, second])).toEqual([50, 40]);
    // Pane order, whoever asked first.
    expect(seen).toEqual([[7], [4, 5]]);
    expect(gate.stats.calls).toBe(2);
  });
});

describe('step-count sweep', () => {
  it('runs 10 … 1000 steps of one seed in 1,001 network calls, each endpoint as if run alone', async () => {
    const { network, calls } = exactNetwork();
    const spec = { samplerId: 'euler_maruyama', sde: card.sde, schedule: 'uniform' as const };
    const batch = cpuPanes(
      { ...shared, panes: sweepPanes(spec), advance: 't' },
      { network, card, classLabels },
    );
    await batch.run();
    // Uniform-in-t grids of 10, 20, …, 500 steps lie on the 1000-step grid: one call per point,
    // plus the final denoising.
    expect(calls.length).toBe(1001);
    expect(batch.loops.map((loop) => loop.nfeTotal)).toEqual(SWEEP_STEPS.map((n) => n + 1));
    const runner = new CpuRunner({
      ...shared,
      ...spec,
      steps: 50,
      denoiser: new NetworkDenoiser(exactNetwork().network, card, { classLabels }),
    });
    while (!runner.done) await runner.step();
    expect(Array.from(batch.loops[SWEEP_STEPS.indexOf(50)].xTilde)).toEqual(Array.from(runner.loop.xTilde));
  });

  it('converges: with one Brownian path, endpoints approach the 1000-step one as steps grow', async () => {
    const exact = new MixtureDenoiser(mixture);
    const spec = { samplerId: 'euler_maruyama', sde: { kind: 've' as const }, schedule: 'uniform' as const };
    const batch = cpuPanes({ seed: 5, batch: 200, panes: sweepPanes(spec) }, { denoiser: exact });
    await batch.run();
    const finest = batch.loops.at(-1)!.xTilde;
    const median = (x: Float32Array) => {
      const d = Array.from({ length: 200 }, (_, b) =>
        Math.hypot(x[2 * b] - finest[2 * b], x[2 * b + 1] - finest[2 * b + 1]),
      ).sort((a, b) => a - b);
      return d[100];
    };
    const distances = batch.loops.slice(0, -1).map((loop) => median(loop.xTilde));
    for (let k = 1; k < distances.length; k++) expect(distances[k]).toBeLessThan(distances[k - 1]);
  });
});
