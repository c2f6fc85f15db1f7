/**
 * Handing the x_t and x̂₀ canvases to the engine (transferControlToOffscreen), which then draws
 * every image frame into them; the page must never draw into them itself. React's StrictMode
 * mounts, unmounts and mounts again in one task: the same pair attached again is kept, and a pair
 * is let go only after the current task.
 */
import type { EngineRequest } from '../../engine/protocol';
import type { Notice } from '../state/store';

/** A canvas the engine can draw into once it is handed over. */
export type ViewCanvas = Pick<HTMLCanvasElement, 'transferControlToOffscreen'>;

export class CanvasHandover {
  /** The canvases handed to the engine, and whether their release is pending. */
  private attached: { x: ViewCanvas; denoised: ViewCanvas; releasing: boolean } | null = null;

  constructor(
    private readonly send: (request: EngineRequest) => void,
    private readonly notify: (notice: Omit<Notice, 'id'>) => void,
  ) {}

  /** Hands the pair over (attachViews); the pair already attached is kept. */
  attach(x: ViewCanvas, denoised: ViewCanvas): void {
    const attached = this.attached;
    if (attached !== null && attached.x === x && attached.denoised === denoised) {
      attached.releasing = false;
      return;
    }
    let request: EngineRequest;
    try {
      request = {
        type: 'attachViews',
        x: x.transferControlToOffscreen(),
        denoised: denoised.transferControlToOffscreen(),
      };
    } catch (error) {
      this.notify({
        kind: 'error',
        title: 'The pictures cannot be shown',
        message:
          `The x_t and x̂₀ canvases could not be handed to the engine (${error instanceof Error ? error.message : String(error)}). ` +
          'Reload the page.',
      });
      return;
    }
    this.attached = { x, denoised, releasing: false };
    this.send(request);
  }

  /**
   * The attached pair is leaving the page: the engine lets go of it (detachViews) after the
   * current task, unless the same pair is attached again first.
   */
  release(x: ViewCanvas, denoised: ViewCanvas): void {
    const pair = this.attached;
    if (pair === null || pair.x !== x || pair.denoised !== denoised) return;
    pair.releasing = true;
    queueMicrotask(() => {
      if (this.attached !== pair || !pair.releasing) return;
      this.attached = null;
      this.send({ type: 'detachViews' });
    });
  }
}
