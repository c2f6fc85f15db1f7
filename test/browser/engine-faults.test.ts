/**
 * Faults (issue 16) at the engine: a run is computed again from its start and recipe (what a fresh
 * worker does after a crash), and a lost WebGPU device (device.destroy(), SwiftShader here) moves
 * the run to WASM by the same replay. The engine runs on this page's thread, so the test can reach
 * onnxruntime's device.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { ortWebGpuDevice } from '../../src/engine/backend';
import type { EngineEvent, EpPreference, FrameEvent, RunRecipe } from '../../src/engine/protocol';
import { startRequest, type StartRequest } from '../helpers/start-request';

const FIXTURES = new URL('/test/fixtures/', location.href).href;
const MODELS = new URL('/models/', location.href).href;

const engines: Engine[] = [];
afterAll(async () => {
  for (const engine of engines.splice(0)) await engine.dispose();
});

function engineOn(ep: EpPreference) {
  const events: EngineEvent[] = [];
  const waiters: { match: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }[] = [];
  const engine = new Engine((event) => {
    events.push(event);
    for (const w of waiters.filter((w) => w.match(event))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(event);
    }
    // Acknowledge frames as the page does, so a playing run is never held back.
    if (event.type === 'frame') void engine.frameAck(event.runId, event.i);
  });
  engines.push(engine);
  void engine.init(ep);
  const next = (match: (e: EngineEvent) => boolean): Promise<EngineEvent> => {
    const seen = events.find(match);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
  };
  const frames = (runId: number) =>
    events.filter((e): e is FrameEvent => e.type === 'frame' && e.runId === runId && !e.requested);
  const lastFrame = (runId: number) => frames(runId).at(-1)!;
  const recipe = (runId: number) =>
    (
      events.filter((e) => e.type === 'recipe' && e.runId === runId).at(-1) as
        { recipe: RunRecipe } | undefined
    )?.recipe ?? { changes: [], marks: [], origin: null };
  return { engine, events, next, frames, lastFrame, recipe };
}

const maxDifference = (a: Float32Array, b: Float32Array): number => {
  expect(a.length).toBe(b.length);
  let most = 0;
  for (let k = 0; k < a.length; k++) most = Math.max(most, Math.abs(a[k] - b[k]));
  return most;
};

describe('faults: replaying a run', () => {
  it('a run started again with its recipe reaches the same state, branch and live changes included', async () => {
    const c = engineOn('wasm');
    await c.engine.loadModel('ring8', MODELS);
    const start: StartRequest = startRequest(1, {
      model: 'ring8',
      classLabel: null,
      batch: 32,
      steps: 20,
      sampler: 'euler_maruyama',
      autoplay: false,
    });
    await c.engine.start(start);
    for (let k = 0; k < 5; k++) await c.engine.stepOnce(1);
    await c.engine.setSampler(1, 'ode_heun', {});
    for (let k = 0; k < 3; k++) await c.engine.stepOnce(1);
    // Rewind to step 6 (under Heun), change the SDE there and branch: steps 7 and 8 are new.
    await c.engine.seek(1, 6);
    await c.engine.setSde(1, { kind: 've' });
    await c.engine.setSampler(1, 'euler_maruyama', {});
    await c.engine.setSampler(1, 'pc', { snr: 0.16, n: 1 });
    for (let k = 0; k < 2; k++) await c.engine.stepOnce(1);
    const original = c.lastFrame(1);
    expect(original.i).toBe(8);
    const recipe = c.recipe(1);
    // The two sampler changes with no step between them are one.
    expect(recipe.changes.map((ch) => ch.kind)).toEqual(['sampler', 'sde', 'sampler']);
    for (let k = 0; k < 3; k++) await c.engine.stepOnce(1);
    const originalOn = c.lastFrame(1);
    expect(c.recipe(1)).toEqual(recipe);

    await c.engine.start({ ...start, runId: 2, replay: { to: 8, recipe } });
    const replayed = c.lastFrame(2);
    expect(replayed.i).toBe(8);
    expect(Array.from(replayed.x)).toEqual(Array.from(original.x));
    expect(Array.from(replayed.denoised)).toEqual(Array.from(original.denoised));
    // The replayed run goes on as the original does, with its settings at the end (pc on VE).
    const go = async (runId: number) => {
      await c.engine.start({ ...start, runId, replay: { to: 8, recipe } });
      for (let k = 0; k < 3; k++) await c.engine.stepOnce(runId);
      return c.lastFrame(runId);
    };
    const a = await go(5);
    expect(a.i).toBe(11);
    expect(a.trace?.samplerId).toBe('pc');
    expect(Array.from(a.x)).toEqual(Array.from(originalOn.x));
  });
});

describe('faults: a lost WebGPU device', () => {
  it('moves the run to WASM, replayed from step 0 to the step it reached, and says so', async () => {
    const gpu = engineOn('webgpu');
    await gpu.engine.loadModel('tiny', FIXTURES);
    expect(gpu.events.find((e) => e.type === 'backend')).toMatchObject({ ep: 'webgpu' });
    const start = startRequest(1, {
      steps: 40,
      sampler: 'euler_maruyama',
      autoplay: false,
      stepsPerSecond: 60,
    });
    await gpu.engine.start(start);
    for (let k = 0; k < 3; k++) await gpu.engine.stepOnce(1);
    await gpu.engine.setSampler(1, 'ode_heun', {});
    expect(gpu.lastFrame(1).onGpu).toBe(true);
    await gpu.engine.play(1);
    await gpu.next((e) => e.type === 'frame' && e.runId === 1 && e.i >= 8);
    (await ortWebGpuDevice()).destroy();
    const lost = (await gpu.next((e) => e.type === 'deviceLost')) as Extract<
      EngineEvent,
      { type: 'deviceLost' }
    >;
    expect(lost.unloaded).toEqual(['tiny']);
    expect(lost.replayed?.runId).toBe(1);
    const k = lost.replayed!.to;
    expect(k).toBeGreaterThanOrEqual(8);
    // The next frame is the replayed state at step k, on the CPU; then the run plays on to the end.
    const after = gpu.events.indexOf(lost);
    await gpu.next((e) => e.type === 'paused' && e.runId === 1 && e.reason === 'done');
    const replayed = gpu.events.slice(after).find((e): e is FrameEvent => e.type === 'frame')!;
    expect(replayed).toMatchObject({ runId: 1, i: k, onGpu: false });
    expect(gpu.events.slice(after).filter((e) => e.type === 'error')).toEqual([]);
    expect(gpu.lastFrame(1)).toMatchObject({ i: 40, done: true, onGpu: false });

    // The same run on WASM from the start, the same sampler change at step 3.
    const cpu = engineOn('wasm');
    await cpu.engine.loadModel('tiny', FIXTURES);
    await cpu.engine.start({ ...start, runId: 1 });
    for (let j = 0; j < 3; j++) await cpu.engine.stepOnce(1);
    await cpu.engine.setSampler(1, 'ode_heun', {});
    for (let j = 3; j < k; j++) await cpu.engine.stepOnce(1);
    const reference = cpu.lastFrame(1);
    expect(reference.i).toBe(k);
    expect(maxDifference(replayed.x, reference.x)).toBe(0);
    expect(maxDifference(replayed.denoised, reference.denoised)).toBe(0);
    // And the GPU frames before the loss agree with WASM to float rounding (as engine-worker's test).
    const gpuBefore = gpu.frames(1).find((f) => f.i === 5 && f.onGpu)!;
    const cpuAt5 = cpu.frames(1).find((f) => f.i === 5)!;
    expect(maxDifference(gpuBefore.denoised, cpuAt5.denoised)).toBeLessThan(1e-4);
  });
});
