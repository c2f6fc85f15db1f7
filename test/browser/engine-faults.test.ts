/**
 * Faults (issue 16) at the engine: a run is computed again from its start and recipe (what a fresh
 * worker does after a crash), from step 0 or from a frame's resume data, and a lost WebGPU device
 * (device.destroy(), SwiftShader here) stops the run so the page can compute it again on WASM from
 * the last frame it holds. The engine runs on this page's thread, so the test can reach
 * onnxruntime's device.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { ortWebGpuDevice } from '../../src/engine/backend';
import {
  resumePointOf,
  type EngineEvent,
  type EpPreference,
  type FrameEvent,
  type FrameResume,
  type RunRecipe,
} from '../../src/engine/protocol';
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

/** An engine on WASM with ring8 loaded and run 1 started: 20 Euler–Maruyama steps of 32 points. */
async function ring8Run() {
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
  return { c, start };
}

describe('faults: replaying a run', () => {
  it('a run started again with its recipe reaches the same state, branch and live changes included', async () => {
    const { c, start } = await ring8Run();
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

  it('from a frame the page holds: the same steps to the bit, a rewind before it still works, a bad one falls back', async () => {
    const { c, start } = await ring8Run();
    for (let k = 0; k < 4; k++) await c.engine.stepOnce(1);
    await c.engine.setSampler(1, 'dpmpp_2m', {});
    for (let k = 0; k < 4; k++) await c.engine.stepOnce(1);
    await c.engine.setSde(1, { kind: 've' });
    for (let k = 0; k < 4; k++) await c.engine.stepOnce(1);
    const frames = c.frames(1);
    const at = (i: number) => frames.filter((f) => f.i === i).at(-1)!;
    expect(at(12).resume).toBeDefined();
    const recipe = c.recipe(1);
    const from = (i: number) => resumePointOf({ ...at(i), resume: at(i).resume as FrameResume });

    // From step 6 (DPM-Solver++ reads step 5's x̂₀ from the history) to 12, across the SDE change.
    await c.engine.start({ ...start, runId: 2, replay: { to: 12, recipe, from: from(6) } });
    const resumed = c.lastFrame(2);
    expect(resumed).toMatchObject({ i: 12, replayedFrom: 6 });
    expect(Array.from(resumed.x), 'resumed at 6, step 12').toEqual(Array.from(at(12).x));
    expect(c.recipe(2)).toEqual(recipe);
    // Steps 7–12 were computed (six network calls): the NFE count goes on from the frame's.
    expect(resumed.nfeTotal).toBe(at(12).nfeTotal);
    // A rewind to step 2, before the resume point: the run is computed again from step 0. It shows
    // x = s·x̃ under the SDE in force now, VE, whose s is 1: the original's x̃ at step 2.
    await c.engine.seek(2, 2);
    expect(Array.from(c.lastFrame(2).x), 'rewound to 2').toEqual(Array.from(at(2).resume!.xTilde));
    await c.engine.seek(2, 12);
    expect(Array.from(c.lastFrame(2).x), 'forward to 12').toEqual(Array.from(at(12).x));

    // A resume point this run cannot take (another batch's arrays): from step 0, and it says so.
    const bad = { ...from(6), xTilde: new Float32Array(10) };
    await c.engine.start({ ...start, runId: 3, replay: { to: 12, recipe, from: bad } });
    expect(c.lastFrame(3)).toMatchObject({ i: 12, replayedFrom: 0 });
    expect(Array.from(c.lastFrame(3).x), 'from step 0').toEqual(Array.from(at(12).x));
    expect(c.events.filter((e) => e.type === 'error')).toEqual([]);
  });
});

describe('faults: a lost WebGPU device', () => {
  it('stops the run and says which; computed again on WASM from the last GPU frame, it matches WASM to float rounding', async () => {
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
    expect(lost.lostRun).toBe(1);
    // What the page does: the last frame it holds with resume data, read back from GPU buffers.
    const held = gpu
      .frames(1)
      .filter((f) => f.onGpu && f.resume !== undefined)
      .at(-1)!;
    const k = held.i;
    expect(k).toBeGreaterThanOrEqual(8);
    await gpu.engine.loadModel('tiny', FIXTURES);
    expect(gpu.events.filter((e) => e.type === 'backend').at(-1)).toMatchObject({ ep: 'wasm' });
    const from = resumePointOf({ ...held, resume: held.resume! });
    await gpu.engine.start({
      ...start,
      runId: 2,
      autoplay: true,
      replay: { to: k, recipe: gpu.recipe(1), from },
    });
    await gpu.next((e) => e.type === 'paused' && e.runId === 2 && e.reason === 'done');
    const replayed = gpu.frames(2)[0];
    expect(replayed).toMatchObject({ i: k, onGpu: false, replayedFrom: k });
    expect(gpu.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(gpu.lastFrame(2)).toMatchObject({ i: 40, done: true, onGpu: false });

    // The same run on WASM from the start, the same sampler change at step 3.
    const cpu = engineOn('wasm');
    await cpu.engine.loadModel('tiny', FIXTURES);
    await cpu.engine.start({ ...start, runId: 1 });
    for (let j = 0; j < 3; j++) await cpu.engine.stepOnce(1);
    await cpu.engine.setSampler(1, 'ode_heun', {});
    for (let j = 3; j < 40; j++) await cpu.engine.stepOnce(1);
    const reference = cpu.frames(1);
    // The frame the run went on from is the GPU's, so the rest agrees to float rounding.
    expect(maxDifference(replayed.x, reference[k].x)).toBeLessThan(1e-4);
    expect(maxDifference(gpu.lastFrame(2).x, reference[40].x)).toBeLessThan(1e-3);
    expect(gpu.lastFrame(2).nfeTotal).toBe(reference[40].nfeTotal);
  });
});
