/**
 * Compare mode on the GPU (src/gpu/gpu-pane-gate.ts): panes whose vectors stay in GPU buffers share
 * network calls, the j-th call of a tick serving every pane's j-th evaluation, and each pane's
 * trajectory is bit for bit the one it takes alone on the GPU. The network is the ring of eight
 * Gaussians' exact x₀ as a class-conditional network (class k = component k, the null class = the
 * ring), evaluated row by row on the CPU from the buffers it is given.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PaneBatch, paneLoops, type PaneSpec, type Tick } from '../../src/core/pane-batch';
import { GpuNetworkDenoiser, type GpuNetworkFn } from '../../src/gpu/gpu-denoiser';
import { GpuField } from '../../src/gpu/gpu-field';
import { gpuNetworkGate } from '../../src/gpu/gpu-pane-gate';
import { exactRing, type ExactRing } from '../helpers/exact-ring';

const BATCH = 8;
const DIM = 2;
const classLabels = Array.from({ length: BATCH }, (_, k) => k % 8);

let devicePromise: Promise<GPUDevice> | undefined;
function device(): Promise<GPUDevice> {
  devicePromise ??= (async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) throw new Error('No WebGPU adapter: these tests need WebGPU (SwiftShader will do).');
    return adapter.requestDevice();
  })();
  return devicePromise;
}

const fields: GpuField[] = [];
async function field(): Promise<GpuField> {
  const f = new GpuField(await device(), BATCH, DIM);
  fields.push(f);
  return f;
}
afterEach(() => {
  for (const f of fields.splice(0)) f.destroy();
});

async function ring(): Promise<ExactRing> {
  return exactRing(await (await fetch(new URL('/models/ring8.json', location.href).href)).json());
}

/** The exact ring as a GPU network writing into `out`'s vectors; records the samples of each call. */
function exactNetwork(ring: ExactRing, out: GpuField) {
  const calls: number[] = [];
  const network: GpuNetworkFn = async (inputs, t, labels) => {
    calls.push(inputs.length * BATCH);
    const rows = await Promise.all(inputs.map((input) => out.read(input)));
    return Promise.all(
      rows.map(async (x, j) => {
        const label = (r: number) => (labels ? labels[j * BATCH + r] : ring.mixture.weights.length);
        return out.upload(await ring.x0(x, () => t, label, BATCH));
      }),
    );
  };
  return { network, calls };
}

/** Four panes on one grid: 1 and 2 evaluations per step, guided (doubled batch) or not. */
const panes: PaneSpec[] = [
  { samplerId: 'euler_maruyama', steps: 8, sde: { kind: 'vp' }, schedule: 'uniform' },
  { samplerId: 'ode_heun', steps: 8, sde: { kind: 'vp' }, schedule: 'uniform', guidance: 2 },
  { samplerId: 'ddim', steps: 8, sde: { kind: 'vp' }, schedule: 'uniform', guidance: 0 },
  { samplerId: 'pc', steps: 8, sde: { kind: 'vp' }, schedule: 'uniform', guidance: 1.5 },
];
const shared = { seed: 3, batch: BATCH, denoiseFinal: true };

describe('GPU panes sharing network calls', () => {
  it('make as many calls per tick as the largest NFE, each pane as it runs alone, bit for bit', async () => {
    const exact = await ring();
    const { card } = exact;
    const paneFields = await Promise.all(panes.map(() => field()));
    const networkField = await field();
    const { network, calls } = exactNetwork(exact, networkField);
    const { gate, forPane } = gpuNetworkGate(network, networkField, paneFields);
    const loops = paneLoops(
      { ...shared, panes },
      (p) => paneFields[p],
      (spec, p) =>
        new GpuNetworkDenoiser(paneFields[p], forPane(p), card, { classLabels, guidance: spec.guidance }),
    );
    const batch = new PaneBatch(loops, gate, 't');
    const ticks: Tick<GPUBuffer>[] = [];
    const states: Float32Array[][] = panes.map(() => []);
    while (!batch.done) {
      const before = calls.length;
      const tick = await batch.tick();
      ticks.push(tick);
      expect(tick.panes.map((pane) => pane.error)).toEqual(panes.map(() => undefined));
      const nfe = tick.panes.map((pane) => pane.reports.reduce((n, r) => n + r.nfe, 0));
      expect(calls.length - before).toBe(Math.max(...nfe));
      for (const [p, pane] of tick.panes.entries()) {
        for (const report of pane.reports) states[p].push(await paneFields[p].read(report.xTilde));
      }
    }
    const sum = loops.reduce((n, loop) => n + loop.nfeTotal, 0);
    expect(calls.length).toBeLessThan(sum);
    // The first call holds every pane's first evaluation: 8 + 16 (guided) + 8 (w = 0) + 16.
    expect(calls[0]).toBe(6 * BATCH);

    for (const [p, spec] of panes.entries()) {
      const own = await field();
      const ownNetwork = await field();
      const alone = exactNetwork(exact, ownNetwork);
      const { forPane: single } = gpuNetworkGate(alone.network, ownNetwork, [own]);
      const [loop] = paneLoops(
        { ...shared, panes: [spec] },
        () => own,
        () => new GpuNetworkDenoiser(own, single(0), card, { classLabels, guidance: spec.guidance }),
      );
      let i = 0;
      while (!loop.done) {
        const x = await own.read((await loop.step()).xTilde);
        expect(Array.from(x), `pane ${p + 1}, step ${i + 1}`).toEqual(Array.from(states[p][i]));
        i++;
      }
      expect(i).toBe(states[p].length);
    }
  });
});
