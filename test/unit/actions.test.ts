import { describe, expect, it } from 'vitest';
import type { EngineRequest, FrameEvent, ModelSummary } from '../../src/engine/protocol';
import type { Params } from '../../src/core/types';
import { createActions } from '../../src/ui/actions';
import { createAppStore } from '../../src/ui/store';
import { defaultSettings } from '../../src/ui/settings';
import { wasmNote } from '../../src/ui/components/Banners';

const toy: ModelSummary = {
  id: 'toy',
  title: 'Toy',
  task: 'points',
  shape: [2],
  range: [-1, 1],
  classes: [],
  analytic: true,
};
const digits: ModelSummary = {
  id: 'digits',
  title: 'Digits',
  task: 'image',
  shape: [1, 4, 4],
  range: [-1, 1],
  classes: ['0', '1'],
  analytic: false,
};

function setup() {
  const store = createAppStore({
    ...defaultSettings,
    modelId: 'toy',
    samplerId: 'pc',
    classLabel: 1,
    guidance: 3.5,
  });
  const sent: EngineRequest[] = [];
  let runIds = 0;
  let clock = 0;
  const actions = createActions(store, {
    send: (r) => sent.push(r),
    nextRunId: () => ++runIds,
    samplerParams: (id, stored): Params => ({ ...(id === 'pc' ? { snr: 0.16, n: 1 } : {}), ...stored }),
    modelsUrl: 'http://x/sub/models/',
    now: () => (clock += 100),
  });
  const frame = (i: number, runId = store.getState().run.runId ?? 0, done = false): FrameEvent => ({
    type: 'frame',
    onGpu: false,
    runId,
    i,
    steps: 10,
    t: 1 - i / 10,
    sigma: 10 - i,
    nfe: 1,
    nfeTotal: i,
    x: new Float32Array([i, i]),
    denoised: new Float32Array([0, 0]),
    batch: 1,
    shape: [2],
    timings: { modelMs: 1, otherMs: 0.5 },
    info: {},
    done,
  });
  const types = () => sent.map((r) => r.type);
  return { store, sent, actions, frame, types };
}

/** Boots, loads the toy model and returns with a paused run at step 0. */
function booted() {
  const s = setup();
  s.actions.boot();
  s.actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
  s.actions.handleEvent(s.frame(0));
  return s;
}

describe('store actions', () => {
  it('boot sends init and loadModel, then starts a paused run with every setting when the model is ready', () => {
    const { sent, actions, store } = setup();
    actions.boot();
    expect(sent).toEqual([
      { type: 'init', ep: 'auto' },
      { type: 'loadModel', modelId: 'toy', baseUrl: 'http://x/sub/models/' },
    ]);
    expect(store.getState().run.status).toBe('loading');
    actions.handleEvent({ type: 'progress', modelId: 'toy', loaded: 5, total: 10 });
    expect(store.getState().models.toy).toEqual({ state: 'loading', loaded: 5, total: 10 });
    actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
    expect(sent[2]).toEqual({
      type: 'start',
      runId: 1,
      autoplay: false,
      model: 'toy',
      sampler: 'pc',
      params: { snr: 0.16, n: 1 },
      sde: { kind: 'vp' },
      schedule: 'uniform',
      steps: 100,
      seed: 1,
      batch: 16,
      // the toy has no classes: conditioning is not sent
      classLabel: null,
      guidance: 0,
      denoiseFinal: true,
      stepsPerSecond: 30,
    });
    expect(store.getState().run).toMatchObject({ runId: 1, status: 'paused' });
  });

  it('play, pause and step send explicit commands for the current run', () => {
    const { actions, sent, types, store } = booted();
    sent.length = 0;
    actions.play();
    actions.pause();
    actions.step();
    expect(sent).toEqual([
      { type: 'play', runId: 1 },
      { type: 'pause', runId: 1 },
      { type: 'step', runId: 1 },
    ]);
    actions.togglePlay();
    expect(store.getState().run.status).toBe('playing');
    actions.step(); // stepping while playing pauses first
    expect(types().slice(-3)).toEqual(['play', 'pause', 'step']);
  });

  it('frames advance the step counter, NFE and the measured rate', () => {
    const { actions, store, frame } = booted();
    actions.play();
    for (let i = 1; i <= 3; i++) actions.handleEvent(frame(i));
    const { run } = store.getState();
    expect(run).toMatchObject({ i: 3, reached: 3, nfeTotal: 3, sigma: 7, status: 'playing' });
    expect(run.stepsPerSecond).toBeCloseTo(10); // the fake clock ticks 100 ms per frame
    actions.handleEvent(frame(10, 1, true));
    expect(store.getState().run.status).toBe('done');
  });

  it('changing sampler, its parameters or the SDE mid-run swaps live (same run, no restart)', () => {
    const { actions, sent, store, frame } = booted();
    actions.play();
    actions.handleEvent(frame(1));
    sent.length = 0;
    actions.setSampler('euler_maruyama');
    actions.setSampler('pc');
    actions.setSamplerParam('snr', 0.3);
    actions.setSde('ve');
    actions.setSpeed(5);
    expect(sent).toEqual([
      { type: 'setSampler', runId: 1, sampler: 'euler_maruyama', params: {} },
      { type: 'setSampler', runId: 1, sampler: 'pc', params: { snr: 0.16, n: 1 } },
      { type: 'setSampler', runId: 1, sampler: 'pc', params: { snr: 0.3, n: 1 } },
      { type: 'setSde', runId: 1, sde: { kind: 've' } },
      { type: 'setSpeed', runId: 1, stepsPerSecond: 5 },
    ]);
    expect(store.getState().settings).toMatchObject({
      samplerId: 'pc',
      sde: 've',
      stepsPerSecond: 5,
      samplerParams: { pc: { snr: 0.3 } },
    });
    actions.handleEvent(frame(2));
    expect(store.getState().run).toMatchObject({ runId: 1, i: 2, status: 'playing' });
  });

  it('a sampler or SDE change before the first step starts a fresh run (the URL then reproduces it)', () => {
    const { actions, sent } = booted();
    sent.length = 0;
    actions.setSde('subvp');
    expect(sent).toEqual([
      expect.objectContaining({ type: 'start', runId: 2, autoplay: false, sde: { kind: 'subvp' } }),
    ]);
  });

  it('changing seed, batch or steps starts a new run that keeps playing; frames of the old run are forgotten', () => {
    const { actions, sent, store, frame } = booted();
    actions.play();
    actions.handleEvent(frame(1));
    actions.setRunSetting({ seed: 7 });
    const start = sent.at(-1);
    expect(start).toMatchObject({ type: 'start', runId: 2, autoplay: true, seed: 7 });
    expect(store.getState().run).toMatchObject({ runId: 2, i: 0, reached: -1 });
    expect(store.getState().frameLog.lastIndex).toBe(-1);
  });

  it('a conditional model gets the class and guidance', () => {
    const { actions, sent } = booted();
    actions.selectModel('digits');
    expect(sent.at(-1)).toEqual({ type: 'loadModel', modelId: 'digits', baseUrl: 'http://x/sub/models/' });
    actions.handleEvent({ type: 'ready', modelId: 'digits', model: digits });
    expect(sent.at(-1)).toMatchObject({ type: 'start', model: 'digits', classLabel: 1, guidance: 3.5 });
  });

  it('rewind seeks back within what was computed; a step from there branches and drops the old future', () => {
    const { actions, sent, store, frame } = booted();
    actions.play();
    for (let i = 1; i <= 5; i++) actions.handleEvent(frame(i));
    actions.seek(99);
    expect(sent.at(-1)).toEqual({ type: 'seek', runId: 1, k: 5 });
    actions.seek(2);
    actions.handleEvent(frame(2));
    expect(store.getState().run).toMatchObject({ i: 2, reached: 5, status: 'paused' });
    actions.stepBack();
    expect(sent.at(-1)).toEqual({ type: 'seek', runId: 1, k: 1 });
    actions.handleEvent(frame(1));
    actions.step();
    actions.handleEvent(frame(2));
    expect(store.getState().run).toMatchObject({ i: 2, reached: 2 });
  });

  it('a model error shows a banner with Retry, and Retry loads the model again', () => {
    const { actions, sent, store } = setup();
    actions.boot();
    actions.handleEvent({
      type: 'error',
      scope: 'model',
      modelId: 'toy',
      message: 'Checksum mismatch.',
      recoverable: true,
    });
    const [notice] = store.getState().notices;
    expect(notice).toMatchObject({ kind: 'error', retryModelId: 'toy', message: 'Checksum mismatch.' });
    expect(store.getState().models.toy).toEqual({ state: 'failed', message: 'Checksum mismatch.' });
    actions.setRunSetting({ seed: 3 }); // does not hammer a failed model
    expect(sent.filter((r) => r.type === 'loadModel')).toHaveLength(1);
    actions.retryModel('toy');
    expect(sent.at(-1)).toEqual({ type: 'loadModel', modelId: 'toy', baseUrl: 'http://x/sub/models/' });
    expect(store.getState().notices).toEqual([]);
  });

  it('a non-finite pause and a worker crash each leave a notice; the backend is recorded', () => {
    const { actions, store, sent } = booted();
    actions.handleEvent({ type: 'paused', runId: 1, reason: 'nonfinite', i: 4 });
    actions.handleEvent({ type: 'backend', ep: 'wasm', threads: 2, reason: 'navigator.gpu is missing' });
    actions.handleEvent({
      type: 'error',
      scope: 'worker',
      message: 'The engine worker stopped.',
      recoverable: true,
    });
    const titles = store.getState().notices.map((n) => n.title);
    expect(titles).toEqual(['Paused: the sample blew up', 'The engine restarted']);
    expect(store.getState().backend).toEqual({ ep: 'wasm', threads: 2, reason: 'navigator.gpu is missing' });
    expect(sent.at(-1)).toEqual({ type: 'loadModel', modelId: 'toy', baseUrl: 'http://x/sub/models/' });
    actions.dismissNotice(store.getState().notices[0].id);
    expect(store.getState().notices).toHaveLength(1);
  });
});

describe('WASM note', () => {
  const entry = (analytic: boolean) => ({
    id: 'm',
    title: 'M',
    task: 'image' as const,
    analytic,
    classes: [],
    bytes: 1,
    card: {} as never,
  });
  it('shows for a network on WASM, with the reason, and never for a toy or on WebGPU', () => {
    const wasm = { ep: 'wasm' as const, threads: 2, reason: 'WebGPU unavailable: no adapter' };
    expect(wasmNote(wasm, entry(false))).toContain('WASM, 2 threads): WebGPU unavailable: no adapter');
    expect(wasmNote(wasm, entry(true))).toBeNull();
    expect(wasmNote({ ...wasm, ep: 'webgpu' }, entry(false))).toBeNull();
  });
});
