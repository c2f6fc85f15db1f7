import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CompareFrameEvent, EngineRequest, FrameEvent, ModelSummary } from '../../src/engine/protocol';
import type { Params } from '../../src/core/types';
import { createActions } from '../../src/ui/engine-io/actions';
import { STALE_STEP_PATIENCE_MS } from '../../src/ui/engine-io/stale-step';
import { createAppStore } from '../../src/ui/state/store';
import { defaultSettings } from '../../src/ui/state/settings';
import { wasmNote } from '../../src/ui/components/Banners';
import { resumableFrame, testFrame } from '../helpers/frames';

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

/** `now` gives each event's arrival time; by default 100 ms apart. */
function setup(now?: () => number) {
  const store = createAppStore({
    ...defaultSettings,
    modelId: 'toy',
    samplerId: 'pc',
    classLabel: 1,
    guidance: 3.5,
  });
  const sent: EngineRequest[] = [];
  const restarts: number[] = [];
  let runIds = 0;
  let clock = 0;
  const actions = createActions(store, {
    send: (r) => sent.push(r),
    nextRunId: () => ++runIds,
    samplerParams: (id, stored): Params => ({ ...(id === 'pc' ? { snr: 0.16, n: 1 } : {}), ...stored }),
    modelsUrl: 'http://x/sub/models/',
    now: now ?? (() => (clock += 100)),
    restartEngine: () => restarts.push(clock),
  });
  const frame = (i: number, runId = store.getState().run.runId ?? 0, done = false): FrameEvent =>
    testFrame(runId, i, done);

  const types = () => sent.map((r) => r.type);
  return { store, sent, actions, frame, types, restarts };
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
      noise: 'brownian',
      stepsPerSecond: 30,
    });
    expect(store.getState().run).toMatchObject({ runId: 1, status: 'paused' });
  });

  it('Play pressed while the model loads starts the run playing once the model is ready', () => {
    const { actions, sent, store } = setup();
    actions.boot();
    actions.play();
    expect(sent.map((r) => r.type)).toEqual(['init', 'loadModel']);
    actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
    expect(sent.at(-1)).toMatchObject({ type: 'start', runId: 1, autoplay: true });
    expect(store.getState().run).toMatchObject({ runId: 1, status: 'playing' });
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

  it('steps/s is right above 60: frames that land two per display frame do not inflate it', () => {
    // 120 steps/s on a 60 Hz page: pairs of frames 1 ms apart, the pairs 15.67 ms apart.
    let t = 0;
    let k = 0;
    const s = setup(() => (t += k++ % 2 === 0 ? 15.67 : 1));
    s.actions.boot();
    s.actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
    s.actions.handleEvent(s.frame(0));
    s.actions.play();
    for (let i = 1; i <= 200; i++) s.actions.handleEvent({ ...s.frame(i), steps: 400 });
    expect(s.store.getState().run.stepsPerSecond).toBeGreaterThan(114);
    expect(s.store.getState().run.stepsPerSecond).toBeLessThan(126);
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

  it('guidance and class mid-run continue the trajectory (a live swap, no new run)', () => {
    const { actions, sent, store, frame } = booted();
    actions.selectModel('digits');
    actions.handleEvent({ type: 'ready', modelId: 'digits', model: digits });
    const runId = store.getState().run.runId ?? 0;
    actions.handleEvent(frame(0, runId));
    actions.play();
    for (let i = 1; i <= 4; i++) actions.handleEvent(frame(i, runId));
    sent.length = 0;
    actions.setConditioning({ guidance: 6 });
    actions.setConditioning({ classLabel: 0 });
    expect(sent).toEqual([
      { type: 'setConditioning', runId, classLabel: 1, guidance: 6 },
      { type: 'setConditioning', runId, classLabel: 0, guidance: 6 },
    ]);
    expect(store.getState().run).toMatchObject({ runId, i: 4, status: 'playing' });
    // Rewound: the change applies from there, and the next step branches.
    actions.seek(2);
    actions.handleEvent(frame(2, runId));
    actions.setConditioning({ guidance: 1 });
    expect(sent.at(-1)).toEqual({ type: 'setConditioning', runId, classLabel: 0, guidance: 1 });
    actions.step();
    actions.handleEvent(frame(3, runId));
    expect(store.getState().run).toMatchObject({ runId, i: 3, reached: 3 });
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

  it('Play on a model that failed to load says why and offers Retry', () => {
    const { actions, sent, store } = setup();
    actions.boot();
    actions.handleEvent({
      type: 'error',
      scope: 'model',
      modelId: 'toy',
      message: 'Checksum mismatch.',
      recoverable: true,
    });
    actions.dismissNotice(store.getState().notices[0].id);
    sent.length = 0;
    actions.play();
    expect(sent).toEqual([]);
    expect(store.getState().notices).toEqual([
      expect.objectContaining({
        kind: 'error',
        retryModelId: 'toy',
        message: expect.stringMatching(
          /^Play needs this model, but it failed to load: Checksum mismatch\. Press Retry/,
        ),
      }),
    ]);
  });

  it('a non-finite pause and a worker crash before any run each leave a notice; the backend is recorded', () => {
    const { actions, store, sent } = setup();
    actions.boot();
    actions.handleEvent({ type: 'paused', runId: 1, reason: 'nonfinite', i: 4 });
    actions.handleEvent({ type: 'backend', ep: 'wasm', threads: 2, reason: 'navigator.gpu is missing' });
    actions.handleEvent({
      type: 'error',
      scope: 'worker',
      message: 'uncaught error',
      recoverable: true,
      restarted: true,
    });
    const notices = store.getState().notices;
    expect(notices.map((n) => n.title)).toEqual(['Paused: the sample blew up', 'The engine restarted']);
    expect(notices[1].message).toMatch(/stopped \(uncaught error\).*starts over at step 0/);
    expect(store.getState().backend).toEqual({ ep: 'wasm', threads: 2, reason: 'navigator.gpu is missing' });
    expect(sent.at(-1)).toEqual({ type: 'loadModel', modelId: 'toy', baseUrl: 'http://x/sub/models/' });
    actions.dismissNotice(notices[0].id);
    expect(store.getState().notices).toHaveLength(1);
  });
});

describe('faults: a crashed worker and a lost GPU device', () => {
  const crash = { type: 'error', scope: 'worker', message: 'x', recoverable: true, restarted: true } as const;

  it('a crashed worker: the model reloads and the run is replayed to the step shown, with its live changes', () => {
    const { actions, sent, store, frame } = booted();
    actions.play();
    for (let i = 1; i <= 3; i++) actions.handleEvent(frame(i));
    actions.setSampler('euler_maruyama');
    const recipe = {
      changes: [{ kind: 'sampler' as const, sampler: 'euler_maruyama', params: {} }],
      marks: [{ step: 4, applied: 1 }],
      origin: null,
    };
    actions.handleEvent({ type: 'recipe', runId: 1, recipe });
    actions.handleEvent(frame(4));
    actions.pause();
    sent.length = 0;
    actions.handleEvent(crash);
    // The run stays at step 4 while the fresh worker loads the model.
    expect(sent).toEqual([{ type: 'loadModel', modelId: 'toy', baseUrl: 'http://x/sub/models/' }]);
    expect(store.getState().run).toMatchObject({ i: 4, status: 'loading' });
    expect(store.getState().engineEpoch).toBe(1);
    actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
    // The original start (sampler pc, seed 1), with the recipe, up to step 4, paused as it was.
    expect(sent.at(-1)).toMatchObject({
      type: 'start',
      runId: 2,
      autoplay: false,
      sampler: 'pc',
      seed: 1,
      replay: { to: 4, recipe },
    });
    expect(store.getState().run).toMatchObject({ runId: 2, i: 4, status: 'paused' });
    expect(store.getState().notices).toEqual([]);
    actions.handleEvent(frame(4, 2));
    const notice = store.getState().notices.at(-1);
    expect(notice?.title).toBe('The engine restarted');
    expect(notice?.message).toMatch(
      /stopped \(x\).*computed again from step 0 to step 4, with .*It is paused\./,
    );
    // The frames before it are kept: the Timeline still reaches back to step 0.
    expect(store.getState().frameLog.at(2)?.i).toBe(2);
    expect(store.getState().run.reached).toBe(4);
  });

  it('a crash during the replay replays the same again; a playing run plays on', () => {
    const { actions, sent, frame } = booted();
    actions.play();
    for (let i = 1; i <= 5; i++) actions.handleEvent(frame(i));
    actions.handleEvent(crash);
    actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
    expect(sent.at(-1)).toMatchObject({ type: 'start', runId: 2, autoplay: true, replay: { to: 5 } });
    actions.handleEvent(crash);
    actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
    expect(sent.at(-1)).toMatchObject({ type: 'start', runId: 3, autoplay: true, replay: { to: 5 } });
  });

  it('a malformed message is reported without restarting anything', () => {
    const { actions, sent, store } = booted();
    sent.length = 0;
    actions.handleEvent({ type: 'error', scope: 'worker', message: 'Reload the page.', recoverable: true });
    expect(sent).toEqual([]);
    expect(store.getState().notices.at(-1)).toMatchObject({ title: 'The engine failed' });
  });

  it('a crashed worker: the run goes on from the last frame the page holds with its resume data', () => {
    const { actions, sent, store } = booted();
    actions.play();
    for (let i = 1; i <= 6; i++) actions.handleEvent(i === 5 ? testFrame(1, i) : resumableFrame(1, i));
    // Only the newest RESUME_KEPT frames keep their resume data.
    expect(store.getState().frameLog.at(1)?.resume).toBeUndefined();
    expect(store.getState().frameLog.at(2)?.resume).toBeDefined();
    actions.pause();
    actions.seek(5);
    actions.handleEvent(testFrame(1, 5)); // the seek answer: step 5 holds no resume data
    actions.handleEvent(crash);
    actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
    const start = sent.at(-1) as Extract<EngineRequest, { type: 'start' }>;
    expect(start).toMatchObject({
      type: 'start',
      runId: 2,
      replay: { to: 5, from: { i: 4, sigma: 6, nfeTotal: 4 } },
    });
    expect(Array.from(start.replay?.from?.xTilde ?? [])).toEqual([4, 4]);
    expect(start.replay?.from?.history.map((h) => h.sigma)).toEqual([7]);
    actions.handleEvent({ ...testFrame(2, 5), replayedFrom: 4 });
    expect(store.getState().notices.at(-1)?.message).toMatch(
      /computed again from step 4, the last frame the page held, to step 5, with the same seed/,
    );
    // A rewind before step 4 is computed from step 0 by the engine: the page says so, once.
    actions.seek(2);
    expect(sent.at(-1)).toEqual({ type: 'seek', runId: 2, k: 2 });
    expect(store.getState().notices.at(-1)).toMatchObject({
      kind: 'info',
      title: 'Computing the steps before the restart',
    });
    expect(store.getState().notices.at(-1)?.message).toMatch(
      /went on from step 4.*To show step 2 it computes/,
    );
    const count = store.getState().notices.length;
    actions.handleEvent(testFrame(2, 2));
    actions.seek(1);
    expect(store.getState().notices).toHaveLength(count);
  });

  it('a lost GPU device: the model loads again on WASM and the run goes on from the frame the page holds', () => {
    const { actions, store, sent } = booted();
    actions.handleEvent({ type: 'ready', modelId: 'digits', model: digits });
    for (let i = 1; i <= 3; i++) actions.handleEvent(resumableFrame(1, i));
    sent.length = 0;
    actions.handleEvent({
      type: 'deviceLost',
      reason: 'the device was destroyed',
      unloaded: ['toy', 'digits'],
      lostRun: 1,
    });
    expect(sent).toEqual([{ type: 'loadModel', modelId: 'toy', baseUrl: 'http://x/sub/models/' }]);
    expect(store.getState().models.digits).toBeUndefined();
    expect(store.getState().models.toy?.state).toBe('loading');
    expect(store.getState().run).toMatchObject({ i: 3, status: 'loading' });
    actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
    expect(sent.at(-1)).toMatchObject({ type: 'start', runId: 2, replay: { to: 3, from: { i: 3 } } });
    actions.handleEvent({ ...testFrame(2, 3), replayedFrom: 3 });
    const notice = store.getState().notices.at(-1);
    expect(notice?.title).toBe('The GPU device was lost');
    expect(notice?.message).toContain('The GPU device was lost (the device was destroyed)');
    expect(notice?.message).toMatch(
      /loaded again on WASM \(the CPU\) and the run went on from step 3, the last frame/,
    );
  });

  it('Cancel during a download aborts it and goes back to the model before, still loaded', () => {
    const { actions, sent, store } = booted();
    store.setState({
      catalogue: [
        { id: 'toy', title: 'Toy', task: 'points', analytic: true, classes: [], bytes: 0, card: {} as never },
        {
          id: 'digits',
          title: 'Digits',
          task: 'image',
          analytic: false,
          classes: [],
          bytes: 9e6,
          card: {} as never,
        },
      ],
    });
    actions.selectModel('digits');
    actions.handleEvent({ type: 'progress', modelId: 'digits', loaded: 3e6, total: 9e6 });
    sent.length = 0;
    actions.cancelDownload();
    expect(sent[0]).toEqual({ type: 'cancelLoad', modelId: 'digits' });
    // The toy is still loaded: its run starts at once, without loading anything.
    expect(sent.slice(1)).toEqual([
      expect.objectContaining({ type: 'start', model: 'toy', autoplay: false }),
    ]);
    expect(store.getState().settings.modelId).toBe('toy');
    expect(store.getState().notices.at(-1)).toMatchObject({
      kind: 'info',
      title: 'Download cancelled',
      message:
        'The download of "Digits" was stopped after 3.0 MB of 9.0 MB. "Toy" is shown again; it was still loaded. ' +
        'To try again, choose "Digits" in the Model list.',
    });
    // A late chunk of the cancelled download changes nothing; choosing it again downloads it.
    actions.handleEvent({ type: 'progress', modelId: 'digits', loaded: 4e6, total: 9e6 });
    expect(store.getState().models.digits).toBeUndefined();
    actions.selectModel('digits');
    expect(sent.at(-1)).toEqual({ type: 'loadModel', modelId: 'digits', baseUrl: 'http://x/sub/models/' });
  });

  it('a lost GPU device without a run to replay says to press Reset', () => {
    const { actions, store } = booted();
    actions.play();
    actions.handleEvent({ type: 'deviceLost', reason: 'gone', unloaded: ['toy'], lostRun: null });
    expect(store.getState().notices.at(-1)?.message).toMatch(/lost \(gone\).*press Reset/);
    expect(store.getState().run.status).toBe('paused');
    expect(store.getState().models.toy).toBeUndefined();
  });
});

describe('a slow step', () => {
  afterEach(() => vi.useRealTimers());

  it('the step in flight is known to the page from stepStarted until its frame', () => {
    const { actions, store, frame } = booted();
    actions.play();
    actions.handleEvent({ type: 'stepStarted', runId: 1, i: 1 });
    expect(store.getState().run.pendingStep).toMatchObject({ i: 1 });
    actions.handleEvent(frame(1));
    expect(store.getState().run.pendingStep).toBeNull();
    actions.handleEvent({ type: 'stepStarted', runId: 1, i: 2 });
    actions.handleEvent({ type: 'paused', runId: 1, reason: 'cancelled', i: 1 });
    expect(store.getState().run).toMatchObject({ pendingStep: null, status: 'paused' });
  });

  it('a model switch stops the old run (and its step in flight) before the new model loads', () => {
    const { actions, sent } = booted();
    actions.play();
    actions.handleEvent({ type: 'stepStarted', runId: 1, i: 1 });
    sent.length = 0;
    actions.selectModel('digits');
    expect(sent).toEqual([
      { type: 'stop', runId: 1 },
      { type: 'loadModel', modelId: 'digits', baseUrl: 'http://x/sub/models/' },
    ]);
  });

  it('Cancel step asks the engine to abandon the step; its answer leaves the run paused where it was', () => {
    vi.useFakeTimers();
    const { actions, sent, store, restarts, frame } = booted();
    actions.play();
    actions.handleEvent(frame(1));
    actions.handleEvent({ type: 'stepStarted', runId: 1, i: 2 });
    actions.cancelStep();
    expect(sent.at(-1)).toEqual({ type: 'cancelStep', runId: 1 });
    expect(store.getState().run.status).toBe('paused');
    actions.handleEvent({ type: 'paused', runId: 1, reason: 'cancelled', i: 1 });
    vi.advanceTimersByTime(60_000);
    expect(restarts).toEqual([]);
    expect(store.getState().run).toMatchObject({ runId: 1, i: 1, status: 'paused', pendingStep: null });
  });

  it('a step stuck inside one network call: the worker is replaced, settings kept, the model reloaded', () => {
    vi.useFakeTimers();
    const { actions, sent, store, restarts } = booted();
    actions.setRunSetting({ seed: 42 });
    actions.play();
    actions.handleEvent({ type: 'stepStarted', runId: 2, i: 1 });
    actions.cancelStep();
    sent.length = 0;
    vi.advanceTimersByTime(60_000); // no answer: the worker is inside a call
    expect(restarts).toHaveLength(1);
    expect(sent).toEqual([{ type: 'loadModel', modelId: 'toy', baseUrl: 'http://x/sub/models/' }]);
    expect(store.getState().notices.at(-1)).toMatchObject({ title: 'The engine was restarted' });
    expect(store.getState().engineEpoch).toBe(1);
    actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
    expect(sent.at(-1)).toMatchObject({ type: 'start', autoplay: false, seed: 42 });
  });
});

describe('a new run behind a step of the run it replaced', () => {
  afterEach(() => vi.useRealTimers());

  it('waits for no stuck network call: after the patience the worker is replaced and the new run plays', () => {
    vi.useFakeTimers();
    const { actions, sent, store, restarts, frame } = booted();
    actions.play();
    actions.handleEvent({ type: 'stepStarted', runId: 1, i: 1 });
    // A pasted link: its run is asked for, but the engine is still inside step 1's network call.
    actions.applyLink({ ...store.getState().settings, seed: 7 });
    expect(sent.at(-1)).toMatchObject({ type: 'start', runId: 2, seed: 7 });
    actions.play();
    expect(store.getState().run.status).toBe('playing');
    sent.length = 0;
    vi.advanceTimersByTime(STALE_STEP_PATIENCE_MS - 1);
    expect(restarts).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(restarts).toHaveLength(1);
    expect(sent).toEqual([{ type: 'loadModel', modelId: 'toy', baseUrl: 'http://x/sub/models/' }]);
    expect(store.getState().notices.at(-1)).toMatchObject({
      title: 'The engine was restarted',
      message: expect.stringMatching(/^Step 1 of the previous run was still inside one network call/),
    });
    actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
    expect(sent.at(-1)).toMatchObject({ type: 'start', runId: 3, autoplay: true, seed: 7 });
    actions.handleEvent(frame(0, 3));
    actions.handleEvent(frame(1, 3));
    expect(store.getState().run).toMatchObject({ runId: 3, i: 1, status: 'playing' });
  });

  it('keeps the worker when the new run answers in time, or when no step was in flight', () => {
    vi.useFakeTimers();
    const { actions, store, restarts, frame } = booted();
    actions.play();
    actions.handleEvent({ type: 'stepStarted', runId: 1, i: 1 });
    actions.applyLink({ ...store.getState().settings, seed: 7 });
    actions.handleEvent(frame(0, 2));
    vi.advanceTimersByTime(60_000);
    actions.reset();
    vi.advanceTimersByTime(60_000);
    expect(restarts).toEqual([]);
    expect(store.getState().run).toMatchObject({ runId: 3, status: 'paused' });
  });

  it('a model asked for behind a stuck step is loaded by a fresh worker', () => {
    vi.useFakeTimers();
    const { actions, sent, restarts } = booted();
    actions.play();
    actions.handleEvent({ type: 'stepStarted', runId: 1, i: 1 });
    actions.selectModel('digits');
    sent.length = 0;
    vi.advanceTimersByTime(STALE_STEP_PATIENCE_MS);
    expect(restarts).toHaveLength(1);
    expect(sent).toEqual([{ type: 'loadModel', modelId: 'digits', baseUrl: 'http://x/sub/models/' }]);
  });
});

describe('score arrows of a learned 2D model', () => {
  const moons = {
    id: 'toy',
    title: 'Moons',
    task: 'points' as const,
    analytic: false,
    classes: [],
    bytes: 1,
    card: { range: [-3, 3], sde: { kind: 'vp', betaMin: 0.1, betaMax: 20 } } as never,
  };
  /** A frame at noise level σ (the helper's frames have σ = 10 − i). */
  const at = (s: ReturnType<typeof setup>, i: number, sigma: number) => ({ ...s.frame(i), sigma, t: 0.5 });

  it('one batched request for the whole arrow grid, again only when σ moved by more than 10 %', () => {
    const s = setup();
    s.store.setState({ catalogue: [moons] });
    s.actions.boot();
    s.actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
    s.sent.length = 0;
    s.actions.handleEvent(at(s, 0, 10));
    const asks = () => s.sent.filter((r) => r.type === 'scoreField');
    expect(asks()).toHaveLength(1);
    const [ask] = asks();
    if (ask.type !== 'scoreField') throw new Error('not a scoreField request');
    expect(ask).toMatchObject({ runId: 1, sigma: 10 });
    expect(ask.points).toHaveLength(17 * 17 * 2);
    // Nothing more while the answer is on its way.
    s.actions.play();
    s.actions.handleEvent(at(s, 1, 9.7));
    expect(asks()).toHaveLength(1);
    const score = new Float32Array(ask.points.length).fill(-1);
    s.actions.handleEvent({ type: 'scoreField', runId: 1, sigma: 10, points: ask.points, score });
    expect(s.store.getState().learnedScore).toMatchObject({ runId: 1, sigma: 10 });
    // σ 9.7 is within 10 % of 10: no new request; σ 8 is not.
    expect(asks()).toHaveLength(1);
    s.actions.handleEvent(at(s, 2, 9.2));
    expect(asks()).toHaveLength(1);
    s.actions.handleEvent(at(s, 3, 8));
    expect(asks()).toHaveLength(2);
  });

  it('an exact mixture draws its own arrows: nothing is asked of the engine', () => {
    const s = setup();
    s.store.setState({ catalogue: [{ ...moons, analytic: true }] });
    s.actions.boot();
    s.actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
    s.actions.handleEvent(at(s, 0, 10));
    expect(s.sent.filter((r) => r.type === 'scoreField')).toEqual([]);
  });
});

describe('the class is checked against the model', () => {
  const entry = (id: string, classes: string[]) => ({
    id,
    title: id === 'digits' ? 'Digits' : 'Toy',
    task: 'image' as const,
    analytic: false,
    classes,
    bytes: 1,
    card: {} as never,
  });
  const catalogue = [entry('toy', []), entry('digits', ['0', '1'])];

  it('a class the model lacks is cleared with a notice, and runs start unconditional', () => {
    const s = setup();
    s.store.setState({
      catalogue,
      settings: { ...s.store.getState().settings, modelId: 'digits', classLabel: 10 },
    });
    s.actions.boot();
    expect(s.store.getState().settings.classLabel).toBeNull();
    expect(s.store.getState().notices.at(-1)).toMatchObject({
      kind: 'warning',
      title: 'Class reset',
      message: expect.stringContaining('Digits has no class 10 (its classes are 0–1'),
    });
    s.actions.handleEvent({ type: 'ready', modelId: 'digits', model: digits });
    expect(s.sent.at(-1)).toMatchObject({ type: 'start', classLabel: null });
  });

  it('is checked again on every model change (a class kept from another model)', () => {
    const s = setup();
    s.store.setState({ catalogue, settings: { ...s.store.getState().settings, classLabel: 7 } });
    s.actions.boot(); // the toy has no classes: nothing to check
    expect(s.store.getState().settings.classLabel).toBe(7);
    s.actions.selectModel('digits');
    expect(s.store.getState().settings.classLabel).toBeNull();
    expect(s.store.getState().notices.map((n) => n.title)).toEqual(['Class reset']);
  });

  it('a class the model has is kept', () => {
    const s = setup();
    s.store.setState({ catalogue, settings: { ...s.store.getState().settings, classLabel: 1 } });
    s.actions.boot();
    s.actions.selectModel('digits');
    expect(s.store.getState().settings.classLabel).toBe(1);
    expect(s.store.getState().notices).toEqual([]);
  });
});

describe('a link pasted into the open page', () => {
  it('applies its settings as a fresh load: a new run, paused at step 0', () => {
    const { actions, sent, store, frame } = booted();
    actions.play();
    for (let i = 1; i <= 3; i++) actions.handleEvent(frame(i));
    sent.length = 0;
    actions.applyLink({ ...defaultSettings, modelId: 'toy', seed: 9, steps: 50, samplerId: 'ddim' });
    expect(sent).toEqual([
      { type: 'stop', runId: 1 },
      expect.objectContaining({
        type: 'start',
        runId: 2,
        autoplay: false,
        seed: 9,
        steps: 50,
        sampler: 'ddim',
      }),
    ]);
    expect(store.getState().settings).toMatchObject({ seed: 9, steps: 50, samplerId: 'ddim' });
    expect(store.getState().run).toMatchObject({ runId: 2, i: 0, status: 'paused', reached: -1 });
  });

  it('a link to another model loads it and starts there', () => {
    const { actions, sent, store } = booted();
    sent.length = 0;
    actions.applyLink({ ...defaultSettings, modelId: 'digits', classLabel: 1 });
    expect(sent.at(-1)).toEqual({ type: 'loadModel', modelId: 'digits', baseUrl: 'http://x/sub/models/' });
    actions.handleEvent({ type: 'ready', modelId: 'digits', model: digits });
    expect(sent.at(-1)).toMatchObject({ type: 'start', model: 'digits', autoplay: false, classLabel: 1 });
    expect(store.getState().run.status).toBe('paused');
  });
});

describe('frames the engine draws', () => {
  /** Booted on an image model, paused at step 0. */
  function onImages() {
    const s = setup();
    s.store.setState({ settings: { ...s.store.getState().settings, modelId: 'digits' } });
    s.actions.boot();
    s.actions.handleEvent({ type: 'ready', modelId: 'digits', model: digits });
    s.actions.handleEvent(s.frame(0));
    return s;
  }
  const bare = (f: FrameEvent): FrameEvent => ({
    ...f,
    drawn: true,
    x: new Float32Array(0),
    denoised: new Float32Array(0),
  });
  /** A stand-in for a canvas element: hands out a marker instead of an OffscreenCanvas. */
  function canvas(name: string) {
    const offscreen = { name } as unknown as OffscreenCanvas;
    return {
      transfers: 0,
      transferControlToOffscreen() {
        this.transfers += 1;
        if (this.transfers > 1) throw new Error('InvalidStateError: already transferred');
        return offscreen;
      },
    };
  }

  it('hands the canvases over once, keeps them through a StrictMode re-run, and lets go on unmount', async () => {
    const { actions, sent, types } = onImages();
    sent.length = 0;
    const x = canvas('x');
    const denoised = canvas('x̂₀');
    actions.attachViews(x, denoised);
    // StrictMode: the effect's cleanup and a second run, in one task.
    actions.releaseViews(x, denoised);
    actions.attachViews(x, denoised);
    await Promise.resolve();
    expect(types()).toEqual(['attachViews']);
    expect(sent[0]).toEqual({ type: 'attachViews', x: { name: 'x' }, denoised: { name: 'x̂₀' } });
    expect([x.transfers, denoised.transfers]).toEqual([1, 1]);
    // A real unmount: detach after the task; a new pair is handed over on its own.
    actions.releaseViews(x, denoised);
    await Promise.resolve();
    expect(types()).toEqual(['attachViews', 'detachViews']);
    const x2 = canvas('x2');
    const d2 = canvas('d2');
    actions.attachViews(x2, d2);
    actions.releaseViews(x, denoised); // stale: not the attached pair any more
    await Promise.resolve();
    expect(types()).toEqual(['attachViews', 'detachViews', 'attachViews']);
  });

  it('a canvas that cannot be handed over leaves a notice saying what to do', () => {
    const { actions, sent, store } = onImages();
    sent.length = 0;
    const x = canvas('x');
    x.transferControlToOffscreen();
    actions.attachViews(x, canvas('d'));
    expect(sent).toEqual([]);
    expect(store.getState().notices.at(-1)).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/already transferred.*Reload the page/),
    });
  });

  it('drawn frames without arrays still advance the run; the log lists only frames with arrays', () => {
    const { actions, store, frame } = onImages();
    actions.play();
    for (let i = 1; i <= 4; i++) actions.handleEvent(i === 2 ? frame(i) : bare(frame(i)));
    const { run, frameLog } = store.getState();
    expect(run).toMatchObject({ i: 4, reached: 4, nfeTotal: 4, status: 'playing' });
    expect(run.stepsPerSecond).toBeCloseTo(10);
    expect(frameLog.upTo(4).map((f) => f.i)).toEqual([0, 2]);
  });

  it('currentFrame asks readFrame when the shown frame has no arrays; the answer is no step and no branch', async () => {
    const { actions, store, frame, sent } = onImages();
    actions.play();
    for (let i = 1; i <= 3; i++) actions.handleEvent(bare(frame(i)));
    actions.pause();
    const asked = actions.currentFrame();
    expect(sent.at(-1)).toEqual({ type: 'readFrame', runId: 1 });
    const rate = store.getState().run.stepsPerSecond;
    actions.handleEvent({ ...frame(3), drawn: true, requested: true });
    const answer = await asked;
    expect(answer).toMatchObject({ i: 3, requested: true });
    expect(answer.x.length).toBe(2);
    const { run, frameLog } = store.getState();
    expect(run).toMatchObject({ i: 3, reached: 3, status: 'paused', stepsPerSecond: rate });
    expect(frameLog.upTo(3).map((f) => f.i)).toEqual([0, 3]);
    // The shown frame now has its arrays: no second request.
    sent.length = 0;
    await expect(actions.currentFrame()).resolves.toBe(answer);
    expect(sent).toEqual([]);
  });

  it('currentFrame during a rewind asks the engine, whose answer comes after the rewind', async () => {
    const { actions, frame, sent } = onImages();
    for (let i = 1; i <= 4; i++) actions.handleEvent(frame(i));
    actions.stepBack(); // to 3; its frame has not arrived
    const asked = actions.currentFrame();
    expect(sent.slice(-2)).toEqual([
      { type: 'seek', runId: 1, k: 3 },
      { type: 'readFrame', runId: 1 },
    ]);
    actions.handleEvent(bare(frame(3)));
    actions.handleEvent({ ...frame(3), drawn: true, requested: true });
    await expect(asked).resolves.toMatchObject({ i: 3, requested: true });
  });

  it('a readFrame still waiting when a new run starts fails with a message saying to export again', async () => {
    const { actions, frame } = onImages();
    actions.handleEvent(bare(frame(1)));
    const asked = actions.currentFrame();
    actions.reset();
    await expect(asked).rejects.toThrow(/new run started.*Export again/);
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
    expect(wasmNote(wasm, entry(false))).toContain('recent Chrome or Edge');
  });
  it('without cross-origin isolation, says WASM uses 1 thread until the page is reloaded', () => {
    const single = { ep: 'wasm' as const, threads: 1, reason: 'navigator.gpu is missing' };
    const firstVisit = wasmNote(single, entry(false), { isolated: false, helperPossible: true });
    expect(firstVisit).toContain('1 thread until the page is reloaded');
    expect(firstVisit).toContain('cross-origin isolation headers');
    const noHelper = wasmNote(single, entry(false), { isolated: false, helperPossible: false });
    expect(noHelper).toContain('It uses 1 thread: this host does not send');
    // Isolated, or several threads already: nothing to add.
    expect(wasmNote(single, entry(false), { isolated: true, helperPossible: true })).not.toContain(
      'reloaded',
    );
  });

  it('on a software WebGPU adapter, points at a GPU rather than at another browser', () => {
    const reason = 'WebGPU adapter is software (SwiftShader) — using WASM × 2 threads';
    const note = wasmNote({ ep: 'wasm', threads: 2, reason }, entry(false));
    expect(note).toContain('only in software');
    expect(note).not.toContain('recent Chrome or Edge');
  });
});

describe('compare mode actions (issue 14)', () => {
  type StartCompare = Extract<EngineRequest, { type: 'startCompare' }>;
  const lastStart = (sent: EngineRequest[]): StartCompare => {
    const start = sent.filter((r): r is StartCompare => r.type === 'startCompare').at(-1);
    if (start === undefined) throw new Error('no startCompare sent');
    return start;
  };

  it('a crashed worker during a comparison: it is ticked again to the tick shown, advance changes included', () => {
    const { actions, sent, store } = booted();
    actions.toggleCompare();
    const first = lastStart(sent);
    const tick = (k: number, runId = first.runId): CompareFrameEvent => ({
      type: 'compareFrame',
      runId,
      tick: k,
      calls: 1,
      callsTotal: k,
      networkMs: 0,
      batch: 1,
      shape: [2],
      panes: [0, 1].map(() => ({
        sampler: 'pc',
        i: k,
        steps: 10,
        t: 1 - k / 10,
        sigma: 1,
        nfe: 1,
        nfeTotal: k,
        msPerStep: 1,
        x: new Float32Array(2),
        denoised: new Float32Array(2),
        error: null,
        done: false,
        failure: null,
      })),
      floor: null,
      particles: 0,
      done: false,
      onGpu: false,
    });
    for (let k = 0; k <= 2; k++) actions.handleEvent(tick(k));
    actions.setAdvance('nfe'); // in force from tick 3
    actions.handleEvent(tick(3));
    actions.handleEvent({
      type: 'error',
      scope: 'worker',
      message: 'x',
      recoverable: true,
      restarted: true,
    });
    expect(sent.at(-1)).toEqual({ type: 'loadModel', modelId: 'toy', baseUrl: 'http://x/sub/models/' });
    actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
    const again = lastStart(sent);
    expect(again).toMatchObject({
      runId: first.runId + 1,
      panes: first.panes,
      advance: 't',
      replay: { to: 3, advances: [{ tick: 3, advance: 'nfe' }] },
    });
    actions.handleEvent({ ...tick(3, again.runId), replayedFrom: 0 });
    expect(store.getState().run).toMatchObject({ i: 3, runId: again.runId });
    expect(store.getState().run.compare).not.toBeNull();
    expect(store.getState().notices.at(-1)?.message).toMatch(
      /computed again from step 0 to step 3, with the same seed/,
    );
  });

  it('Compare starts two panes from the current settings; Add and Remove restart with the new panes', () => {
    const { actions, sent, store } = booted();
    actions.toggleCompare();
    const start = lastStart(sent);
    expect(start.panes.map((p) => p.sampler)).toEqual(['pc', 'ddim']);
    expect(start.panes[0].params).toEqual({ snr: 0.16, n: 1 });
    expect(start.seed).toBe(defaultSettings.seed);
    expect(start.advance).toBe('t');
    expect(store.getState().run.compare).not.toBeNull();
    expect(store.getState().run.runId).toBe(start.runId);

    actions.addPane();
    expect(lastStart(sent).panes).toHaveLength(3);
    actions.setPane(2, { samplerId: 'ode_heun', steps: 7 });
    expect(lastStart(sent).panes[2]).toMatchObject({ sampler: 'ode_heun', steps: 7 });
    actions.removePane(0);
    expect(lastStart(sent).panes.map((p) => p.sampler)).toEqual(['ddim', 'ode_heun']);
    expect(store.getState().settings.compare).toHaveLength(2);

    actions.setAdvance('nfe');
    expect(sent.at(-1)).toEqual({ type: 'setAdvance', runId: lastStart(sent).runId, advance: 'nfe' });

    // Pressed again: the single view, a plain run.
    actions.toggleCompare();
    expect(sent.at(-1)?.type).toBe('start');
    expect(store.getState().settings.compare).toBeNull();
    expect(store.getState().run.compare).toBeNull();
  });

  it('a seek does nothing in a comparison (it does not rewind)', () => {
    const { actions, sent } = booted();
    actions.toggleCompare();
    const count = sent.length;
    actions.seek(0);
    actions.stepBack();
    expect(sent).toHaveLength(count);
  });

  it('Step sweep runs the current settings at 10 … 1000 steps, playing, until it is closed', () => {
    const { actions, sent, store } = booted();
    actions.stepSweep();
    const start = lastStart(sent);
    expect(start.autoplay).toBe(true);
    expect(start.panes.map((p) => p.steps)).toEqual([10, 20, 50, 100, 200, 500, 1000]);
    expect(start.errorPlot).toBe(false);
    expect(store.getState().run.compare?.sweep).toBe(true);
    actions.reset();
    expect(lastStart(sent).runId).toBeGreaterThan(start.runId);
    actions.closeSweep();
    expect(sent.at(-1)?.type).toBe('start');
  });
});
