/** Your own data: the drawing reaches the engine as a defined model, and its messages are checked. */
import { describe, expect, it } from 'vitest';
import { isRequest, isTrainEvent, isTrainRequest, type EngineRequest } from '../../src/engine/protocol';
import type { Params } from '../../src/core/types';
import { createActions } from '../../src/ui/engine-io/actions';
import { defaultSettings } from '../../src/ui/state/settings';
import { createAppStore } from '../../src/ui/state/store';
import { DRAWING_ID, encodeDrawing, TRAINED_ID } from '../../src/ui/state/drawing';

function setup(drawingData: string, modelId = DRAWING_ID) {
  const store = createAppStore({ ...defaultSettings, modelId, drawingData });
  const sent: EngineRequest[] = [];
  let runIds = 0;
  const actions = createActions(store, {
    send: (r) => sent.push(r),
    nextRunId: () => ++runIds,
    samplerParams: (_id, stored): Params => ({ ...stored }),
    modelsUrl: 'http://x/models/',
    now: () => 0,
    restartEngine: () => undefined,
  });
  return { store, sent, actions };
}

describe('the drawing as a model', () => {
  it('a link with data= defines the drawing in the engine from its points, then runs it', () => {
    const points = Float32Array.of(0.5, -1, 1.25, 2);
    const { sent, actions, store } = setup(encodeDrawing(points));
    actions.boot();
    const define = sent.find((r) => r.type === 'defineModel');
    expect(define).toMatchObject({ type: 'defineModel', modelId: DRAWING_ID });
    expect(Array.from((define as Extract<EngineRequest, { type: 'defineModel' }>).points!)).toEqual(
      Array.from(points),
    );
    expect(sent.some((r) => r.type === 'loadModel')).toBe(false);
    expect(store.getState().catalogue.map((e) => e.id)).toContain(DRAWING_ID);
    actions.handleEvent({
      type: 'ready',
      modelId: DRAWING_ID,
      model: {
        id: DRAWING_ID,
        title: 'Your drawing',
        task: 'points',
        shape: [2],
        range: [-4, 4],
        classes: [],
        analytic: false,
      },
    });
    expect(sent.at(-1)).toMatchObject({ type: 'start', model: DRAWING_ID });
  });

  it('an empty drawing asks the engine for nothing; new points define it and update the link', () => {
    const { sent, actions, store } = setup('');
    actions.boot();
    expect(sent.map((r) => r.type)).toEqual(['init']);
    actions.setDrawingPoints(Float32Array.of(1, 1));
    expect(sent.at(-1)).toMatchObject({ type: 'defineModel', modelId: DRAWING_ID });
    expect(store.getState().settings.drawingData).toBe(encodeDrawing(Float32Array.of(1, 1)));
    actions.setDrawingPoints(new Float32Array(0));
    expect(store.getState().settings.drawingData).toBe('');
  });

  it('a link to the trained network (not in any link) shows the drawing with a notice', () => {
    const { store, actions } = setup(encodeDrawing(Float32Array.of(0, 0)), TRAINED_ID);
    actions.boot();
    expect(store.getState().settings.modelId).toBe(DRAWING_ID);
    expect(store.getState().notices.map((n) => n.title)).toContain('The trained network is not in the link');
  });

  it('Train without points says what to do and starts nothing', () => {
    const { store, actions } = setup('');
    actions.boot();
    actions.train();
    expect(store.getState().drawing.inputError).toMatch(/Nothing to train on/);
    expect(store.getState().drawing.training.status).toBe('idle');
  });
});

describe('own-data messages', () => {
  it('are checked on arrival', () => {
    expect(
      isRequest({ type: 'defineModel', modelId: 'drawing', card: {}, points: new Float32Array(2) }),
    ).toBe(true);
    expect(isRequest({ type: 'defineModel', modelId: 'drawing', card: {}, points: [1, 2] })).toBe(false);
    const view = { sigma: 0.3, range: [-4, 4] };
    expect(isTrainRequest({ type: 'train', points: new Float32Array(4), steps: 10, seed: 0, view })).toBe(
      true,
    );
    expect(
      isTrainRequest({ type: 'train', points: new Float32Array(4), steps: 10, seed: 0, view: { sigma: 0 } }),
    ).toBe(false);
    expect(
      isTrainEvent({
        type: 'trainProgress',
        step: 20,
        steps: 100,
        losses: new Float32Array(20),
        elapsedMs: 5,
      }),
    ).toBe(true);
    expect(isTrainEvent({ type: 'trained', step: 20, elapsedMs: 5, card: null })).toBe(false);
  });
});
