/**
 * The engine worker's answers to what a lecture needs: a slow step that can be left (a stop or a
 * Cancel step between network calls, and no backlog of old steps), class and guidance changed
 * mid-run, and the score field of a learned 2D model. A bare worker (no page-side client), so
 * every event it sends is seen, stale runs' too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent, EngineRequest, FrameEvent } from '../../src/engine/protocol';

const FIXTURES = new URL('/test/fixtures/', location.href).href;
const MODELS = new URL('/models/', location.href).href;

function bareEngine() {
  const worker = new Worker(new URL('../../src/engine/worker.ts', import.meta.url), {
    type: 'module',
    name: 'engine',
  });
  const events: EngineEvent[] = [];
  const waiters: { match: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }[] = [];
  worker.onmessage = (message: MessageEvent<EngineEvent>) => {
    const event = message.data;
    events.push(event);
    if (event.type === 'frame') worker.postMessage({ type: 'frameAck', runId: event.runId, i: event.i });
    for (const w of waiters.filter((w) => w.match(event))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(event);
    }
  };
  const send = (request: EngineRequest): void => worker.postMessage(request);
  const next = (match: (e: EngineEvent) => boolean): Promise<EngineEvent> => {
    const seen = events.find(match);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
  };
  send({ type: 'init', ep: 'wasm' });
  return { worker, events, send, next };
}

const engines: ReturnType<typeof bareEngine>[] = [];
afterAll(() => engines.splice(0).forEach((e) => e.worker.terminate()));

async function engineWith(modelId: string, baseUrl: string) {
  const engine = bareEngine();
  engines.push(engine);
  engine.send({ type: 'loadModel', modelId, baseUrl });
  const ready = await engine.next((e) => (e.type === 'ready' || e.type === 'error') && e.modelId === modelId);
  expect(ready.type).toBe('ready');
  return engine;
}

function start(
  runId: number,
  overrides: Partial<Extract<EngineRequest, { type: 'start' }>> = {},
): EngineRequest {
  return {
    type: 'start',
    runId,
    autoplay: false,
    model: 'tiny',
    sampler: 'pc',
    params: { correctorSteps: 10 },
    sde: { kind: 'vp' },
    schedule: 'uniform',
    steps: 6,
    seed: 11,
    batch: 16,
    classLabel: 1,
    guidance: 3,
    denoiseFinal: false,
    stepsPerSecond: 0,
    ...overrides,
  };
}

const frameOf = (runId: number, i: number) => (e: EngineEvent) =>
  e.type === 'frame' && e.runId === runId && e.i === i && !e.requested;
const framesOf = (events: EngineEvent[], runId: number): FrameEvent[] =>
  events.filter((e): e is FrameEvent => e.type === 'frame' && e.runId === runId && !e.requested);

describe('a slow step can be left', () => {
  it('a new run stops the old one between network calls; its backlog of steps never runs', async () => {
    const engine = await engineWith('tiny', FIXTURES);
    engine.send(start(1));
    await engine.next(frameOf(1, 0));
    // The lecture's repro: → three times, then another run (a model switch) before they are done.
    for (let k = 0; k < 3; k++) engine.send({ type: 'step', runId: 1 });
    engine.send(start(2, { sampler: 'ode_euler', params: {} }));
    await engine.next(frameOf(2, 0));
    engine.send({ type: 'step', runId: 2 });
    await engine.next(frameOf(2, 1));
    // Everything queued before run 2's step has run by now: run 1 never moved.
    expect(framesOf(engine.events, 1).map((f) => f.i)).toEqual([0]);
  });

  it('a stop leaves the run at once; its queued steps never run', async () => {
    const engine = await engineWith('tiny', FIXTURES);
    engine.send(start(3));
    await engine.next(frameOf(3, 0));
    for (let k = 0; k < 3; k++) engine.send({ type: 'step', runId: 3 });
    engine.send({ type: 'stop', runId: 3 });
    engine.send(start(4, { sampler: 'ode_euler', params: {} }));
    engine.send({ type: 'step', runId: 4 });
    await engine.next(frameOf(4, 1));
    expect(framesOf(engine.events, 3).map((f) => f.i)).toEqual([0]);
  });

  it('Cancel step abandons the step in flight and the queued ones; the state is where it was', async () => {
    const engine = await engineWith('tiny', FIXTURES);
    engine.send(start(5));
    const first = (await engine.next(frameOf(5, 0))) as FrameEvent;
    for (let k = 0; k < 3; k++) engine.send({ type: 'step', runId: 5 });
    engine.send({ type: 'cancelStep', runId: 5 });
    const paused = await engine.next((e) => e.type === 'paused' && e.runId === 5);
    expect(paused).toMatchObject({ reason: 'cancelled', i: 0 });
    // The run goes on from step 0: its next step is the step 1 of an untouched run.
    engine.send({ type: 'step', runId: 5 });
    const stepped = (await engine.next(frameOf(5, 1))) as FrameEvent;
    expect(framesOf(engine.events, 5).map((f) => f.i)).toEqual([0, 1]);
    engine.send(start(6));
    await engine.next(frameOf(6, 0));
    engine.send({ type: 'step', runId: 6 });
    const reference = (await engine.next(frameOf(6, 1))) as FrameEvent;
    expect(Array.from(stepped.x)).toEqual(Array.from(reference.x));
    expect(first.i).toBe(0);
    // Each step says when it starts, so the page can tell a slow one.
    expect(engine.events.some((e) => e.type === 'stepStarted' && e.runId === 6 && e.i === 1)).toBe(true);
  });
});

describe('class and guidance mid-run', () => {
  it('continue the trajectory from the current state, as a branch from a rewind would', async () => {
    const engine = await engineWith('tiny', FIXTURES);
    const settings = { sampler: 'ode_euler', params: {}, classLabel: 0, guidance: 1 };
    const stepTo = async (runId: number, i: number) => {
      engine.send({ type: 'step', runId });
      return (await engine.next(frameOf(runId, i))) as FrameEvent;
    };
    // Live: three steps, then class 2 at w = 4, then to the end.
    engine.send(start(10, settings));
    await engine.next(frameOf(10, 0));
    for (let i = 1; i <= 3; i++) await stepTo(10, i);
    engine.send({ type: 'setConditioning', runId: 10, classLabel: 2, guidance: 4 });
    let live: FrameEvent | null = null;
    for (let i = 4; i <= 6; i++) live = await stepTo(10, i);
    // Branched: the whole run, back to step 3, the same change, to the end.
    engine.send(start(11, settings));
    await engine.next(frameOf(11, 0));
    for (let i = 1; i <= 6; i++) await stepTo(11, i);
    const unchanged = framesOf(engine.events, 11).at(-1) as FrameEvent;
    engine.send({ type: 'seek', runId: 11, k: 3 });
    await engine.next(
      (e) => e.type === 'frame' && e.runId === 11 && e.i === 3 && e !== framesOf(engine.events, 11)[3],
    );
    engine.send({ type: 'setConditioning', runId: 11, classLabel: 2, guidance: 4 });
    const before = engine.events.length;
    for (let i = 4; i <= 6; i++) {
      engine.send({ type: 'step', runId: 11 });
      await engine.next((e) => engine.events.indexOf(e) >= before && frameOf(11, i)(e));
    }
    const branched = engine.events.slice(before).filter((e): e is FrameEvent => frameOf(11, 6)(e))[0];
    expect(live?.i).toBe(6);
    expect(Array.from(live?.x ?? [])).toEqual(Array.from(branched.x));
    expect(Array.from(live?.x ?? [])).not.toEqual(Array.from(unchanged.x));
    expect(framesOf(engine.events, 10).map((f) => f.i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('score field of a learned 2D model', () => {
  it('answers one request with the score at every point, pointing back towards the data', async () => {
    const engine = await engineWith('toy_two_moons', MODELS);
    engine.send(start(20, { model: 'toy_two_moons', classLabel: null, sampler: 'ode_euler', params: {} }));
    await engine.next(frameOf(20, 0));
    const points = Float32Array.from([0, 0, 6, 6, -6, -6, 6, -6]);
    engine.send({ type: 'scoreField', runId: 20, sigma: 0.5, points });
    const answer = await engine.next((e) => e.type === 'scoreField' && e.runId === 20);
    if (answer.type !== 'scoreField') throw new Error('no score field');
    expect(answer.sigma).toBe(0.5);
    expect(Array.from(answer.points)).toEqual(Array.from(points));
    expect(answer.score).toHaveLength(8);
    expect(answer.score.every(Number.isFinite)).toBe(true);
    // Far outside the data (within [-3, 3]²) the score points back in: s·x < 0.
    for (let k = 1; k < 4; k++)
      expect(answer.score[2 * k] * points[2 * k] + answer.score[2 * k + 1] * points[2 * k + 1]).toBeLessThan(
        0,
      );
  });
});
