/**
 * The page's only door to the engine worker: typed `send`, typed events, stale frames dropped,
 * frames acknowledged once the page has taken them in (back-pressure), and a crashed worker replaced.
 *
 * A frame is acknowledged as soon as the page has handled it (recorded it and updated the store),
 * not after it is painted: the components show a playing run at most once per displayed frame
 * (paced-view.ts), so the engine steps at the chosen speed while the page paints the latest step,
 * and it never idles waiting for a paint that a hidden tab or a busy compositor delays. The engine
 * still holds back while the page has not taken in its last frames (engine.ts MAX_IN_FLIGHT), which
 * is what keeps a busy page from being flooded.
 */
import type { EngineEvent, EngineRequest } from '../../engine/protocol';
import { isEvent, requestTransferables } from '../../engine/protocol';

export interface EngineClient {
  /**
   * Send a request; `start` (or `startCompare`) makes its runId the current one (frames of older
   * runs are dropped).
   */
  send(request: EngineRequest): void;
  /** The runId of the latest `start`, or null before the first. */
  readonly currentRunId: number | null;
  /** A fresh runId, larger than any used by this client. */
  nextRunId(): number;
  /**
   * Terminates the worker at once (even inside a network call) and starts a fresh one, which gets
   * the last `init` again but has no model and no run.
   */
  restart(): void;
  /** Stop the worker for good. */
  dispose(): void;
}

export interface EngineClientOptions {
  /**
   * When to send `frameAck`: right after the page has handled the frame (the default), or after
   * the next animation frame (display-paced: the engine then runs at most MAX_IN_FLIGHT frames
   * ahead of the paints, and stops while the page is hidden).
   */
  ackOn?: 'animationFrame' | 'delivery';
  /** Creates the worker; tests may pass their own. */
  createWorker?: () => Worker;
}

const defaultWorker = (): Worker =>
  new Worker(new URL('../../engine/worker.ts', import.meta.url), { type: 'module', name: 'engine' });

/** Creates the worker once and returns a typed client; `onEvent` receives every valid event. */
export function createEngineClient(
  onEvent: (event: EngineEvent) => void,
  options: EngineClientOptions = {},
): EngineClient {
  const createWorker = options.createWorker ?? defaultWorker;
  const hasRaf = typeof requestAnimationFrame === 'function';
  const ackOn = options.ackOn ?? 'delivery';
  let worker: Worker | null = null;
  let currentRunId: number | null = null;
  let lastRunId = 0;
  let lastInit: EngineRequest | null = null;
  let disposed = false;

  // attachViews hands its canvases over; every other request is copied.
  const post = (request: EngineRequest): void => worker?.postMessage(request, requestTransferables(request));

  const acknowledge = (runId: number, i: number): void => {
    const send = (): void => {
      if (!disposed && runId === currentRunId) post({ type: 'frameAck', runId, i });
    };
    if (ackOn === 'animationFrame' && hasRaf) requestAnimationFrame(send);
    else send();
  };

  const deliver = (data: unknown): void => {
    if (!isEvent(data)) {
      onEvent(workerError('The engine sent a message this page does not understand. Reload the page.'));
      return;
    }
    if ('runId' in data && data.runId !== undefined && data.runId !== currentRunId) {
      return; // a stale run: its frames and pauses no longer concern the page
    }
    onEvent(data);
    if (data.type === 'frame') acknowledge(data.runId, data.i);
    if (data.type === 'compareFrame') acknowledge(data.runId, data.tick);
  };

  const crashed = (what: string): void => {
    if (disposed) return;
    worker?.terminate();
    // The fresh worker first, so what the page sends on hearing of the crash reaches it.
    spawn();
    // The page resumes the run in the fresh worker (engine-events.ts); the message says why it stopped.
    onEvent({ type: 'error', scope: 'worker', message: what, recoverable: true, restarted: true });
  };

  function spawn(): void {
    worker = createWorker();
    worker.onmessage = (e: MessageEvent<unknown>) => deliver(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      crashed(e.message || 'uncaught error');
    };
    worker.onmessageerror = () => crashed('a message could not be decoded');
    if (lastInit) post(lastInit);
  }

  spawn();
  return {
    send(request) {
      if (disposed) return;
      if (request.type === 'init') lastInit = request;
      if (request.type === 'start' || request.type === 'startCompare') {
        currentRunId = request.runId;
        lastRunId = Math.max(lastRunId, request.runId);
      }
      // A stopped run's frames still on their way no longer concern the page.
      if (request.type === 'stop' && request.runId === currentRunId) currentRunId = null;
      post(request);
    },
    restart() {
      if (disposed) return;
      worker?.terminate();
      currentRunId = null;
      spawn();
    },
    get currentRunId() {
      return currentRunId;
    },
    nextRunId() {
      lastRunId += 1;
      return lastRunId;
    },
    dispose() {
      if (disposed) return;
      post({ type: 'dispose' });
      disposed = true;
      worker?.terminate();
      worker = null;
    },
  };
}

function workerError(message: string): EngineEvent {
  return { type: 'error', scope: 'worker', message, recoverable: true };
}
