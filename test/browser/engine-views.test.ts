/**
 * The engine worker drawing image frames straight into the page's canvases (WebGPU; SwiftShader
 * here): two canvases handed over with transferControlToOffscreen (attachViews), the tiny ONNX
 * fixture played through the real worker and the typed client. Checks that every frame is drawn,
 * that arrays cross only on the schedule (frame 0, every k-th step, the last) or on readFrame,
 * that the pictures on the page are byte for byte renderImageGrid of the readFrame arrays, that
 * detaching brings the arrays back, and that a non-finite step still pauses with the last good
 * picture on screen.
 *
 * The pictures are read as the page sees them: the placeholder <canvas> (whose OffscreenCanvas
 * the worker draws) drawn into a 2D canvas. The placeholder shows a worker frame once the browser
 * has committed it, a little after the frame event arrives, so each check polls until the
 * picture matches (or reports the differences after a few seconds).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { carriesArrays, hasArrays } from '../../src/shared/frame-schedule';
import type { EngineEvent, FrameEvent } from '../../src/engine/protocol';
import { renderImageGrid } from '../../src/ui/render/image-grid';
import { connectEngine } from '../helpers/engine-connection';
import { startRequest, type StartRequest } from '../helpers/start-request';
import type { EngineClient } from '../../src/ui/engine-io/worker-client';

const FIXTURES = new URL('/test/fixtures/', location.href).href;
const RANGE: [number, number] = [-1, 1]; // tiny.json and tiny-inf.json
const BATCH = 2;
const SHAPE = [1, 8, 8];
const LENGTH = BATCH * 64;

const connect = () => connectEngine('webgpu');

let connection: ReturnType<typeof connect> | undefined;
afterAll(() => connection?.client.dispose());

async function loaded(modelId: string) {
  connection ??= connect();
  const c = connection;
  const since = c.events.length;
  c.client.send({ type: 'loadModel', modelId, baseUrl: FIXTURES });
  const ready = await c.next(
    (e) => (e.type === 'ready' || e.type === 'error') && e.modelId === modelId,
    since,
  );
  expect(ready.type, JSON.stringify(ready)).toBe('ready');
  expect(c.events.filter((e) => e.type === 'backend').at(-1)).toMatchObject({ ep: 'webgpu' });
  return c;
}

/** This file's runs: the helper's, with guidance w = 2. */
const start = (runId: number, overrides: Partial<StartRequest> = {}) =>
  startRequest(runId, { guidance: 2, ...overrides });

const isFrame =
  (runId: number) =>
  (e: EngineEvent): e is FrameEvent =>
    e.type === 'frame' && e.runId === runId;

/** Two page canvases, handed to the worker. */
function attach(client: EngineClient): { x: HTMLCanvasElement; denoised: HTMLCanvasElement } {
  const make = (label: string) => {
    const canvas = document.createElement('canvas');
    canvas.setAttribute('aria-label', label);
    document.body.append(canvas);
    return canvas;
  };
  const x = make('x_t');
  const denoised = make('x̂₀');
  client.send({
    type: 'attachViews',
    x: x.transferControlToOffscreen(),
    denoised: denoised.transferControlToOffscreen(),
  });
  return { x, denoised };
}

/** The placeholder canvas as the page shows it, drawn into a 2D canvas of the grid's size. */
function seen(canvas: HTMLCanvasElement, width: number, height: number): Uint8ClampedArray {
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D context');
  ctx.drawImage(canvas, 0, 0);
  return ctx.getImageData(0, 0, width, height).data;
}

function mismatches(got: Uint8ClampedArray, want: { width: number; data: Uint8ClampedArray }): string[] {
  const out: string[] = [];
  let count = 0;
  for (let k = 0; k < want.data.length; k++) {
    if (got[k] === want.data[k]) continue;
    count++;
    if (out.length < 6) {
      const p = k >> 2;
      out.push(
        `(${p % want.width}, ${Math.floor(p / want.width)})[${k & 3}]: ${got[k]}, want ${want.data[k]}`,
      );
    }
  }
  if (count > out.length) out.push(`… ${count} bytes in all`);
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (up to 10 s) until the canvas shows renderImageGrid(values), else fails with the differences. */
async function expectShows(canvas: HTMLCanvasElement, values: Float32Array, what: string): Promise<void> {
  const want = renderImageGrid(values, BATCH, SHAPE, RANGE);
  const deadline = performance.now() + 10_000;
  let diff: string[] = [];
  for (;;) {
    diff = mismatches(seen(canvas, want.width, want.height), want);
    if (diff.length === 0 || performance.now() > deadline) break;
    await sleep(50);
  }
  expect(diff, what).toEqual([]);
}

/** Sends readFrame and returns its answer. */
async function readFrame(c: ReturnType<typeof connect>, runId: number): Promise<FrameEvent> {
  const since = c.events.length;
  c.client.send({ type: 'readFrame', runId });
  return (await c.next((e) => isFrame(runId)(e) && e.requested, since)) as FrameEvent;
}

describe('engine worker drawing into the page canvases', () => {
  it('draws every frame, sends arrays on the schedule, and readFrame gives the arrays of the picture', async () => {
    const c = await loaded('tiny');
    const views = attach(c.client);
    // 121 steps = 122 frames: k = ceil(122 / 120) = 2, so arrays at even steps and at the last (121).
    const steps = 121;
    c.client.send(start(1, { steps }));
    await c.next((e) => e.type === 'paused' && e.runId === 1);
    const frames = c.events.filter(isFrame(1));
    expect(frames.map((f) => f.i)).toEqual(Array.from({ length: steps + 1 }, (_, i) => i));
    expect(frames.every((f) => f.drawn && f.onGpu && !f.requested)).toBe(true);
    const withArrays = frames.filter(hasArrays).map((f) => f.i);
    expect(withArrays).toEqual([...Array.from({ length: 61 }, (_, k) => 2 * k), 121]);
    expect(withArrays).toEqual(frames.map((f) => f.i).filter((i) => carriesArrays(i, steps, i === steps)));
    for (const f of frames) {
      const length = hasArrays(f) ? LENGTH : 0;
      expect([f.x.length, f.denoised.length], `frame ${f.i}`).toEqual([length, length]);
    }
    expect(frames.at(-1)?.done).toBe(true);

    // The last frame came with arrays; a readFrame gives the same, and both pictures show them.
    const last = frames.at(-1)!;
    const end = await readFrame(c, 1);
    expect(end).toMatchObject({ i: steps, drawn: true, requested: true, done: true });
    expect(Array.from(end.x)).toEqual(Array.from(last.x));
    expect(Array.from(end.denoised)).toEqual(Array.from(last.denoised));
    await expectShows(views.x, end.x, 'x_t at the last step');
    await expectShows(views.denoised, end.denoised, 'x̂₀ at the last step');

    // Rewind to a step off the schedule: drawn, no arrays; readFrame has them, and they are the picture.
    c.client.send({ type: 'seek', runId: 1, k: 57 });
    const seek = (await c.next((e) => isFrame(1)(e) && e.i === 57 && e !== frames[57])) as FrameEvent;
    expect(seek).toMatchObject({ drawn: true, requested: false });
    expect([seek.x.length, seek.denoised.length]).toEqual([0, 0]);
    const at57 = await readFrame(c, 1);
    expect(at57).toMatchObject({ i: 57, drawn: true, requested: true, done: false });
    expect([at57.x.length, at57.denoised.length]).toEqual([LENGTH, LENGTH]);
    expect(at57.x.every(Number.isFinite) && at57.denoised.every(Number.isFinite)).toBe(true);
    await expectShows(views.x, at57.x, 'x_t at step 57');
    await expectShows(views.denoised, at57.denoised, 'x̂₀ at step 57');

    // Detached: the same state comes back undrawn, with arrays — the same values as drawn
    // (x = s·x̃ formed on the CPU here, on the GPU when drawn: equal to float32 rounding).
    c.client.send({ type: 'detachViews' });
    const since = c.events.length;
    c.client.send({ type: 'seek', runId: 1, k: 57 });
    const plain = (await c.next((e) => isFrame(1)(e) && e.i === 57, since)) as FrameEvent;
    expect(plain).toMatchObject({ drawn: false, requested: false });
    expect(Array.from(plain.denoised)).toEqual(Array.from(at57.denoised));
    let worst = 0;
    for (let e = 0; e < LENGTH; e++) worst = Math.max(worst, Math.abs(plain.x[e] - at57.x[e]));
    expect(worst).toBeLessThan(1e-6);
    c.client.send({ type: 'step', runId: 1 });
    const undrawn = (await c.next((e) => isFrame(1)(e) && e.i === 58, since)) as FrameEvent;
    expect(undrawn.drawn).toBe(false);
    expect(undrawn.x.length).toBe(LENGTH);

    // New canvases: the worker draws the current state into them at once, before any frame.
    const fresh = attach(c.client);
    await expectShows(fresh.denoised, undrawn.denoised, 'x̂₀ at step 58 on canvases attached after it');
    const at58 = await readFrame(c, 1);
    expect(at58).toMatchObject({ i: 58, drawn: true });
    await expectShows(fresh.x, at58.x, 'x_t at step 58 on canvases attached after it');

    // Back to the noise of step 0 (on the schedule: the seek answer has arrays), a picture with
    // many grey levels, so the byte-for-byte match means something.
    const before = c.events.length;
    c.client.send({ type: 'seek', runId: 1, k: 0 });
    const zero = (await c.next((e) => isFrame(1)(e) && e.i === 0, before)) as FrameEvent;
    expect(zero).toMatchObject({ drawn: true, requested: false });
    expect(Array.from(zero.x)).toEqual(Array.from(frames[0].x));
    expect(new Set(zero.x.map((v) => Math.round((v + 1) * 127.5))).size).toBeGreaterThan(40);
    await expectShows(fresh.x, zero.x, 'x_t at step 0');
    await expectShows(fresh.denoised, zero.denoised, 'x̂₀ at step 0');
  });

  it('draws the frames of a CPU-path run too (arrays uploaded, then drawn)', async () => {
    const c = await loaded('tiny');
    const views = attach(c.client);
    c.client.send(start(3, { residency: 'cpu', steps: 6 }));
    await c.next((e) => e.type === 'paused' && e.runId === 3);
    const frames = c.events.filter(isFrame(3));
    expect(frames.map((f) => [f.i, f.drawn, f.onGpu, f.x.length])).toEqual(
      Array.from({ length: 7 }, (_, i) => [i, true, false, LENGTH]),
    );
    await expectShows(views.x, frames[6].x, 'x_t of a CPU-path run');
    await expectShows(views.denoised, frames[6].denoised, 'x̂₀ of a CPU-path run');
  });

  it('pauses on a non-finite step, with the last good frame still on the canvases', async () => {
    const c = await loaded('tiny-inf');
    const views = attach(c.client);
    c.client.send(start(2, { model: 'tiny-inf' }));
    const paused = await c.next((e) => e.type === 'paused' && e.runId === 2);
    expect(paused).toMatchObject({ reason: 'nonfinite', i: 0 });
    const error = c.events.find((e) => e.type === 'error' && e.runId === 2);
    expect(error).toMatchObject({ scope: 'run', recoverable: true });
    expect((error as { message: string }).message).toMatch(/^Step 1 .*NaN or infinite/);
    const frames = c.events.filter(isFrame(2));
    expect(frames.map((f) => [f.i, f.drawn, f.x.length])).toEqual([[0, true, LENGTH]]);
    const now = await readFrame(c, 2);
    expect(now).toMatchObject({ i: 0, drawn: true });
    expect(Array.from(now.x)).toEqual(Array.from(frames[0].x));
    await expectShows(views.x, frames[0].x, 'x_t after the pause');
    await expectShows(views.denoised, frames[0].denoised, 'x̂₀ after the pause');
  });
});
