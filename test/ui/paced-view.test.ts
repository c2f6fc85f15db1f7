import { describe, expect, it } from 'vitest';
import { createActions } from '../../src/ui/engine-io/actions';
import { atMostEvery, isPlayingProgress, pacedView } from '../../src/ui/state/paced-view';
import { createAppStore, updateRun, type AppState } from '../../src/ui/state/store';
import { defaultSettings } from '../../src/ui/state/settings';
import { testFrame } from '../helpers/frames';

const frame = testFrame;

/** A store with a paced view whose "animation frames" the test runs by hand. */
function setup() {
  const store = createAppStore({ ...defaultSettings, modelId: 'toy' });
  const queued: (() => void)[] = [];
  const view = pacedView(store, (show) => queued.push(show));
  const renders: AppState[] = [];
  view.subscribe((state) => renders.push(state));
  const nextFrame = (): void => {
    for (const show of queued.splice(0)) show();
  };
  let runIds = 0;
  const actions = createActions(store, {
    send: () => undefined,
    nextRunId: () => ++runIds,
    samplerParams: (_id, stored) => ({ ...stored }),
    modelsUrl: 'http://x/models/',
    now: () => 0,
    restartEngine: () => undefined,
  });
  actions.boot();
  actions.handleEvent({
    type: 'ready',
    modelId: 'toy',
    model: {
      id: 'toy',
      title: 'Toy',
      task: 'points',
      shape: [2],
      range: [-1, 1],
      classes: [],
      analytic: true,
    },
  });
  actions.handleEvent(frame(1, 0));
  return { store, view, renders, queued, nextFrame, actions };
}

describe('pacedView', () => {
  it('shows a playing run once per displayed frame, the latest frame winning', () => {
    const { store, view, renders, queued, nextFrame, actions } = setup();
    actions.play();
    expect(view.getState().run.status).toBe('playing'); // a status change shows at once
    const before = renders.length;
    for (let i = 1; i <= 3; i++) actions.handleEvent(frame(1, i));
    expect(store.getState().run.i).toBe(3); // the store is always up to date
    expect(view.getState().run.i).toBe(0);
    expect(renders.length).toBe(before);
    expect(queued.length).toBe(1); // one display frame asked for, however many steps came
    nextFrame();
    expect(view.getState().run.i).toBe(3);
    expect(renders.length).toBe(before + 1);
    nextFrame(); // nothing new: no render
    expect(renders.length).toBe(before + 1);
  });

  it('shows at once whatever is not a playing run stepping: pause, the last frame, steps and seeks', () => {
    const { view, nextFrame, actions } = setup();
    actions.play();
    actions.handleEvent(frame(1, 1));
    actions.handleEvent(frame(1, 2));
    actions.pause();
    // The pause shows with the frame that was still waiting.
    expect(view.getState().run).toMatchObject({ status: 'paused', i: 2 });
    actions.handleEvent(frame(1, 3)); // a step while paused
    expect(view.getState().run.i).toBe(3);
    actions.seek(1);
    expect(view.getState().run.i).toBe(1);
    actions.play();
    actions.handleEvent(frame(1, 10, true)); // the last frame: status "done"
    expect(view.getState().run).toMatchObject({ status: 'done', i: 10 });
    nextFrame();
    expect(view.getState().run.i).toBe(10);
  });

  it('shows a settings change at once, with the frame waiting', () => {
    const { store, view, actions } = setup();
    actions.play();
    actions.handleEvent(frame(1, 1));
    actions.setSpeed(60);
    expect(view.getState().settings.stepsPerSecond).toBe(60);
    expect(view.getState().run.i).toBe(1);
    expect(view.getState()).toBe(store.getState());
  });

  it('isPlayingProgress: only a new state of the same playing run, everything else equal', () => {
    const store = createAppStore();
    updateRun(store, { runId: 1, status: 'playing', i: 1 });
    const a = store.getState();
    updateRun(store, { i: 2 });
    const b = store.getState();
    expect(isPlayingProgress(b, a)).toBe(true);
    expect(isPlayingProgress(a, a)).toBe(false);
    expect(isPlayingProgress({ ...b, notices: [] }, a)).toBe(false);
    expect(isPlayingProgress({ ...b, run: { ...b.run, runId: 2 } }, a)).toBe(false);
    expect(isPlayingProgress({ ...b, run: { ...b.run, status: 'paused' } }, a)).toBe(false);
  });
});

describe('atMostEvery', () => {
  it('shows at once after a quiet interval, else when the interval is up', async () => {
    let clock = 1000;
    const schedule = atMostEvery(50, () => clock);
    const shown: number[] = [];
    schedule(() => shown.push(1));
    expect(shown).toEqual([1]);
    clock += 10;
    schedule(() => shown.push(2));
    expect(shown).toEqual([1]); // 40 ms to go
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(shown).toEqual([1, 2]);
    clock += 100;
    schedule(() => shown.push(3));
    expect(shown).toEqual([1, 2, 3]);
  });
});
