/**
 * The current frame with its x and x̂₀ arrays, for an export. A frame the worker drew into the
 * page's canvases may come without them; the engine then sends them on request (readFrame).
 */
import { hasArrays } from '../../shared/frame-schedule';
import type { FrameEvent } from '../../engine/protocol';
import type { FrameRequest, RunSession } from './run-session';

/** How long an export waits for the engine's readFrame answer. */
export const FRAME_REQUEST_TIMEOUT_MS = 20_000;

/**
 * The frame shown when it has its arrays and no rewind is on its way, else the engine's answer to
 * readFrame (which comes after the rewind's). In Forward, the forward frame shown.
 */
export function currentFrame(session: RunSession): Promise<FrameEvent> {
  const { settings, forward } = session.store.getState();
  // Forward (issue 12): the forward frame shown, which always comes with its arrays.
  if (settings.direction === 'forward') {
    return forward.frame !== null
      ? Promise.resolve(forward.frame)
      : Promise.reject(new Error('The forward picture has not arrived yet: wait a moment, then export.'));
  }
  const { frame, i } = session.store.getState().run;
  const settled = frame !== null && frame.i === i && session.seekSettled;
  return settled && hasArrays(frame) ? Promise.resolve(frame) : readFrame(session);
}

/** Asks the engine for the current frame with its arrays. */
function readFrame(session: RunSession): Promise<FrameEvent> {
  const id = session.store.getState().run.runId;
  if (id === null) {
    return Promise.reject(new Error('There is no picture yet: press Play or Step first, then export.'));
  }
  return new Promise<FrameEvent>((resolve, reject) => {
    const timer = setTimeout(() => {
      session.removeFrameRequest(request);
      reject(
        new Error(
          `The engine did not send the current frame within ${FRAME_REQUEST_TIMEOUT_MS / 1000} s, ` +
            'so nothing was exported. Pause the run and export again.',
        ),
      );
    }, FRAME_REQUEST_TIMEOUT_MS);
    const request: FrameRequest = {
      runId: id,
      resolve: (frame) => {
        clearTimeout(timer);
        resolve(frame);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    };
    session.addFrameRequest(request);
    session.deps.send({ type: 'readFrame', runId: id });
  });
}
