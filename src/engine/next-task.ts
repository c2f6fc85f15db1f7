/**
 * Yielding to the worker's message queue. A chain of awaits runs as microtasks, and a message from
 * the page (pause, stop, a new run) is a task: it waits until the whole chain is done. Awaiting
 * nextTask() between network calls lets such a message in, so a slow step can be abandoned.
 */

/**
 * Resolves in a new task, after the messages already queued. Through a MessageChannel rather than
 * setTimeout(0): a timer set from a timer's task is clamped to 4 ms once such timers nest five deep.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

/** Thrown inside a step whose run was stopped or whose step was cancelled: not a failure. */
export class StepCancelled extends Error {
  constructor() {
    super('The step was cancelled.');
    this.name = 'StepCancelled';
  }
}
