/**
 * Controllable generation's actions (issue 13): opening a tool, the pictures it starts from (the
 * current sample, an uploaded PNG, a drawing), the mask, and the on-demand jobs (round trip,
 * likelihood, SDEdit strip) with their progress and Cancel. A change to what a run starts from
 * restarts the run paused at step 0 with the new start, so Play fills in the rest.
 */
import type { EngineEvent, ToolJob } from '../../engine/protocol';
import type { MaskPreset, ToolSettings } from '../state/settings';
import { addNotice, emptyToolData, updateSettings, updateToolData, type ToolData } from '../state/store';
import { exampleFrom, exampleIndex, presetMask } from '../state/tool-start';
import { currentFrame } from './current-frame';
import type { RunSession } from './run-session';
import { modelDim, startOrLoad } from './run-start';

let nextJobId = 1;
let nextExampleRequest = 1;
/** The `examples` request whose answer is still wanted (older answers are ignored). */
let wantedExample = 0;

/** The tool's pictures belong to the current model; another model's are dropped. */
function ownData(session: RunSession): ToolData {
  const { toolData, settings } = session.store.getState();
  if (toolData.modelId === settings.modelId) return toolData;
  const fresh = { ...emptyToolData, modelId: settings.modelId };
  updateToolData(session.store, fresh);
  return fresh;
}

/** Restarts the run (paused at step 0) so that it starts as the tool now says. */
function restart(session: RunSession): void {
  startOrLoad(session, false);
}

/** Opens a tool (or closes it with null) or changes its settings. */
export function setTool(session: RunSession, patch: Partial<ToolSettings>): void {
  const { store } = session;
  const before = store.getState().settings.tool;
  const tool = { ...before, ...patch };
  updateSettings(store, { tool });
  const data = ownData(session);
  const k = exampleIndex(tool.src);
  const points = shapeOf(session).length === 1;
  if (k !== null && !points && tool.kind !== null && (patch.src !== undefined || patch.kind !== undefined)) {
    // Real example k (src=example:k): inpainting and SDEdit restart from it once it arrives.
    requestExample(session);
    if (tool.kind === 'inpaint' || tool.kind === 'sdedit') return;
  }
  if (tool.kind === 'inpaint' && !points && data.known === null && tool.src === 'sample') {
    void takeCurrentSample(session);
    return;
  }
  if (tool.kind === 'inpaint' && patch.mask !== undefined && patch.mask !== null) {
    setMaskPreset(session, patch.mask);
    return;
  }
  const startChanged =
    tool.kind !== before.kind ||
    (tool.kind === 'sdedit' && tool.t0 !== before.t0) ||
    (tool.kind === 'inpaint' && tool.resample !== before.resample) ||
    (tool.kind === 'inpaint' &&
      points &&
      (tool.line.axis !== before.line.axis || tool.line.at !== before.line.at));
  const startsElsewhere = before.kind === 'inpaint' || before.kind === 'sdedit';
  const willStartElsewhere = tool.kind === 'inpaint' || tool.kind === 'sdedit';
  if (startChanged && (startsElsewhere || willStartElsewhere)) restart(session);
}

/**
 * Asks the engine for real example k when the open tool says `src=example:k` (an image model that
 * is ready); the answer (onExamples) becomes what the tool starts from. An example already here is
 * used at once.
 */
export function requestExample(session: RunSession): void {
  const state = session.store.getState();
  const { tool, modelId } = state.settings;
  const k = exampleIndex(tool.src);
  const model = state.models[modelId];
  if (k === null || tool.kind === null || model?.state !== 'ready' || model.summary.task !== 'image') return;
  const data = ownData(session);
  if (data.example?.k === k) {
    applyExample(session);
    return;
  }
  wantedExample = nextExampleRequest++;
  session.deps.send({ type: 'examples', requestId: wantedExample, modelId, indices: [k] });
}

/** The engine's answer to requestExample: the tool starts from the example, or a notice says why not. */
export function onExamples(session: RunSession, event: Extract<EngineEvent, { type: 'examples' }>): void {
  const { store } = session;
  if (event.requestId !== wantedExample) return;
  if (event.error !== null) {
    addNotice(store, { kind: 'warning', title: 'The real example was not used', message: event.error });
    return;
  }
  if (event.modelId !== store.getState().settings.modelId) return;
  ownData(session);
  updateToolData(store, {
    example: { k: event.indices[0], image: event.images, heldOut: event.heldOut },
  });
  applyExample(session);
}

/** Puts the example in place for the open tool (inpainting's known image, SDEdit's drawing). */
function applyExample(session: RunSession): void {
  const { store } = session;
  const { example } = store.getState().toolData;
  const { tool } = store.getState().settings;
  if (example === null || exampleIndex(tool.src) !== example.k) return;
  if (tool.kind === 'inpaint') {
    updateToolData(store, {
      known: example.image,
      knownSamples: 1,
      knownFrom: exampleFrom(example.k, example.heldOut),
    });
    if (store.getState().toolData.mask === null)
      setMask(session, presetMask(tool.mask ?? 'bottom', shapeOf(session)));
    else restart(session);
  } else if (tool.kind === 'sdedit') {
    putDrawing(session, example.image);
  }
  // Encode and likelihood read the example when their button is pressed.
}

/** The tools start from real example k (URL `src=example:k`), or from the current sample (null). */
export function setSource(session: RunSession, k: number | null): void {
  const src = k === null ? 'sample' : `example:${k}`;
  if (k === null) {
    updateSettings(session.store, { tool: { ...session.store.getState().settings.tool, src } });
    if (session.store.getState().settings.tool.kind === 'inpaint') void takeCurrentSample(session);
    return;
  }
  setTool(session, { src });
}

/** Inpainting: the known image(s) are the current sample (every sample of the batch). */
export async function takeCurrentSample(session: RunSession): Promise<void> {
  const { store } = session;
  if (store.getState().settings.tool.src !== 'sample') {
    updateSettings(store, { tool: { ...store.getState().settings.tool, src: 'sample' } });
  }
  const dim = modelDim(store.getState());
  if (dim === 0) return;
  try {
    const frame = await currentFrame(session);
    ownData(session);
    updateToolData(store, {
      known: Float32Array.from(frame.x),
      knownSamples: frame.batch,
      knownFrom: `the samples at step ${frame.i}`,
    });
    const { tool } = store.getState().settings;
    if (store.getState().toolData.mask === null)
      setMask(session, presetMask(tool.mask ?? 'bottom', shapeOf(session)));
    else restart(session);
  } catch (e) {
    addNotice(store, { kind: 'warning', title: 'No sample to inpaint', message: (e as Error).message });
  }
}

function shapeOf(session: RunSession): number[] {
  const state = session.store.getState();
  const model = state.models[state.settings.modelId];
  return model?.state === 'ready' ? model.summary.shape : [];
}

/** Inpainting: the known image is an uploaded picture (already resized to the model and mapped). */
export function setKnownImage(session: RunSession, image: Float32Array, name: string): void {
  ownData(session);
  // An upload is not a link's `src`: the link says the current sample, as before a tool starts.
  updateSettings(session.store, { tool: { ...session.store.getState().settings.tool, src: 'sample' } });
  updateToolData(session.store, { known: image, knownSamples: 1, knownFrom: name });
  if (session.store.getState().toolData.mask === null) {
    setMask(session, presetMask(session.store.getState().settings.tool.mask ?? 'bottom', shapeOf(session)));
  } else restart(session);
}

/** Inpainting: a new mask over one image (1 = known); the run restarts with it. */
export function setMask(session: RunSession, mask: Float32Array): void {
  ownData(session);
  updateToolData(session.store, { mask });
  restart(session);
}

export function setMaskPreset(session: RunSession, preset: MaskPreset): void {
  updateSettings(session.store, { tool: { ...session.store.getState().settings.tool, mask: preset } });
  setMask(session, presetMask(preset, shapeOf(session)));
}

/** SDEdit: a new drawing (one image in the model's range); the run restarts from it. */
export function setDrawing(session: RunSession, drawing: Float32Array): void {
  // A drawing of one's own is not a link's `src` (an example drawn over is no longer the example).
  updateSettings(session.store, { tool: { ...session.store.getState().settings.tool, src: 'sample' } });
  putDrawing(session, drawing);
}

function putDrawing(session: RunSession, drawing: Float32Array): void {
  ownData(session);
  updateToolData(session.store, { drawing });
  restart(session);
}

/** Runs a tool job on the engine; its progress and result land in toolData.job. */
export function runToolJob(session: RunSession, job: ToolJob): void {
  const { store } = session;
  const previous = store.getState().toolData.job;
  if (previous?.status === 'running') session.deps.send({ type: 'cancelToolJob', jobId: previous.id });
  const id = nextJobId++;
  updateToolData(store, {
    job: { id, kind: job.kind, status: 'running', fraction: 0, nfe: 0, result: null, error: null },
  });
  session.sendToRun((runId) => ({ type: 'toolJob', runId, jobId: id, job }));
}

export function cancelToolJob(session: RunSession): void {
  const job = session.store.getState().toolData.job;
  if (job?.status === 'running') session.deps.send({ type: 'cancelToolJob', jobId: job.id });
}

/** The engine's answers to a tool job (stale jobs are ignored). */
export function onToolEvent(
  session: RunSession,
  event: Extract<EngineEvent, { type: 'toolProgress' | 'toolDone' }>,
): void {
  const { store } = session;
  const job = store.getState().toolData.job;
  if (job === null || job.id !== event.jobId) return;
  if (event.type === 'toolProgress') {
    updateToolData(store, { job: { ...job, fraction: event.fraction, nfe: event.nfe } });
    return;
  }
  const status = event.result ? 'done' : event.cancelled ? 'cancelled' : 'failed';
  updateToolData(store, {
    job: {
      ...job,
      status,
      fraction: event.result ? 1 : job.fraction,
      result: event.result,
      error: event.error,
    },
  });
}

/** The drawing tools' brush and size (drawing only: the engine hears nothing). */
export function setToolBrush(
  session: RunSession,
  patch: Partial<Pick<ToolData, 'brush' | 'brushSize'>>,
): void {
  updateToolData(session.store, patch);
}
