/**
 * Compare mode's page state (src/ui/state/compare.ts): panes start from the single view's
 * settings, are added and removed within 2–4, format and parse as `compare=` entries, and the
 * error plot's lines grow only when a pane spends evaluations.
 */
import { describe, expect, it } from 'vitest';
import { ERROR_PARTICLES } from '../../src/core/pane-error';
import { SWEEP_STEPS } from '../../src/core/pane-batch';
import type { CompareFrameEvent, ComparePaneFrame } from '../../src/engine/protocol';
import {
  addPane,
  compareBatch,
  differenceOf,
  emptyCompareView,
  formatCompare,
  MAX_PANES,
  parseCompare,
  removePane,
  startPanes,
  sweepPanes,
  updatePane,
  withFrame,
} from '../../src/ui/state/compare';
import { defaultSettings } from '../../src/ui/state/settings';

const ids = ['euler_maruyama', 'ddim', 'heun'];

describe('compare panes', () => {
  it('Compare starts with the current settings and a second sampler', () => {
    const panes = startPanes({ ...defaultSettings, samplerId: 'heun', steps: 30, guidance: 3 });
    expect(panes).toHaveLength(2);
    expect(panes[0]).toEqual({ samplerId: 'heun', steps: 30, sde: 'vp', schedule: 'uniform', guidance: 3 });
    expect(panes[1]).toEqual({ ...panes[0], samplerId: 'ddim' });
    expect(startPanes({ ...defaultSettings, samplerId: 'ddim' })[1].samplerId).toBe('euler_maruyama');
  });

  it('Add pane stops at 4, Remove pane k takes pane k and never goes below 2', () => {
    let panes = startPanes(defaultSettings);
    panes = updatePane(panes, 1, { steps: 20 });
    panes = addPane(panes);
    expect(panes).toHaveLength(3);
    expect(panes[2]).toEqual(panes[1]);
    panes = addPane(addPane(panes));
    expect(panes).toHaveLength(MAX_PANES);
    panes = updatePane(panes, 2, { samplerId: 'heun' });
    const removed = removePane(panes, 1);
    expect(removed.map((p) => p.samplerId)).toEqual(['euler_maruyama', 'heun', 'ddim']);
    const two = removePane(removePane(removed, 0), 0);
    expect(two).toHaveLength(2);
    expect(removePane(two, 0)).toEqual(two);
  });

  it('format and parse are inverse', () => {
    const panes = updatePane(addPane(startPanes(defaultSettings)), 2, {
      samplerId: 'heun',
      steps: 7,
      sde: 'subvp',
      schedule: 'logsnr',
      guidance: 0.25,
    });
    const text = formatCompare(panes);
    expect(text).toBe('euler_maruyama:100:vp:uniform:2,ddim:100:vp:uniform:2,heun:7:subvp:logsnr:0.25');
    expect(parseCompare(text, ids)).toEqual({ panes });
  });

  it('the step sweep is the same settings at 10 … 1000 steps', () => {
    const panes = sweepPanes({ ...defaultSettings, samplerId: 'ddim' });
    expect(panes.map((p) => p.steps)).toEqual([...SWEEP_STEPS]);
    expect(new Set(panes.map((p) => p.samplerId))).toEqual(new Set(['ddim']));
  });

  it('an exact mixture with the plot runs at least ERROR_PARTICLES per pane', () => {
    expect(ERROR_PARTICLES).toBeGreaterThanOrEqual(1000);
    expect(compareBatch(16, true)).toBe(ERROR_PARTICLES);
    expect(compareBatch(16, false)).toBe(16);
  });

  it('the difference image is |a − b| from the low end of the range', () => {
    expect(Array.from(differenceOf(Float32Array.of(1, -1), Float32Array.of(-1, -1), [-1, 1]))).toEqual([
      1, -1,
    ]);
  });
});

function pane(nfeTotal: number, error: number | null): ComparePaneFrame {
  return {
    sampler: 'ddim',
    i: nfeTotal,
    steps: 10,
    t: 0.5,
    sigma: 1,
    nfe: 1,
    nfeTotal,
    msPerStep: 1,
    x: new Float32Array(2),
    denoised: new Float32Array(2),
    error,
    done: false,
    failure: null,
  };
}

function frame(tick: number, panes: ComparePaneFrame[]): CompareFrameEvent {
  return {
    type: 'compareFrame',
    runId: 1,
    tick,
    calls: 1,
    callsTotal: tick,
    networkMs: 0,
    batch: 1,
    shape: [2],
    panes,
    floor: { low: 0.01, high: 0.02 },
    particles: 1024,
    done: false,
    onGpu: false,
  };
}

describe('the error-vs-NFE lines', () => {
  it('one line per pane, a point each time its NFE grows, restarted at tick 0', () => {
    let view = emptyCompareView(false);
    view = withFrame(view, frame(0, [pane(0, 3), pane(0, 3)]));
    view = withFrame(view, frame(1, [pane(1, 2), pane(0, 3)]));
    view = withFrame(view, frame(2, [pane(2, 1), pane(2, 1.5)]));
    expect(view.series).toEqual([
      [
        { nfe: 0, error: 3 },
        { nfe: 1, error: 2 },
        { nfe: 2, error: 1 },
      ],
      [
        { nfe: 0, error: 3 },
        { nfe: 2, error: 1.5 },
      ],
    ]);
    view = withFrame(view, frame(0, [pane(0, 3), pane(0, 3)]));
    expect(view.series.map((line) => line.length)).toEqual([1, 1]);
    expect(withFrame(emptyCompareView(false), frame(0, [pane(0, null)])).series).toEqual([[]]);
  });
});
