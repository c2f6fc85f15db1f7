/**
 * The lesson player's logic: what a lesson link asks for, where its file may come from, which of a
 * step's keys the page knows, the order of a step's actions (a swap at exactly its step), and the
 * player on a recorded engine: a step's settings reach the store and the engine, its actions drive
 * the run, a bad file is refused naming its field, and the welcome card's rule.
 */
import { describe, expect, it } from 'vitest';
import type { EngineRequest, ModelSummary } from '../../src/engine/protocol';
import type { Params } from '../../src/core/types';
import { createActions } from '../../src/ui/engine-io/actions';
import { createLessonPlayer } from '../../src/ui/engine-io/lesson-player';
import {
  lessonFileUrl,
  lessonLinkOf,
  planActions,
  runPlan,
  sameRun,
  splitStepHash,
  type PlanDriver,
} from '../../src/ui/state/lesson-plan';
import { defaultSettings } from '../../src/ui/state/settings';
import { createAppStore } from '../../src/ui/state/store';
import { parseHash, urlSettingKeys } from '../../src/ui/state/url-state';
import { urlVocabulary } from '../../src/ui/state/registry-view';
import { shouldWelcome, WELCOME_KEY } from '../../src/ui/components/Welcome';
import { testFrame } from '../helpers/frames';

const site = 'https://teach.example/sub/diffusion/';
const page = `${site}index.html#lesson=x`;

describe('lesson links', () => {
  it('reads lesson and lstep; a missing or bad lstep is step 1', () => {
    expect(lessonLinkOf({ lesson: 'sde-vs-ode', lstep: '3' })).toEqual({
      key: 'sde-vs-ode',
      source: { kind: 'shipped', id: 'sde-vs-ode' },
      step: 3,
    });
    expect(lessonLinkOf({ lesson: 'url:/my/l.json' })?.source).toEqual({ kind: 'url', path: '/my/l.json' });
    expect(lessonLinkOf({ lesson: 'a', lstep: 'two' })?.step).toBe(1);
    expect(lessonLinkOf({ lesson: 'a', lstep: '0' })?.step).toBe(1);
    expect(lessonLinkOf({ lstep: '2' })).toBeNull();
  });

  it('finds shipped lessons under the site, so a sub-path works', () => {
    expect(lessonFileUrl({ kind: 'shipped', id: 'guidance' }, site, page)).toEqual({
      url: 'https://teach.example/sub/diffusion/lessons/guidance.json',
    });
    expect(lessonFileUrl({ kind: 'shipped', id: '../secret' }, site, page)).toHaveProperty('error');
  });

  it("reads a teacher's file from the page's own site and refuses another site's", () => {
    expect(lessonFileUrl({ kind: 'url', path: 'mine/l.json' }, site, page)).toEqual({
      url: 'https://teach.example/sub/diffusion/mine/l.json',
    });
    expect(lessonFileUrl({ kind: 'url', path: '/l.json' }, site, page)).toEqual({
      url: 'https://teach.example/l.json',
    });
    for (const path of [
      'https://evil.example/l.json',
      '//evil.example/l.json',
      'http://teach.example/l.json',
    ]) {
      const result = lessonFileUrl({ kind: 'url', path }, site, page);
      expect(result, path).toHaveProperty('error');
      expect((result as { error: string }).error).toMatch(/is on another site/);
    }
  });
});

describe("a step's hash", () => {
  it('sets aside the feature keys the page does not know, in words, and keeps the rest', () => {
    const split = splitStepHash('model=mnist&dir=forward&t=0.25&steps=100', ['model', 'steps']);
    expect(split.hash).toBe('model=mnist&steps=100');
    expect(split.missing.map((m) => m.words)).toEqual([
      'Direction: Forward (noising real data)',
      'the forward process shown at t = 0.25',
    ]);
    // Once the page knows a key, it is applied like any other.
    expect(splitStepHash('model=mnist&dir=forward', ['model', 'dir']).hash).toBe('model=mnist&dir=forward');
  });

  it('keeps the run when only view options or the speed differ', () => {
    const a = { ...defaultSettings, modelId: 'ring8' };
    expect(sameRun(a, { ...a, view: { ...a.view, scoreField: false }, stepsPerSecond: 120 })).toBe(true);
    expect(sameRun(a, { ...a, samplerId: 'ode_heun' })).toBe(false);
    expect(sameRun(a, { ...a, samplerParams: { pc: { snr: 1 } } })).toBe(false);
  });
});

describe('actions', () => {
  it('a swap becomes a play to its step, the swap, then the rest of the play', () => {
    expect(planActions([{ seek: 0 }, { swapSampler: 'euler_maruyama', at: 50 }, { play: 101 }])).toEqual([
      { op: 'seek', to: 0 },
      { op: 'play', to: 50 },
      { op: 'swap', sampler: 'euler_maruyama' },
      { op: 'play', to: 101 },
    ]);
    expect(
      planActions([
        { swapSampler: 'b', at: 60 },
        { swapSampler: 'a', at: 20 },
        { direction: 'reverse' },
        { play: 80 },
      ]),
    ).toEqual([
      { op: 'direction', direction: 'reverse' },
      { op: 'play', to: 20 },
      { op: 'swap', sampler: 'a' },
      { op: 'play', to: 60 },
      { op: 'swap', sampler: 'b' },
      { op: 'play', to: 80 },
    ]);
  });

  /** A run the fake driver advances instantly, with a log of what was asked. */
  function fakeDriver(stopAt = Infinity) {
    const log: string[] = [];
    let i = 0;
    let reached = 0;
    const driver: PlanDriver = {
      reached: () => reached,
      playTo: (to) => {
        i = Math.min(to, stopAt);
        reached = Math.max(reached, i);
        log.push(`play→${i}`);
        return Promise.resolve(i === to);
      },
      seek: (to) => {
        i = to;
        log.push(`seek ${to}`);
      },
      swapSampler: (id) => log.push(`swap ${id} at ${i}`),
      direction: (d) => log.push(`dir ${d}`),
    };
    return { driver, log };
  }

  it('runs in order; a seek past the steps computed plays on to it; the swap lands at its step', async () => {
    const { driver, log } = fakeDriver();
    const plan = planActions([{ seek: 30 }, { seek: 10 }, { swapSampler: 'pc', at: 50 }, { play: 101 }]);
    expect(await runPlan(plan, driver, new AbortController().signal)).toBe(true);
    expect(log).toEqual(['play→30', 'seek 10', 'play→50', 'swap pc at 50', 'play→101']);
  });

  it('stops when a play stops short or the student moves on', async () => {
    const short = fakeDriver(40);
    const plan = planActions([{ swapSampler: 'pc', at: 50 }, { play: 101 }]);
    expect(await runPlan(plan, short.driver, new AbortController().signal)).toBe(false);
    expect(short.log).toEqual(['play→40']);
    const moved = fakeDriver();
    const controller = new AbortController();
    controller.abort();
    expect(await runPlan(plan, moved.driver, controller.signal)).toBe(false);
    expect(moved.log).toEqual([]);
  });
});

describe('the player on a recorded engine', () => {
  const ring: ModelSummary = {
    id: 'ring8',
    title: 'Ring',
    task: 'points',
    shape: [2],
    range: [-4, 4],
    classes: [],
    analytic: true,
  };
  const vocabulary = urlVocabulary(['ring8', 'mnist']);

  const lessonJson = {
    id: 'tiny',
    title: 'Tiny',
    steps: [
      { text: 'One $x$.', hash: 'model=ring8&sampler=ode_heun&steps=10&seed=4&v=2' },
      {
        text: 'Two.',
        hash: 'model=ring8&sampler=ode_heun&steps=10&seed=4&score=0&t=0.5&dir=reverse&v=2',
        actions: [{ play: 3 }],
      },
      { text: 'Three.', hash: 'model=ring8&sampler=euler_maruyama&steps=20&seed=4&v=2' },
    ],
  };

  function setup(files: Record<string, string>) {
    const store = createAppStore({ ...defaultSettings, modelId: 'ring8', hidden: ['Glossary'] });
    const sent: EngineRequest[] = [];
    let runIds = 0;
    const actions = createActions(store, {
      send: (r) => sent.push(r),
      nextRunId: () => ++runIds,
      samplerParams: (_id, stored): Params => ({ ...stored }),
      modelsUrl: `${site}models/`,
      now: () => 0,
      restartEngine: () => undefined,
    });
    const keys: (string | null)[] = [];
    const player = createLessonPlayer(store, actions, {
      siteUrl: site,
      pageUrl: () => page,
      fetchText: (url) =>
        files[url] === undefined ? Promise.reject(new Error('HTTP 404')) : Promise.resolve(files[url]),
      vocabulary,
      defaults: { ...defaultSettings, modelId: 'ring8' },
      writeKeys: (k) => keys.push(k),
    });
    actions.boot();
    actions.handleEvent({ type: 'ready', modelId: 'ring8', model: ring });
    return { store, sent, actions, player, keys };
  }
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it("applies a step's settings as a link would, keeps the teacher's hide=, writes lesson and lstep", async () => {
    const { store, sent, player, keys } = setup({ [`${site}lessons/tiny.json`]: JSON.stringify(lessonJson) });
    player.syncFromHash({ lesson: 'tiny', lstep: '1' });
    await settle();
    const s = store.getState();
    expect(s.lesson?.lesson?.title).toBe('Tiny');
    expect(s.lesson?.step).toBe(1);
    const want = parseHash(lessonJson.steps[0].hash, vocabulary).settings;
    expect(s.settings.samplerId).toBe('ode_heun');
    expect(s.settings.seed).toBe(want.seed);
    expect(s.settings.hidden).toEqual(['Glossary']);
    expect(keys.at(-1)).toBe('lesson=tiny&lstep=1');
    const start = sent.filter((r) => r.type === 'start').at(-1);
    expect(start).toMatchObject({ sampler: 'ode_heun', steps: 10, seed: 4 });
  });

  it('Next keeps the run when only the view changes, and plays to step k', async () => {
    const { store, sent, actions, player } = setup({
      [`${site}lessons/tiny.json`]: JSON.stringify(lessonJson),
    });
    player.syncFromHash({ lesson: 'tiny' });
    await settle();
    const runId = store.getState().run.runId ?? -1;
    actions.handleEvent(testFrame(runId, 0));
    const starts = sent.filter((r) => r.type === 'start').length;
    player.next();
    await settle();
    expect(sent.filter((r) => r.type === 'start').length).toBe(starts); // same run
    expect(store.getState().settings.view.scoreField).toBe(false);
    expect(store.getState().lesson?.missing).toEqual([]);
    expect(sent.at(-1)).toEqual({ type: 'play', runId });
    for (const i of [1, 2, 3]) actions.handleEvent(testFrame(runId, i));
    await settle();
    // Pauses at step 3 and puts the engine back there (it may have computed step 4 already).
    const tail = sent.slice(-2).map((r) => r.type);
    expect(tail).toEqual(['pause', 'seek']);
    expect(sent.at(-1)).toMatchObject({ type: 'seek', k: 3 });
    // A step with another sampler starts a run of it.
    player.next();
    expect(sent.filter((r) => r.type === 'start').at(-1)).toMatchObject({
      sampler: 'euler_maruyama',
      steps: 20,
    });
    expect(store.getState().lesson?.step).toBe(3);
    player.next();
    expect(store.getState().lesson?.step).toBe(3); // the last step stays
  });

  it('in a Forward step, playing to step k shows the forward process at t = k/steps', async () => {
    const forward = structuredClone(lessonJson);
    forward.steps[1].hash = forward.steps[1].hash.replace('dir=reverse', 'dir=forward');
    const { store, sent, actions, player } = setup({ [`${site}lessons/tiny.json`]: JSON.stringify(forward) });
    player.syncFromHash({ lesson: 'tiny', lstep: '2' });
    await settle();
    const runId = store.getState().run.runId ?? -1;
    actions.handleEvent(testFrame(runId, 0));
    await settle();
    const lesson = store.getState().lesson;
    expect(lesson?.held).toBe(false);
    expect(lesson?.missing).toEqual([]);
    expect(store.getState().settings.direction).toBe('forward');
    // { play: 3 } with 10 steps: the forward time 0.3, never a reverse play.
    expect(sent.map((r) => r.type)).not.toContain('play');
    expect(sent.filter((r) => r.type === 'forward').at(-1)).toMatchObject({ t: 0.3 });
  });

  it('a bad file closes the lesson with a notice naming the field; the settings stay', async () => {
    const bad = structuredClone(lessonJson) as { steps: Record<string, unknown>[] };
    bad.steps[1].actions = [{ play: 0 }];
    const { store, player, keys } = setup({ [`${site}mine/bad.json`]: JSON.stringify(bad) });
    const before = store.getState().settings;
    player.syncFromHash({ lesson: 'url:mine/bad.json' });
    await settle();
    expect(store.getState().lesson).toBeNull();
    expect(keys.at(-1)).toBeNull();
    const notice = store.getState().notices.at(-1);
    expect(notice?.title).toBe('Lesson could not be opened');
    expect(notice?.message).toContain('mine/bad.json: steps[1].actions[0].play: must be the step to play to');
    expect(store.getState().settings).toBe(before);
  });

  it('an unknown lesson and a file that is not JSON say so', async () => {
    const { store, player } = setup({ [`${site}x.json`]: '{"id": "x",' });
    player.syncFromHash({ lesson: 'no-such-lesson' });
    await settle();
    expect(store.getState().notices.at(-1)?.message).toMatch(
      /lessons\/no-such-lesson\.json could not be loaded \(HTTP 404\)\. There may be no lesson "no-such-lesson"/,
    );
    player.syncFromHash({ lesson: 'url:x.json' });
    await settle();
    expect(store.getState().notices.at(-1)?.message).toMatch(/x\.json is not valid JSON/);
  });

  it('a hash without lesson keys closes the lesson', async () => {
    const { store, player, keys } = setup({ [`${site}lessons/tiny.json`]: JSON.stringify(lessonJson) });
    player.syncFromHash({ lesson: 'tiny', lstep: '2' });
    await settle();
    expect(store.getState().lesson?.step).toBe(2);
    player.syncFromHash({});
    expect(store.getState().lesson).toBeNull();
    expect(keys.at(-1)).toBeNull();
  });
});

describe('welcome card', () => {
  const storage = (value: string | null) => ({ getItem: (k: string) => (k === WELCOME_KEY ? value : null) });
  it('greets a bare URL only, and never after it was dismissed', () => {
    expect(shouldWelcome('', storage(null))).toBe(true);
    expect(shouldWelcome('#', storage(null))).toBe(true);
    expect(shouldWelcome('#model=mnist', storage(null))).toBe(false);
    expect(shouldWelcome('#lesson=guidance', storage(null))).toBe(false);
    expect(shouldWelcome('', storage('1'))).toBe(false);
  });
});

it('the URL vocabulary lists the setting keys a step may hold', () => {
  expect(urlSettingKeys).toContain('model');
  expect(urlSettingKeys).toContain('hide');
});
