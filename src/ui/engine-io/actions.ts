/**
 * Everything the user can do, as plain functions. Each one updates the store and sends the engine
 * an explicit command, never from an effect that watches state. The actions live in modules by
 * concern (model-actions, transport-actions, settings-actions, current-frame, canvas-handover) and
 * share one RunSession with the engine-event handling; createActions binds them to a store.
 */
import type { ParamValue, SdeKind } from '../../core/types';
import type { EngineEvent } from '../../engine/protocol';
import type { Settings, ViewOptions } from '../state/settings';
import { addNotice, dismissNotice, setHighlight, type AppStore, type Notice } from '../state/store';
import type { ViewHighlight } from '../state/update-rule';
import { CanvasHandover, type ViewCanvas } from './canvas-handover';
import { handleEngineEvent } from './engine-events';
import { currentFrame } from './current-frame';
import { applyLink, boot, retryModel, selectModel } from './model-actions';
import { RunSession, type ActionDeps } from './run-session';
import {
  setConditioning,
  setRunSetting,
  setSampler,
  setSamplerParam,
  setSde,
  setView,
  type ConditioningSettings,
  type RunDefiningSettings,
} from './settings-actions';
import {
  cancelStep,
  pause,
  play,
  reset,
  seek,
  setSpeed,
  step,
  stepBack,
  togglePlay,
} from './transport-actions';

export type Actions = ReturnType<typeof createActions>;

export function createActions(store: AppStore, deps: ActionDeps) {
  const session = new RunSession(store, deps);
  const canvases = new CanvasHandover(deps.send, (notice) => addNotice(store, notice));
  return {
    boot: (): void => boot(session),
    selectModel: (modelId: string): void => selectModel(session, modelId),
    retryModel: (modelId: string): void => retryModel(session, modelId),
    /** A link pasted into the open page: its settings, as a fresh load of it would apply them. */
    applyLink: (settings: Settings): void => applyLink(session, settings),

    play: (): void => play(session),
    pause: (): void => pause(session),
    togglePlay: (): void => togglePlay(session),
    step: (): void => step(session),
    stepBack: (): void => stepBack(session),
    seek: (k: number): void => seek(session, k),
    reset: (): void => reset(session),
    cancelStep: (): void => cancelStep(session),
    setSpeed: (stepsPerSecond: number): void => setSpeed(session, stepsPerSecond),

    setSampler: (samplerId: string): void => setSampler(session, samplerId),
    setSamplerParam: (name: string, value: ParamValue): void => setSamplerParam(session, name, value),
    setSde: (sde: SdeKind): void => setSde(session, sde),
    setRunSetting: (patch: Partial<RunDefiningSettings>): void => setRunSetting(session, patch),
    setConditioning: (patch: Partial<ConditioningSettings>): void => setConditioning(session, patch),
    setView: (patch: Partial<ViewOptions>): void => setView(session, patch),

    dismissNotice: (id: number): void => dismissNotice(store, id),
    /** The first visit's welcome card goes (the component remembers it in localStorage). */
    dismissWelcome: (): void => store.setState({ welcome: false }),
    notify: (notice: Omit<Notice, 'id'>): void => addNotice(store, notice),
    /** Draws one view highlighted (a term of the Update rule is hovered or focused), or none. */
    highlight: (view: ViewHighlight | null): void => setHighlight(store, view),

    /** The current frame with its x and x̂₀ arrays, for an export (see current-frame.ts). */
    currentFrame: () => currentFrame(session),
    /** Hands the x_t and x̂₀ canvases to the engine (see canvas-handover.ts). */
    attachViews: (x: ViewCanvas, denoised: ViewCanvas): void => canvases.attach(x, denoised),
    /** The attached canvases are leaving the page: the engine lets go of them after this task. */
    releaseViews: (x: ViewCanvas, denoised: ViewCanvas): void => canvases.release(x, denoised),

    handleEvent: (event: EngineEvent): void => handleEngineEvent(session, event, deps.now()),
  };
}
