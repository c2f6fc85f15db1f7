/**
 * Compare mode in the real engine worker (issue 14): the tiny ONNX fixture, two panes on one grid
 * with one evaluation a step each, on WASM (networkGate) and on WebGPU (gpu-pane-gate, GPU-resident;
 * SwiftShader here). Each tick is one network call serving both panes, both panes reach the end,
 * and the GPU-resident panes match the WASM ones to float32 rounding of two backends.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CompareFrameEvent, EngineEvent, EngineRequest, EpPreference } from '../../src/engine/protocol';
import type { EngineClient } from '../../src/ui/engine-io/worker-client';
import { connectEngine } from '../helpers/engine-connection';

const FIXTURES = new URL('/test/fixtures/', location.href).href;
const open: EngineClient[] = [];
afterAll(() => open.splice(0).forEach((c) => c.dispose()));

function startCompare(runId: number): EngineRequest {
  const pane = (sampler: string) => ({
    sampler,
    params: {},
    sde: { kind: 'vp' as const },
    schedule: 'uniform' as const,
    steps: 4,
    guidance: 2,
  });
  return {
    type: 'startCompare',
    runId,
    autoplay: true,
    model: 'tiny',
    seed: 7,
    batch: 2,
    classLabel: 1,
    denoiseFinal: false,
    noise: 'brownian',
    stepsPerSecond: 0,
    advance: 't',
    errorPlot: false,
    panes: [pane('ode_euler'), pane('euler_maruyama')],
  };
}

async function compareToEnd(ep: EpPreference): Promise<CompareFrameEvent[]> {
  const c = connectEngine(ep);
  open.push(c.client);
  c.client.send({ type: 'loadModel', modelId: 'tiny', baseUrl: FIXTURES });
  const ready = await c.next((e) => (e.type === 'ready' || e.type === 'error') && e.modelId === 'tiny');
  expect(ready.type).toBe('ready');
  c.client.send(startCompare(1));
  await c.next((e) => e.type === 'paused' && e.runId === 1);
  expect(c.events.filter((e) => e.type === 'error')).toEqual([]);
  return c.events.filter((e: EngineEvent): e is CompareFrameEvent => e.type === 'compareFrame');
}

describe('compare mode in the engine worker', () => {
  let wasm: CompareFrameEvent[] = [];

  it('on WASM: both panes play to the end, one network call per tick serving both', async () => {
    wasm = await compareToEnd('wasm');
    expect(wasm.map((f) => f.tick)).toEqual([0, 1, 2, 3, 4]);
    const last = wasm.at(-1) as CompareFrameEvent;
    expect(last.done).toBe(true);
    expect(last.onGpu).toBe(false);
    expect(last.panes.map((p) => p.nfeTotal)).toEqual([4, 4]);
    expect(wasm.slice(1).map((f) => f.calls)).toEqual([1, 1, 1, 1]);
    expect(last.callsTotal).toBe(4);
    for (const pane of last.panes) {
      expect(pane.msPerStep).toBeGreaterThan(0);
      expect(pane.x.length).toBe(2 * 64);
      expect(pane.x.every(Number.isFinite)).toBe(true);
    }
    // The same prior for both panes; different samplers, different endpoints.
    expect(wasm[0].panes[0].x).toEqual(wasm[0].panes[1].x);
    expect(last.panes[0].x).not.toEqual(last.panes[1].x);
  });

  it('on WebGPU: GPU-resident panes through the GPU gate, equal to WASM within 5e-4', async () => {
    const gpu = await compareToEnd('webgpu');
    expect(gpu).toHaveLength(wasm.length);
    const last = gpu.at(-1) as CompareFrameEvent;
    expect(last.onGpu).toBe(true);
    expect(gpu.slice(1).map((f) => f.calls)).toEqual([1, 1, 1, 1]);
    let maxDiff = 0;
    for (const [k, frame] of gpu.entries()) {
      for (const [p, pane] of frame.panes.entries()) {
        const ref = wasm[k].panes[p].denoised;
        for (let e = 0; e < ref.length; e++) maxDiff = Math.max(maxDiff, Math.abs(pane.denoised[e] - ref[e]));
      }
    }
    // Two networks (WebGPU and WASM kernels) that agree to ~1e-4 per call (engine-worker.test.ts),
    // over four steps of two samplers.
    console.info(`compare panes, max |WebGPU − WASM| of x̂₀: ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThan(5e-4);
  });
});

describe('a comparison ticked again (faults, issue 16)', () => {
  it('to tick k with the advance mode changed on the way: the same panes as the comparison it replaces', async () => {
    const c = connectEngine('wasm');
    open.push(c.client);
    c.client.send({ type: 'loadModel', modelId: 'tiny', baseUrl: FIXTURES });
    await c.next((e) => e.type === 'ready' && e.modelId === 'tiny');
    // Panes of different step counts, so lock-step on t and by NFE tick differently.
    const request = startCompare(1) as Extract<EngineRequest, { type: 'startCompare' }>;
    const panes = [
      { ...request.panes[0], steps: 6 },
      { ...request.panes[1], sampler: 'ode_heun', steps: 3 },
    ];
    const settings = { ...request, panes, autoplay: false };
    c.client.send(settings);
    await c.next((e) => e.type === 'compareFrame' && e.runId === 1);
    const tick = async (runId: number, k: number) => {
      c.client.send({ type: 'step', runId });
      return (await c.next(
        (e) => e.type === 'compareFrame' && e.runId === runId && e.tick === k,
      )) as CompareFrameEvent;
    };
    await tick(1, 1);
    await tick(1, 2);
    c.client.send({ type: 'setAdvance', runId: 1, advance: 'nfe' });
    await tick(1, 3);
    const original = await tick(1, 4);
    const advances = [{ tick: 3, advance: 'nfe' as const }];
    c.client.send({ ...settings, runId: 2, replay: { to: 4, advances } });
    const replayed = (await c.next((e) => e.type === 'compareFrame' && e.runId === 2)) as CompareFrameEvent;
    expect(replayed).toMatchObject({ tick: 4, replayedFrom: 0, callsTotal: original.callsTotal });
    expect(replayed.panes.map((p) => Array.from(p.x))).toEqual(original.panes.map((p) => Array.from(p.x)));
    // Without the change of mode, tick 4 is elsewhere: the advances are needed.
    c.client.send({ ...settings, runId: 3, replay: { to: 4, advances: [] } });
    const unchanged = (await c.next((e) => e.type === 'compareFrame' && e.runId === 3)) as CompareFrameEvent;
    expect(unchanged.panes.map((p) => p.i)).not.toEqual(original.panes.map((p) => p.i));
    expect(c.events.filter((e) => e.type === 'error')).toEqual([]);
  });
});
