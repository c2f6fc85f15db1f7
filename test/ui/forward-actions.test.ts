/** The Direction's page logic (issue 12) on a recorded `send`: what the engine is asked, and when. */
import { describe, expect, it } from 'vitest';
import type { EngineRequest, FrameEvent, ModelSummary } from '../../src/engine/protocol';
import { createActions } from '../../src/ui/engine-io/actions';
import { defaultSettings } from '../../src/ui/state/settings';
import { createAppStore } from '../../src/ui/state/store';
import { testFrame } from '../helpers/frames';

const toy: ModelSummary = {
  id: 'toy',
  title: 'Toy',
  task: 'points',
  shape: [2],
  range: [-1, 1],
  classes: [],
  analytic: true,
};

function booted(direction: 'forward' | 'reverse' = 'reverse') {
  const store = createAppStore({ ...defaultSettings, modelId: 'toy', direction, forwardT: 0.5, steps: 10 });
  const sent: EngineRequest[] = [];
  let runIds = 0;
  const actions = createActions(store, {
    send: (r) => sent.push(r),
    nextRunId: () => ++runIds,
    samplerParams: (_id, stored) => ({ ...stored }),
    modelsUrl: 'http://x/models/',
    now: () => 0,
    restartEngine: () => undefined,
  });
  actions.boot();
  actions.handleEvent({ type: 'ready', modelId: 'toy', model: toy });
  actions.handleEvent(testFrame(1, 0));
  const forwardFrame = (t: number): FrameEvent => ({
    ...testFrame(store.getState().run.runId ?? 0, 0),
    t,
    sigma: t,
    x: Float32Array.of(2, 2),
    forward: { t, origin: Float32Array.of(1, 1) },
  });
  const ofType = <T extends EngineRequest['type']>(type: T) =>
    sent.filter((r): r is Extract<EngineRequest, { type: T }> => r.type === type);
  return { store, sent, actions, forwardFrame, ofType };
}

describe('Direction', () => {
  it('Forward asks for the frame at the current t; the Timeline asks one t at a time, the latest wins', () => {
    const { actions, ofType, forwardFrame, store } = booted();
    actions.setDirection('forward');
    expect(ofType('forward')).toEqual([{ type: 'forward', runId: 1, t: 0.5 }]);
    actions.seekForward(0.6);
    actions.seekForward(0.7);
    expect(ofType('forward')).toHaveLength(1); // waits for the answer
    actions.handleEvent(forwardFrame(0.5));
    expect(ofType('forward').at(-1)).toEqual({ type: 'forward', runId: 1, t: 0.7 });
    expect(store.getState().settings.forwardT).toBe(0.7);
    // A forward frame is not a step of the run: the Timeline of Reverse is untouched.
    expect(store.getState().run.reached).toBe(0);
  });

  it('a link in Forward asks for its frame once the run has its first frame', () => {
    const { ofType } = booted('forward');
    expect(ofType('forward')).toEqual([{ type: 'forward', runId: 1, t: 0.5 }]);
  });

  it('Step and ← move t by 1/steps; Reset goes to t = 0; Reverse shows the run again by a seek', () => {
    const { actions, ofType, forwardFrame } = booted('forward');
    actions.handleEvent(forwardFrame(0.5));
    actions.step();
    actions.handleEvent(forwardFrame(0.6));
    actions.stepBack();
    actions.handleEvent(forwardFrame(0.5));
    actions.reset();
    expect(ofType('forward').map((r) => r.t)).toEqual([0.5, 0.6, 0.5, 0]);
    expect(ofType('start')).toHaveLength(1); // no new run
    actions.setDirection('reverse');
    expect(ofType('seek')).toEqual([{ type: 'seek', runId: 1, k: 0 }]);
  });

  it('a pasted link in Reverse stops Play in Forward, and a link in Forward asks for its t', () => {
    const { actions, ofType, forwardFrame, store } = booted('forward');
    actions.handleEvent(forwardFrame(0.5));
    actions.play();
    expect(store.getState().forward.playing).toBe(true);
    actions.applyLink({ ...store.getState().settings, direction: 'reverse' });
    expect(store.getState().forward.playing).toBe(false);
    actions.applyLink({ ...store.getState().settings, direction: 'forward', forwardT: 0.25, seed: 9 });
    const runId = store.getState().run.runId ?? 0;
    actions.handleEvent(testFrame(runId, 0));
    expect(ofType('forward').at(-1)).toEqual({ type: 'forward', runId, t: 0.25 });
  });

  it('an export in Forward takes the forward frame shown, without asking the engine', async () => {
    const { actions, ofType, forwardFrame } = booted('forward');
    const shown = forwardFrame(0.5);
    actions.handleEvent(shown);
    await expect(actions.currentFrame()).resolves.toBe(shown);
    expect(ofType('readFrame')).toHaveLength(0);
  });

  it('the engine cannot show the forward process: a notice, and back to Reverse', () => {
    const { actions, store } = booted('forward');
    actions.handleEvent({
      type: 'error',
      scope: 'forward',
      runId: 1,
      message: 'The real examples could not be used.',
      recoverable: true,
    });
    expect(store.getState().settings.direction).toBe('reverse');
    expect(store.getState().notices.map((n) => n.title)).toContain('Forward process unavailable');
  });

  it('Reverse from here starts the run from the shown x_t, playing, and keeps x₀ for the distance', () => {
    const { actions, ofType, forwardFrame, store } = booted('forward');
    actions.handleEvent(forwardFrame(0.5));
    actions.reverseFromHere();
    expect(ofType('reverseFromHere')).toEqual([{ type: 'reverseFromHere', runId: 1, autoplay: true }]);
    const state = store.getState();
    expect(state.settings.direction).toBe('reverse');
    expect(state.forward.reverse?.fromT).toBe(0.5);
    expect(Array.from(state.forward.reverse?.origin ?? [])).toEqual([1, 1]);
    expect(state.run.status).toBe('playing');
  });
});
