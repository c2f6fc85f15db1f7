/**
 * The training worker's client (Your own data, issue 15). drawing-actions.ts imports this module
 * dynamically on the first Train, so the worker and the training code load only then.
 */
import { isTrainEvent, type TrainEvent, type TrainRequest } from '../../engine/protocol';

export interface TrainingClient {
  send(request: TrainRequest): void;
}

export function createTrainingClient(onEvent: (event: TrainEvent) => void): TrainingClient {
  const worker = new Worker(new URL('../../engine/train-worker.ts', import.meta.url), {
    type: 'module',
    name: 'training',
  });
  worker.onmessage = (message: MessageEvent<unknown>) => {
    if (isTrainEvent(message.data)) onEvent(message.data);
    else
      onEvent({
        type: 'trainError',
        message: 'The training worker sent a malformed message. Reload the page.',
      });
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    onEvent({
      type: 'trainError',
      message: `The training worker failed (${event.message || 'no detail'}). Reload the page and train again.`,
    });
  };
  return {
    send: (request) => worker.postMessage(request, request.type === 'train' ? [request.points.buffer] : []),
  };
}
