/**
 * The engine worker's entry: every message is validated, dispatched by an exhaustive switch and
 * awaited, and any failure becomes an `error` event the page shows.
 */
import { Engine } from './engine';
import type { EngineEvent, EngineRequest } from './protocol';
import { assertNever, isRequest, transferablesOf } from './protocol';
import { errorText } from './backend';
import { ModelLoadError } from './fetch-model';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function emit(event: EngineEvent): void {
  scope.postMessage(event, transferablesOf(event));
}

const engine = new Engine(emit);

async function handle(request: EngineRequest): Promise<void> {
  switch (request.type) {
    case 'init':
      return engine.init(request.ep);
    case 'loadModel':
      return engine.loadModel(request.modelId, request.baseUrl);
    case 'cancelLoad':
      return engine.cancelLoad(request.modelId);
    case 'defineModel':
      return engine.defineModel(request.modelId, request.card, request.points);
    case 'start':
      return engine.start(request);
    case 'play':
      return engine.play(request.runId);
    case 'pause':
      return engine.pause(request.runId);
    case 'step':
      return engine.stepOnce(request.runId);
    case 'seek':
      return engine.seek(request.runId, request.k);
    case 'setSampler':
      return engine.setSampler(request.runId, request.sampler, request.params);
    case 'setSde':
      return engine.setSde(request.runId, request.sde);
    case 'setConditioning':
      return engine.setConditioning(request.runId, request.classLabel, request.guidance);
    case 'setSpeed':
      return engine.setSpeed(request.runId, request.stepsPerSecond);
    case 'frameAck':
      return engine.frameAck(request.runId, request.i);
    case 'stop':
      return engine.stop(request.runId);
    case 'cancelStep':
      return engine.cancelStep(request.runId);
    case 'attachViews':
      return engine.attachViews({ x: request.x, denoised: request.denoised });
    case 'detachViews':
      return engine.detachViews();
    case 'readFrame':
      return engine.readFrame(request.runId);
    case 'scoreField':
      return engine.scoreField(request.runId, request.sigma, request.points);
    case 'toolJob':
      return engine.toolJob(request.runId, request.jobId, request.job);
    case 'cancelToolJob':
      return engine.cancelToolJob(request.jobId);
    case 'examples':
      return engine.examples(request.requestId, request.modelId, request.indices);
    case 'forward':
      return engine.forward(request.runId, request.t);
    case 'reverseFromHere':
      return engine.reverseFromHere(request.runId, request.autoplay);
    case 'dispose':
      return engine.dispose();
    case 'startCompare':
      return engine.startCompare(request);
    case 'setAdvance':
      return engine.setAdvance(request.runId, request.advance);
    default:
      return assertNever(request, 'engine request');
  }
}

/** Turns a failed request into an error event with the right scope. */
function reportFailure(request: EngineRequest, e: unknown): void {
  if (e instanceof ModelLoadError) {
    emit({ type: 'error', scope: 'model', modelId: e.modelId, message: e.message, recoverable: true });
    return;
  }
  const runId = 'runId' in request ? request.runId : undefined;
  const loads = request.type === 'loadModel' || request.type === 'defineModel';
  const modelId = loads ? request.modelId : undefined;
  const errorScope = loads ? 'model' : request.type === 'init' ? 'backend' : 'run';
  emit({ type: 'error', scope: errorScope, modelId, runId, message: errorText(e), recoverable: true });
}

scope.onmessage = async (event: MessageEvent<unknown>) => {
  const request = event.data;
  if (!isRequest(request)) {
    emit({
      type: 'error',
      scope: 'worker',
      message: `The engine received a malformed request (${JSON.stringify(request)?.slice(0, 120)}). Reload the page.`,
      recoverable: true,
    });
    return;
  }
  try {
    await handle(request);
  } catch (e) {
    reportFailure(request, e);
  }
};
