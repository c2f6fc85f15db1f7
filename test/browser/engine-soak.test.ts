/**
 * Soak on the GPU path (issue 16), through the real engine worker on WebGPU with the tiny ONNX
 * fixture and the page's two canvases attached (so the worker's painter draws every frame): the GPU
 * buffers the worker's fields hold (a GPU-resident frame's `gpuBuffers`, which counts the pool) and
 * those alive on the whole device, whoever made them (`deviceBuffers` and `deviceBufferBytes`:
 * onnxruntime's, the fields', the network inputs', the painter's) do not grow with runs or with
 * steps. Each run plays the same recipe: steps with ode_heun, a live swap to euler_maruyama, a
 * rewind and a branch, then plays to the end.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent, FrameEvent } from '../../src/engine/protocol';
import type { EngineClient } from '../../src/ui/engine-io/worker-client';
import { connectEngine } from '../helpers/engine-connection';
import { startRequest } from '../helpers/start-request';

const FIXTURES = new URL('/test/fixtures/', location.href).href;
const open: EngineClient[] = [];
afterAll(() => open.splice(0).forEach((c) => c.dispose()));

const STEPS = 60;
const RUNS = 4;

/** A GPU-resident frame's counts: the fields' buffers, and the whole device's buffers and bytes. */
interface Counts {
  fields: number;
  device: number;
  bytes: number;
}

/** Two page canvases, handed to the worker: every frame of an image run is drawn into them. */
function attachViews(client: EngineClient): void {
  const canvas = () => {
    const element = document.createElement('canvas');
    document.body.append(element);
    return element.transferControlToOffscreen();
  };
  client.send({ type: 'attachViews', x: canvas(), denoised: canvas() });
}

describe('soak on the GPU path', () => {
  it('GPU buffers of the fields and of the whole device are the same after every run, and a branch makes none', async () => {
    const c = connectEngine('webgpu');
    open.push(c.client);
    attachViews(c.client);
    c.client.send({ type: 'loadModel', modelId: 'tiny', baseUrl: FIXTURES });
    const loaded = await c.next((e) => (e.type === 'ready' || e.type === 'error') && e.modelId === 'tiny');
    expect(loaded.type).toBe('ready');

    /** Sends a request and waits for the run's next frame at step i (after the request). */
    const frameAfter = async (runId: number, i: number, send: () => void): Promise<FrameEvent> => {
      const since = c.events.length;
      send();
      const match = (e: EngineEvent) => e.type === 'frame' && e.runId === runId && e.i === i;
      return (await c.next(match, since)) as FrameEvent;
    };
    const buffersOf = (frame: FrameEvent): Counts => {
      expect(frame.onGpu, `frame ${frame.i} runs GPU-resident`).toBe(true);
      expect(frame.drawn, `frame ${frame.i} is drawn by the worker's painter`).toBe(true);
      expect(frame.gpuBuffers, `frame ${frame.i} counts GPU buffers`).toBeTypeOf('number');
      expect(frame.deviceBuffers, `frame ${frame.i} counts the device's buffers`).toBeTypeOf('number');
      expect(frame.deviceBufferBytes, `frame ${frame.i} counts the device's bytes`).toBeTypeOf('number');
      return {
        fields: frame.gpuBuffers ?? NaN,
        device: frame.deviceBuffers ?? NaN,
        bytes: frame.deviceBufferBytes ?? NaN,
      };
    };
    const stepTo = async (runId: number, from: number, to: number): Promise<FrameEvent> => {
      let frame: FrameEvent | null = null;
      for (let i = from + 1; i <= to; i++) {
        frame = await frameAfter(runId, i, () => c.client.send({ type: 'step', runId }));
      }
      return frame!;
    };

    const atEnd: Counts[] = [];
    for (let runId = 1; runId <= RUNS; runId++) {
      await frameAfter(runId, 0, () =>
        c.client.send(startRequest(runId, { sampler: 'ode_heun', steps: STEPS, autoplay: false, seed: 3 })),
      );
      await stepTo(runId, 0, 20);
      c.client.send({ type: 'setSampler', runId, sampler: 'euler_maruyama', params: {} });
      await stepTo(runId, 20, 40);
      // Rewind to step 5 and branch. The first branch step runs while steps 6–40 of the old
      // branch are still kept (they are dropped once it is taken); the next 19 steps are made
      // from the buffers those gave back.
      await frameAfter(runId, 5, () => c.client.send({ type: 'seek', runId, k: 5 }));
      const firstBranchStep = buffersOf(await stepTo(runId, 5, 6));
      const branched = buffersOf(await stepTo(runId, 6, 25));
      expect(branched, `run ${runId}: 19 branch steps after a rewind`).toEqual(firstBranchStep);
      const since = c.events.length;
      c.client.send({ type: 'play', runId });
      const paused = await c.next((e) => e.type === 'paused' && e.runId === runId, since);
      expect(paused).toMatchObject({ reason: 'done', i: STEPS });
      const last = c.events.filter((e): e is FrameEvent => e.type === 'frame' && e.runId === runId).at(-1)!;
      expect(last.i).toBe(STEPS);
      atEnd.push(buffersOf(last));
    }
    // A run keeps one snapshot per step for rewinding (x̃ and x̂₀ at least), so the count after
    // the first run is well above zero; each later run ends exactly where the first did.
    expect(atEnd[0].fields).toBeGreaterThan(2 * STEPS);
    // The device holds the fields' buffers and more: onnxruntime's weights and working buffers,
    // the network's inputs, the painter's renderers.
    expect(atEnd[0].device).toBeGreaterThan(atEnd[0].fields);
    console.log(`soak counts at the end of each run: ${JSON.stringify(atEnd)}`);
    expect(atEnd).toEqual(new Array<Counts>(RUNS).fill(atEnd[0]));
  });
});
