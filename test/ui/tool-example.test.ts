/**
 * `src=example:k` on a recorded `send` (issue 13): a link opening a tool at a real example asks the
 * engine for example k once the model is ready, and the run restarts from it: inpainting's known
 * image tiled over the batch with the link's preset mask. A failed answer becomes a notice.
 */
import { describe, expect, it } from 'vitest';
import type { EngineRequest, ModelSummary } from '../../src/engine/protocol';
import { createActions } from '../../src/ui/engine-io/actions';
import { defaultSettings, type Settings } from '../../src/ui/state/settings';
import { createAppStore } from '../../src/ui/state/store';
import { presetMask } from '../../src/ui/state/tool-start';

const digits: ModelSummary = {
  id: 'digits',
  title: 'Digits',
  task: 'image',
  shape: [1, 2, 2],
  range: [-1, 1],
  classes: [],
  analytic: false,
};

function booted(tool: Partial<Settings['tool']>) {
  const store = createAppStore({
    ...defaultSettings,
    modelId: 'digits',
    batch: 3,
    tool: { ...defaultSettings.tool, ...tool },
  });
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
  actions.handleEvent({ type: 'ready', modelId: 'digits', model: digits });
  const ofType = <T extends EngineRequest['type']>(type: T) =>
    sent.filter((r): r is Extract<EngineRequest, { type: T }> => r.type === type);
  return { store, actions, ofType };
}

const image = Float32Array.of(0.5, -0.5, 1, -1);

describe('a tool at a real example', () => {
  it('asks for example k once the model is ready and restarts the run from it, masked as the link says', () => {
    const { actions, ofType, store } = booted({ kind: 'inpaint', src: 'example:3', mask: 'top' });
    const [request] = ofType('examples');
    expect(request).toMatchObject({ modelId: 'digits', indices: [3] });
    expect(ofType('start')).toHaveLength(1); // the plain run, until the example comes
    actions.handleEvent({
      type: 'examples',
      requestId: request.requestId,
      modelId: 'digits',
      indices: [3],
      images: image,
      count: 64,
      heldOut: true,
      error: null,
    });
    const start = ofType('start').at(-1);
    expect(ofType('start')).toHaveLength(2);
    expect(start?.from?.kind).toBe('data');
    if (start?.from?.kind !== 'data') return;
    expect(Array.from(start.from.data)).toEqual([...image, ...image, ...image]);
    const mask = presetMask('top', digits.shape);
    expect(Array.from(start.from.mask ?? [])).toEqual([...mask, ...mask, ...mask]);
    expect(store.getState().toolData.knownFrom).toBe('real example 3 (held out from training)');
  });

  it('an example that cannot be had leaves the run as it was and says why', () => {
    const { actions, ofType, store } = booted({ kind: 'sdedit', src: 'example:70' });
    const [request] = ofType('examples');
    const message = 'There is no real example 70: this model ships examples 0 to 63.';
    actions.handleEvent({
      type: 'examples',
      requestId: request.requestId,
      modelId: 'digits',
      indices: [70],
      images: new Float32Array(0),
      count: 0,
      heldOut: false,
      error: message,
    });
    expect(ofType('start')).toHaveLength(1);
    expect(store.getState().notices.at(-1)).toMatchObject({
      title: 'The real example was not used',
      message,
    });
  });

  it('without a tool, or at the current sample, nothing is asked', () => {
    expect(booted({ kind: null, src: 'example:3' }).ofType('examples')).toHaveLength(0);
    expect(booted({ kind: 'inpaint', src: 'sample' }).ofType('examples')).toHaveLength(0);
  });
});
