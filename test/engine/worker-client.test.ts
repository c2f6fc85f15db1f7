import { describe, expect, it } from 'vitest';
import type { EngineEvent, FrameEvent } from '../../src/engine/protocol';
import { isRequest } from '../../src/engine/protocol';
import { createEngineClient } from '../../src/ui/engine-io/worker-client';
import { startRequest } from '../helpers/start-request';

/** A stand-in worker: records what the client posts and lets the test play the worker's part. */
class FakeWorker {
  posted: unknown[] = [];
  /** The transfer list of each postMessage, in the same order as `posted`. */
  transfers: Transferable[][] = [];
  terminated = false;
  onmessage: ((e: MessageEvent<unknown>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  postMessage(message: unknown, transfer: Transferable[] = []): void {
    this.posted.push(message);
    this.transfers.push(transfer);
  }
  terminate(): void {
    this.terminated = true;
  }
  say(data: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data }));
  }
}

function frame(runId: number, i: number): FrameEvent {
  return {
    type: 'frame',
    onGpu: false,
    drawn: false,
    requested: false,
    trace: null,
    runId,
    i,
    steps: 4,
    t: 1,
    sigma: 1,
    nfe: 1,
    nfeTotal: i,
    x: new Float32Array(2),
    denoised: new Float32Array(2),
    batch: 1,
    shape: [2],
    timings: { modelMs: 0, otherMs: 0 },
    info: {},
    done: false,
  };
}

function setup() {
  const workers: FakeWorker[] = [];
  const events: EngineEvent[] = [];
  const client = createEngineClient((e) => events.push(e), {
    ackOn: 'delivery',
    createWorker: () => {
      const w = new FakeWorker();
      workers.push(w);
      return w as unknown as Worker;
    },
  });
  return { workers, events, client };
}

describe('worker client', () => {
  it('delivers frames of the current run, acknowledges them, and drops frames of a stale run', () => {
    const { workers, events, client } = setup();
    client.send(startRequest(1));
    workers[0].say(frame(1, 0));
    client.send(startRequest(2));
    workers[0].say(frame(1, 1)); // still in flight from run 1
    workers[0].say(frame(2, 0));
    expect(events.map((e) => (e.type === 'frame' ? `${e.runId}:${e.i}` : e.type))).toEqual(['1:0', '2:0']);
    const acks = workers[0].posted.filter((m) => (m as { type: string }).type === 'frameAck');
    expect(acks).toEqual([
      { type: 'frameAck', runId: 1, i: 0 },
      { type: 'frameAck', runId: 2, i: 0 },
    ]);
  });

  it('reports a malformed event instead of passing it on', () => {
    const { workers, events } = setup();
    workers[0].say({ type: 'frame', runId: 'one' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'error', scope: 'worker' });
  });

  it('replaces a crashed worker, says so, and re-sends the last init', () => {
    const { workers, events, client } = setup();
    client.send({ type: 'init', ep: 'wasm' });
    workers[0].onerror?.(new ErrorEvent('error', { message: 'boom' }));
    expect(workers[0].terminated).toBe(true);
    expect(workers).toHaveLength(2);
    expect(workers[1].posted).toEqual([{ type: 'init', ep: 'wasm' }]);
    expect(events[0]).toMatchObject({ type: 'error', scope: 'worker', recoverable: true, restarted: true });
    expect((events[0] as { message: string }).message).toContain('boom');
  });

  it('what the page sends on hearing of a crash reaches the fresh worker', () => {
    const workers: FakeWorker[] = [];
    const client = createEngineClient(
      (event) => {
        if (event.type === 'error') client.send({ type: 'loadModel', modelId: 'ring8', baseUrl: '/m/' });
      },
      { createWorker: () => workers[workers.push(new FakeWorker()) - 1] as unknown as Worker },
    );
    client.send({ type: 'init', ep: 'auto' });
    workers[0].onerror?.(new ErrorEvent('error', { message: 'boom' }));
    expect(workers[0].posted).toEqual([{ type: 'init', ep: 'auto' }]);
    expect(workers[1].posted).toEqual([
      { type: 'init', ep: 'auto' },
      { type: 'loadModel', modelId: 'ring8', baseUrl: '/m/' },
    ]);
  });

  it('hands attachViews canvases over as transferables and validates the views requests', () => {
    const { workers, client } = setup();
    const x = document.createElement('canvas').transferControlToOffscreen();
    const denoised = new OffscreenCanvas(4, 4);
    expect(isRequest({ type: 'attachViews', x, denoised })).toBe(true);
    expect(isRequest({ type: 'attachViews', x, denoised: x })).toBe(false);
    expect(isRequest({ type: 'attachViews', x, denoised: document.createElement('canvas') })).toBe(false);
    expect(isRequest({ type: 'detachViews' })).toBe(true);
    expect(isRequest({ type: 'readFrame', runId: 3 })).toBe(true);
    expect(isRequest({ type: 'readFrame' })).toBe(false);
    client.send({ type: 'attachViews', x, denoised });
    client.send({ type: 'readFrame', runId: 1 });
    expect(workers[0].transfers).toEqual([[x, denoised], []]);
  });

  it('accepts a drawn frame without arrays, but not an undrawn one', () => {
    const { workers, events, client } = setup();
    client.send(startRequest(1));
    const empty = { x: new Float32Array(0), denoised: new Float32Array(0) };
    workers[0].say({ ...frame(1, 1), ...empty, drawn: true });
    expect(events).toMatchObject([{ type: 'frame', i: 1, drawn: true }]);
    workers[0].say({ ...frame(1, 2), ...empty });
    workers[0].say({ ...frame(1, 3), drawn: true, denoised: new Float32Array(0) });
    expect(events.slice(1)).toMatchObject([
      { type: 'error', scope: 'worker' },
      { type: 'error', scope: 'worker' },
    ]);
  });

  it('hands out increasing run ids', () => {
    const { client } = setup();
    const a = client.nextRunId();
    client.send(startRequest(a + 5));
    expect(client.nextRunId()).toBeGreaterThan(a + 5);
  });

  it('after stop, frames of the stopped run still on their way are dropped', () => {
    const { workers, events, client } = setup();
    client.send(startRequest(1));
    workers[0].say(frame(1, 0));
    client.send({ type: 'stop', runId: 1 });
    workers[0].say(frame(1, 1));
    workers[0].say({ type: 'stepStarted', runId: 1, i: 2 });
    expect(events.map((e) => e.type)).toEqual(['frame']);
    expect(workers[0].posted.at(-1)).toEqual({ type: 'stop', runId: 1 });
  });

  it('restart replaces the worker at once, without an error event, and re-sends the last init', () => {
    const { workers, events, client } = setup();
    client.send({ type: 'init', ep: 'wasm' });
    client.send(startRequest(1));
    client.restart();
    expect(workers[0].terminated).toBe(true);
    expect(workers).toHaveLength(2);
    expect(workers[1].posted).toEqual([{ type: 'init', ep: 'wasm' }]);
    workers[0].say(frame(1, 1)); // the old worker is gone; nothing of its run reaches the page
    expect(events).toEqual([]);
  });
});
