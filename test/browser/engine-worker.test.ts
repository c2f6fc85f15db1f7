/**
 * The real engine worker in Chromium: loads the tiny ONNX fixture on WASM and on WebGPU
 * (SwiftShader here), plays runs, and reports integrity failures — all through the typed client.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent, EpPreference, FrameEvent } from '../../src/engine/protocol';
import type { EngineClient } from '../../src/ui/engine-io/worker-client';
import { connectEngine } from '../helpers/engine-connection';
import { startRequest } from '../helpers/start-request';

const FIXTURES = new URL('/test/fixtures/', location.href).href;

const connect = connectEngine;

type Connection = ReturnType<typeof connect>;
const open: EngineClient[] = [];
afterAll(() => open.splice(0).forEach((c) => c.dispose()));
/** One worker per backend for the whole file: onnxruntime compiles its 28 MB .wasm once per worker. */
const shared = new Map<EpPreference, Connection>();

async function loadTiny(ep: EpPreference, modelId = 'tiny'): Promise<Connection> {
  const connection = shared.get(ep) ?? connect(ep);
  if (!shared.has(ep)) {
    shared.set(ep, connection);
    open.push(connection.client);
  }
  connection.client.send({ type: 'loadModel', modelId, baseUrl: FIXTURES });
  return connection;
}

/** The model finished loading, one way or the other. */
const settled = (modelId: string) => (e: EngineEvent) =>
  (e.type === 'ready' || e.type === 'error') && e.modelId === modelId;

const isFrame =
  (runId: number) =>
  (e: EngineEvent): e is FrameEvent =>
    e.type === 'frame' && e.runId === runId;

/** Reports ms per step (a measurement for the record, not an assertion). */
function logTimings(label: string, frames: FrameEvent[]): void {
  const steps = frames.slice(1);
  const mean = (f: (e: FrameEvent) => number) => steps.reduce((s, e) => s + f(e), 0) / steps.length;
  const model = mean((e) => e.timings.modelMs).toFixed(2);
  const other = mean((e) => e.timings.otherMs).toFixed(2);
  console.info(`tiny model, batch 2, ${label}: ${model} ms/step in the network + ${other} ms other`);
}

async function playToEnd(c: Connection, runId: number): Promise<FrameEvent[]> {
  c.client.send(startRequest(runId));
  await c.next((e) => e.type === 'paused' && e.runId === runId);
  return c.events.filter(isFrame(runId));
}

describe('engine worker', () => {
  it('loads the tiny model on WASM and plays a run to the end', async () => {
    const c = await loadTiny('wasm');
    const ready = await c.next(settled('tiny'));
    expect(ready).toMatchObject({ type: 'ready', modelId: 'tiny', model: { shape: [1, 8, 8] } });
    expect(c.events.find((e) => e.type === 'backend')).toMatchObject({ ep: 'wasm' });
    const progress = c.events.filter((e) => e.type === 'progress' && e.modelId === 'tiny');
    expect(progress.at(-1)).toMatchObject({ loaded: 1119, total: 1119 });

    const frames = await playToEnd(c, 1);
    expect(frames.map((f) => f.i)).toEqual([0, 1, 2, 3, 4]);
    expect(frames.at(-1)?.done).toBe(true);
    for (const f of frames) {
      expect(f.x.length).toBe(2 * 64);
      expect(f.denoised.length).toBe(2 * 64);
      expect(f.x.every(Number.isFinite)).toBe(true);
    }
    // Probability-flow Euler: one network evaluation per step.
    expect(frames.slice(1).map((f) => f.nfeTotal)).toEqual([1, 2, 3, 4]);
    expect(frames.at(-1)?.sigma).toBeLessThan(frames[0].sigma);
  });

  it('gives the same denoiser output on WebGPU as on WASM (within 1e-4)', async () => {
    const wasm = await loadTiny('wasm');
    const gpu = await loadTiny('webgpu');
    await wasm.next(settled('tiny'));
    const gpuReady = await gpu.next(settled('tiny'));
    expect(gpuReady.type).toBe('ready');
    expect(gpu.events.find((e) => e.type === 'backend')).toMatchObject({ ep: 'webgpu' });
    const a = await playToEnd(wasm, 2);
    const b = await playToEnd(gpu, 2);
    logTimings('WASM', a);
    logTimings('WebGPU (SwiftShader here)', b);
    expect(b).toHaveLength(a.length);
    let maxDiff = 0;
    for (let k = 1; k < a.length; k++) {
      for (let e = 0; e < a[k].denoised.length; e++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[k].denoised[e] - b[k].denoised[e]));
      }
    }
    expect(maxDiff).toBeLessThan(1e-4);
    // Same seed, same initial noise on both devices: the GPU-resident path draws the prior with the
    // WGSL port of core/rng's Philox + Box–Muller, equal to float32 rounding.
    expect(b[0].onGpu).toBe(true);
    for (let e = 0; e < a[0].x.length; e++) expect(Math.abs(b[0].x[e] - a[0].x[e])).toBeLessThan(1e-6);
  });

  it('ignores requests about a stale run', async () => {
    const c = await loadTiny('wasm');
    await c.next(settled('tiny'));
    c.client.send(startRequest(3, { autoplay: false }));
    await c.next(isFrame(3));
    c.client.send(startRequest(4, { autoplay: false }));
    await c.next(isFrame(4));
    // The worker must not step run 1 any more; the step for run 2 proves the queue moved on.
    c.client.send({ type: 'step', runId: 3 });
    c.client.send({ type: 'step', runId: 4 });
    await c.next((e) => isFrame(4)(e) && e.i === 1);
    expect(c.events.filter(isFrame(3)).map((f) => f.i)).toEqual([0]);
  });

  it('seeks back to a step and replays it identically', async () => {
    const c = await loadTiny('wasm');
    await c.next(settled('tiny'));
    const frames = await playToEnd(c, 5);
    c.client.send({ type: 'seek', runId: 5, k: 2 });
    const seek = (await c.next((e) => isFrame(5)(e) && e.i === 2 && e !== frames[2])) as FrameEvent;
    expect(Array.from(seek.x)).toEqual(Array.from(frames[2].x));
    c.client.send({ type: 'step', runId: 5 });
    const replay = (await c.next((e) => isFrame(5)(e) && e.i === 3 && e !== frames[3])) as FrameEvent;
    expect(Array.from(replay.x)).toEqual(Array.from(frames[3].x));
  });

  it('plays an analytic mixture card without onnxruntime', async () => {
    const c = connect('auto');
    open.push(c.client);
    c.client.send({ type: 'loadModel', modelId: 'ring8', baseUrl: new URL('/models/', location.href).href });
    const ready = await c.next((e) => e.type === 'ready' || e.type === 'error');
    expect(ready).toMatchObject({ type: 'ready', model: { analytic: true, shape: [2] } });
    c.client.send(startRequest(7, { model: 'ring8', classLabel: null, batch: 64, steps: 10 }));
    await c.next((e) => e.type === 'paused' && e.runId === 7);
    const frames = c.events.filter(isFrame(7));
    expect(frames.map((f) => f.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(frames.at(-1)?.x.length).toBe(128);
  });

  it('pauses a run whose step turns non-finite, naming the step, and stays at the last good step', async () => {
    const c = await loadTiny('wasm', 'tiny-inf');
    await c.next(settled('tiny-inf'));
    c.client.send(startRequest(6, { model: 'tiny-inf' }));
    const paused = await c.next((e) => e.type === 'paused' && e.runId === 6);
    expect(paused).toMatchObject({ reason: 'nonfinite', i: 0 });
    const error = c.events.find((e) => e.type === 'error' && e.runId === 6);
    expect(error).toMatchObject({ scope: 'run', runId: 6, recoverable: true });
    expect((error as { message: string }).message).toMatch(/^Step 1 .*NaN or infinite/);
    expect(c.events.filter(isFrame(6)).map((f) => f.i)).toEqual([0]);
  });

  it('reports a SHA-256 mismatch as a model error naming the model', async () => {
    const c = await loadTiny('wasm', 'tiny-badsha');
    const error = await c.next(settled('tiny-badsha'));
    expect(error).toMatchObject({ type: 'error', scope: 'model', modelId: 'tiny-badsha' });
    const message = (error as { message: string }).message;
    expect(message).toContain('tiny-badsha');
    expect(message).toContain('SHA-256');
  });

  it('reports a missing model as a model error saying the file is missing', async () => {
    const c = await loadTiny('wasm', 'no-such-model');
    const error = await c.next(settled('no-such-model'));
    expect(error).toMatchObject({ type: 'error', scope: 'model', modelId: 'no-such-model' });
    // Vite's dev server answers a missing file with its index page, real hosts with HTTP 404.
    expect((error as { message: string }).message).toMatch(
      /no-such-model\.json (is missing|answered HTTP 404)/,
    );
  });
});
