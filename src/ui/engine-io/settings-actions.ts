/**
 * Changes to the run's settings. A sampler, SDE, class or guidance change mid-run is a live swap:
 * the trajectory continues from the current step. A change to the σ grid or the initial noise
 * starts a new run.
 */
import type { ParamValue, SdeKind } from '../../core/types';
import type { EngineRequest } from '../../engine/protocol';
import type { Settings, ViewOptions } from '../state/settings';
import { updateSettings } from '../state/store';
import type { RunSession } from './run-session';
import { currentConditioning, currentSamplerParams, startOrLoad, startRun } from './run-start';
import { refreshScoreField } from './score-field';
import { refreshForward } from './forward-actions';

/** Settings that fix the σ grid or the initial noise: changing one starts a new run. */
export type RunDefiningSettings = Pick<
  Settings,
  'steps' | 'schedule' | 'seed' | 'batch' | 'denoiseFinal' | 'noise'
>;

/** The inputs of the denoiser besides x̃ and σ: changing one mid-run is a live swap. */
export type ConditioningSettings = Pick<Settings, 'classLabel' | 'guidance'>;

/**
 * Mid-run, a sampler, SDE or conditioning change is a live swap from the current step (after a
 * rewind, the next step branches from there). At step 0 nothing has been computed yet, so a
 * fresh run starts instead: then the URL alone reproduces the pictures.
 */
function swapOrRestart(session: RunSession, swap: (runId: number) => EngineRequest): void {
  const { run } = session.store.getState();
  if (run.runId !== null && run.i === 0 && run.status !== 'playing') startRun(session, false);
  else session.sendToRun(swap);
}

function swapSampler(session: RunSession, samplerId: string): void {
  swapOrRestart(session, (id) => ({
    type: 'setSampler',
    runId: id,
    sampler: samplerId,
    params: currentSamplerParams(session),
  }));
}

/** Live swap: the trajectory continues from the current step with the new sampler. */
export function setSampler(session: RunSession, samplerId: string): void {
  updateSettings(session.store, { samplerId });
  swapSampler(session, samplerId);
}

/** A parameter of the current sampler (kept per sampler), swapped in live. */
export function setSamplerParam(session: RunSession, name: string, value: ParamValue): void {
  const { samplerId, samplerParams } = session.store.getState().settings;
  const next = { ...samplerParams, [samplerId]: { ...samplerParams[samplerId], [name]: value } };
  updateSettings(session.store, { samplerParams: next });
  swapSampler(session, samplerId);
}

/** Live swap of the forward process (a change of coordinates of the current state). */
export function setSde(session: RunSession, sde: SdeKind): void {
  updateSettings(session.store, { sde });
  swapOrRestart(session, (id) => ({ type: 'setSde', runId: id, sde: { kind: sde } }));
  refreshForward(session);
}

/**
 * Class or guidance, live: both are inputs to the denoiser, not to the initial noise, so the
 * trajectory continues from the current state ("turn guidance up halfway").
 */
export function setConditioning(session: RunSession, patch: Partial<ConditioningSettings>): void {
  updateSettings(session.store, patch);
  const { run } = session.store.getState();
  if (run.runId === null) return; // the run that starts next reads the settings
  swapOrRestart(session, (id) => ({ type: 'setConditioning', runId: id, ...currentConditioning(session) }));
  refreshForward(session);
}

/** Grid or noise changed: start over, playing if it was playing. */
export function setRunSetting(session: RunSession, patch: Partial<RunDefiningSettings>): void {
  const wasPlaying = session.isPlaying;
  updateSettings(session.store, patch);
  const { run } = session.store.getState();
  if (run.runId !== null || run.status === 'idle') startOrLoad(session, wasPlaying);
}

/** What the 2D view draws: the page redraws (a learned model's arrows come from the engine). */
export function setView(session: RunSession, patch: Partial<ViewOptions>): void {
  updateSettings(session.store, { view: { ...session.store.getState().settings.view, ...patch } });
  refreshScoreField(session); // a learned model's arrows, when they were off
}
