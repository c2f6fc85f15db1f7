/**
 * Controllable generation through the real engine worker (issue 13), on the tiny ONNX fixture:
 * inpainting keeps the known values exactly on WASM and on the GPU-resident path, SDEdit starts at
 * σ(t₀) and takes the grid's points below it, and a tool job reports progress, answers, and stops
 * on Cancel.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeSde } from '../../src/core/sde';
import { sigmaGrid } from '../../src/core/grids';
import { asTime } from '../../src/core/types';
import type { EngineEvent, EpPreference, FrameEvent, RunStart } from '../../src/engine/protocol';
import type { EngineClient } from '../../src/ui/engine-io/worker-client';
import { connectEngine } from '../helpers/engine-connection';
import { startRequest } from '../helpers/start-request';

const FIXTURES = new URL('/test/fixtures/', location.href).href;
const MODELS = new URL('/models/', location.href).href;
const open: EngineClient[] = [];
afterAll(() => open.splice(0).forEach((c) => c.dispose()));

async function ready(ep: EpPreference) {
  const c = connectEngine(ep);
  open.push(c.client);
  c.client.send({ type: 'loadModel', modelId: 'tiny', baseUrl: FIXTURES });
  const event = await c.next((e) => (e.type === 'ready' || e.type === 'error') && e.modelId === 'tiny');
  expect(event.type).toBe('ready');
  return c;
}

const frames = (events: EngineEvent[], runId: number) =>
  events.filter((e): e is FrameEvent => e.type === 'frame' && e.runId === runId);

const dim = 64;
const batch = 2;
const known = Float32Array.from({ length: batch * dim }, (_, e) => Math.sin(e) * 0.8);
// The top half of every image known.
const mask = Float32Array.from({ length: batch * dim }, (_, e) => (e % dim < dim / 2 ? 1 : 0));
const inpaint: RunStart = { kind: 'data', data: known, t0: null, mask, resample: 1 };

describe('controllable generation in the engine', () => {
  for (const ep of ['wasm', 'webgpu'] as const) {
    it(`inpainting keeps every known value exactly (${ep})`, async () => {
      const c = await ready(ep);
      c.client.send(
        startRequest(1, { sampler: 'euler_maruyama', steps: 6, denoiseFinal: true, from: inpaint }),
      );
      await c.next((e) => e.type === 'paused' && e.runId === 1);
      const last = frames(c.events, 1).at(-1);
      expect(last?.done).toBe(true);
      expect(last?.i).toBe(7);
      if (ep === 'webgpu') expect(last?.onGpu).toBe(true);
      const x = last?.x ?? new Float32Array(0);
      expect(x.length).toBe(batch * dim);
      x.forEach((v, e) => {
        if (mask[e] === 1) expect(v).toBe(known[e]);
        else expect(Number.isFinite(v)).toBe(true);
      });
      // The generated half is not a copy of the data.
      expect(x[dim - 1]).not.toBe(known[dim - 1]);
      // Resampling once: every step costs two sampler steps.
      expect(last?.info.resamplePasses ?? 2).toBe(2);
    });
  }

  // The GPU-resident path against the CPU path with the same WebGPU network (RunSettings.residency):
  // the blend, the observation path's Brownian noise and the RePaint passes in WGSL against core's
  // CPU field, within the GPU-vs-CPU tolerance of test/gpu/resident-path.test.ts.
  it('inpainting and SDEdit on the GPU-resident path equal the CPU path within 1e-4', async () => {
    const c = await ready('webgpu');
    const starts: RunStart[] = [inpaint, { kind: 'data', data: known, t0: 0.6, mask, resample: 1 }];
    let runId = 10;
    for (const from of starts) {
      const results: FrameEvent[] = [];
      for (const residency of ['gpu', 'cpu'] as const) {
        runId += 1;
        c.client.send(
          startRequest(runId, { sampler: 'euler_maruyama', steps: 6, denoiseFinal: true, from, residency }),
        );
        await c.next((e) => e.type === 'paused' && e.runId === runId);
        const last = frames(c.events, runId).at(-1);
        expect(last?.done).toBe(true);
        expect(last?.onGpu).toBe(residency === 'gpu');
        results.push(last!);
      }
      const [gpu, cpu] = results;
      let maxDiff = 0;
      gpu.x.forEach((v, e) => {
        maxDiff = Math.max(maxDiff, Math.abs(v - cpu.x[e]));
        if (mask[e] === 1) expect(v).toBe(known[e]);
      });
      expect(maxDiff).toBeLessThanOrEqual(1e-4);
    }
  });

  it("SDEdit's strip runs GPU-resident beside a GPU-resident run, equal to the CPU path within 1e-4", async () => {
    const c = await ready('webgpu');
    const strips: Float32Array[] = [];
    for (const [k, residency] of (['gpu', 'cpu'] as const).entries()) {
      const runId = 30 + k;
      c.client.send(startRequest(runId, { sampler: 'euler_maruyama', steps: 6, residency }));
      await c.next((e) => e.type === 'frame' && e.runId === runId);
      const job = { kind: 'sdeditStrip' as const, data: known.slice(0, dim), t0s: [0.3, 0.7] };
      c.client.send({ type: 'toolJob', runId, jobId: 30 + k, job });
      const done = await c.next((e) => e.type === 'toolDone' && e.jobId === 30 + k);
      expect(done).toMatchObject({
        error: null,
        result: { kind: 'sdeditStrip', onGpu: residency === 'gpu' },
      });
      strips.push((done as { result: { images: Float32Array } }).result.images);
    }
    const [gpu, cpu] = strips;
    expect(gpu.length).toBe(2 * dim);
    expect(gpu.every(Number.isFinite)).toBe(true);
    let maxDiff = 0;
    gpu.forEach((v, e) => (maxDiff = Math.max(maxDiff, Math.abs(v - cpu[e]))));
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
  });

  // Encode/decode, interpolation, the likelihood and the 2D flow map beside a GPU-resident run run on
  // GPU buffers of their own; beside a CPU-path run on the CPU. The adaptive solver may take other
  // steps on the two paths (float32 rounding differs), so they agree to its tolerance, not to 1e-6.
  // A loose tolerance keeps SwiftShader's slow network calls few (the page's default is 1e-4).
  const tolerance = 1e-3;
  it('encode/decode, interpolation and the likelihood run GPU-resident beside a GPU-resident run', async () => {
    const c = await ready('webgpu');
    const jobs = [
      { kind: 'roundTrip' as const, data: known, tolerance },
      { kind: 'likelihood' as const, data: known, probes: 2, tolerance },
      {
        kind: 'interpolate' as const,
        from: { data: known.slice(0, dim) },
        to: { data: known.slice(dim) },
        frames: 4,
        tolerance,
      },
    ];
    const results: Record<string, Record<string, unknown>>[] = [];
    for (const [k, residency] of (['gpu', 'cpu'] as const).entries()) {
      const runId = 40 + k;
      c.client.send(startRequest(runId, { sampler: 'euler_maruyama', steps: 6, residency }));
      await c.next((e) => e.type === 'frame' && e.runId === runId);
      const byKind: Record<string, Record<string, unknown>> = {};
      for (const [j, job] of jobs.entries()) {
        const jobId = 40 + 10 * k + j;
        c.client.send({ type: 'toolJob', runId, jobId, job });
        const done = await c.next((e) => e.type === 'toolDone' && e.jobId === jobId);
        expect(done).toMatchObject({ error: null, result: { kind: job.kind, onGpu: residency === 'gpu' } });
        byKind[job.kind] = (done as { result: Record<string, unknown> }).result;
      }
      results.push(byKind);
    }
    const [gpu, cpu] = results;
    const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Math.max(...Array.from(a, (v, e) => Math.abs(v - b[e])));
    const trip = (r: Record<string, unknown>) =>
      r as { latent: Float32Array; decoded: Float32Array; maxError: number };
    // The tiny network is random, so its round trip is only as good as its flow's conditioning:
    // the two paths must agree, not reach a bound of their own.
    expect(Math.abs(trip(gpu.roundTrip).maxError - trip(cpu.roundTrip).maxError)).toBeLessThan(1e-2);
    expect(maxDiff(trip(gpu.roundTrip).latent, trip(cpu.roundTrip).latent)).toBeLessThan(1e-2);
    expect(maxDiff(trip(gpu.roundTrip).decoded, trip(cpu.roundTrip).decoded)).toBeLessThan(1e-2);
    const nll = (r: Record<string, unknown>) => (r as { nll: number[] }).nll;
    expect(nll(gpu.likelihood).every(Number.isFinite)).toBe(true);
    expect(maxDiff(nll(gpu.likelihood), nll(cpu.likelihood))).toBeLessThan(0.05);
    const strip = (r: Record<string, unknown>) => r as { images: Float32Array; endError: number };
    expect(strip(gpu.interpolate).images).toHaveLength(4 * dim);
    expect(Number.isFinite(strip(gpu.interpolate).endError)).toBe(true);
    expect(maxDiff(strip(gpu.interpolate).images, strip(cpu.interpolate).images)).toBeLessThan(1e-2);
  });

  // On SwiftShader a GPU-resident solve of the learned toy costs about 0.1 s per network call, so
  // the grid is the smallest there is and the tolerance loose: this checks where the jobs run and
  // what they return; the arithmetic on GPU buffers is checked in test/gpu/controllable.test.ts.
  it("a 2D model's flow map and log-density map run GPU-resident beside a GPU-resident run", async () => {
    const loose = 0.1;
    const c = connectEngine('webgpu');
    open.push(c.client);
    c.client.send({ type: 'loadModel', modelId: 'toy_two_moons', baseUrl: MODELS });
    const ready2d = await c.next(
      (e) => (e.type === 'ready' || e.type === 'error') && e.modelId === 'toy_two_moons',
    );
    expect(ready2d.type).toBe('ready');
    const model = {
      model: 'toy_two_moons',
      classLabel: null,
      sampler: 'euler_maruyama',
      params: {},
      steps: 6,
    };
    const points = Float32Array.from([0.5, 0.25, -0.8, 0.6]);
    const results: { flow: Record<string, unknown>; map: Record<string, unknown> }[] = [];
    // (Its accuracy at a loose tolerance is not the point here.)
    for (const [k, residency] of (['gpu', 'cpu'] as const).entries()) {
      const runId = 60 + k;
      c.client.send(startRequest(runId, { ...model, residency }));
      await c.next((e) => e.type === 'frame' && e.runId === runId);
      const flowJob = { kind: 'flowMap' as const, lines: 2, perLine: 3, points, tolerance: loose };
      c.client.send({ type: 'toolJob', runId, jobId: 60 + 2 * k, job: flowJob });
      const flow = await c.next((e) => e.type === 'toolDone' && e.jobId === 60 + 2 * k);
      expect(flow).toMatchObject({
        error: null,
        result: { kind: 'flowMap', lines: 2, perLine: 3, extra: 2, onGpu: residency === 'gpu' },
      });
      const mapJob = { kind: 'likelihoodMap' as const, cells: 2, probes: 1, tolerance: loose };
      c.client.send({ type: 'toolJob', runId, jobId: 61 + 2 * k, job: mapJob });
      const map = await c.next((e) => e.type === 'toolDone' && e.jobId === 61 + 2 * k);
      expect(map).toMatchObject({
        error: null,
        result: { kind: 'likelihoodMap', onGpu: residency === 'gpu' },
      });
      results.push({
        flow: (flow as { result: Record<string, unknown> }).result,
        map: (map as { result: Record<string, unknown> }).result,
      });
    }
    const [gpu, cpu] = results;
    const grid = gpu.flow.grid as Float32Array;
    expect(grid).toHaveLength(2 * 2 * 3 * 2 + 4);
    expect(Array.from(grid.subarray(grid.length - 4))).toEqual(Array.from(points));
    for (const r of [gpu.flow, cpu.flow]) {
      expect((r.latent as Float32Array).every(Number.isFinite)).toBe(true);
      expect((r.decoded as Float32Array).every(Number.isFinite)).toBe(true);
    }
    const logp = [gpu.map.logp, cpu.map.logp] as number[][];
    expect(logp[0]).toHaveLength(4);
    expect(logp.flat().every(Number.isFinite)).toBe(true);
  });

  it('SDEdit starts at σ(t₀) and takes the grid points below it', async () => {
    const c = await ready('wasm');
    const steps = 10;
    const from: RunStart = { kind: 'data', data: known, t0: 0.5, mask: null, resample: 0 };
    c.client.send(startRequest(2, { steps, from }));
    await c.next((e) => e.type === 'paused' && e.runId === 2);
    const run = frames(c.events, 2);
    const sde = makeSde({ kind: 'vp', betaMin: 0.1, betaMax: 20 });
    const start = sde.sigma(asTime(0.5));
    const below = sigmaGrid(sde, 'uniform', steps).filter((s) => s < start);
    expect(run[0].sigma).toBeCloseTo(start, 5);
    expect(run.map((f) => f.i)).toEqual(Array.from({ length: below.length + 1 }, (_, k) => k));
    expect(run.at(-1)?.steps).toBe(below.length);
    expect(run.at(-1)?.x.every(Number.isFinite)).toBe(true);
  });

  it('a malformed start is reported as a run error naming what to do', async () => {
    const c = await ready('wasm');
    const from: RunStart = { kind: 'data', data: new Float32Array(5), t0: 0.5, mask: null, resample: 0 };
    c.client.send(startRequest(3, { from }));
    const error = await c.next((e) => e.type === 'error');
    expect(error).toMatchObject({ scope: 'run' });
    expect((error as { message: string }).message).toMatch(/5 values.*draw or upload it again/);
  });

  it('a tool job reports progress and its result, and Cancel stops one', async () => {
    const c = await ready('wasm');
    c.client.send(startRequest(4, { autoplay: false }));
    await c.next((e) => e.type === 'frame' && e.runId === 4);
    const data = known.slice(0, dim);
    c.client.send({ type: 'toolJob', runId: 4, jobId: 1, job: { kind: 'roundTrip', data } });
    const done = await c.next((e) => e.type === 'toolDone' && e.jobId === 1);
    const progress = c.events.filter((e) => e.type === 'toolProgress' && e.jobId === 1);
    expect(progress.length).toBeGreaterThan(2);
    expect(done).toMatchObject({ cancelled: false, error: null, result: { kind: 'roundTrip' } });
    const result = (done as { result: { rmse: number; nfeEncode: number; nfeDecode: number } }).result;
    expect(result.nfeEncode).toBeGreaterThan(0);
    expect(result.nfeDecode).toBeGreaterThan(0);
    expect(result.rmse).toBeLessThan(0.05);

    const since = c.events.length;
    c.client.send({ type: 'toolJob', runId: 4, jobId: 2, job: { kind: 'likelihood', data, probes: 2 } });
    await c.next((e) => e.type === 'toolProgress' && e.jobId === 2, since);
    c.client.send({ type: 'cancelToolJob', jobId: 2 });
    const cancelled = await c.next((e) => e.type === 'toolDone' && e.jobId === 2, since);
    expect(cancelled).toMatchObject({ cancelled: true, result: null, error: null });
  });
});
