/**
 * Everything the user can do, as plain functions. Each one updates the store and sends the engine
 * an explicit command, never from an effect that watches state. The actions live in modules by
 * concern (model-actions, transport-actions, settings-actions, current-frame, canvas-handover) and
 * share one RunSession with the engine-event handling; createActions binds them to a store.
 */
import type { ParamValue, SdeKind } from '../../core/types';
import type { EngineEvent, ToolJob } from '../../engine/protocol';
import type { MaskPreset, Settings, ToolSettings, ViewOptions } from '../state/settings';
import {
  addNotice,
  dismissNotice,
  setHighlight,
  type AppStore,
  type Notice,
  type ToolData,
} from '../state/store';
import type { ViewHighlight } from '../state/update-rule';
import { CanvasHandover, type ViewCanvas } from './canvas-handover';
import { handleEngineEvent } from './engine-events';
import { currentFrame } from './current-frame';
import * as compare from './compare-actions';
import type { ComparePane } from '../state/compare';
import type { CompareAdvance } from '../../engine/protocol';
import { applyLink, boot, cancelDownload, retryModel, selectModel } from './model-actions';
import {
  setDrawingPoints,
  setDrawingTool,
  setInputError,
  setViewSigma,
  stopTraining,
  train,
  trainedCardFile,
  uploadCard,
} from './drawing-actions';
import type { DrawingSlice } from '../state/store';
import { RunSession, type ActionDeps } from './run-session';
import { reverseFromHere, setDirection, showForwardAt } from './forward-actions';
import type { Direction } from '../state/settings';
import {
  cancelToolJob,
  runToolJob,
  setDrawing,
  setMask,
  setMaskPreset,
  setTool,
  setToolBrush,
  takeCurrentSample,
  setSource,
  setKnownImage,
} from './tool-actions';
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
    /** Cancel while the current model downloads: back to the model before (model-actions.ts). */
    cancelDownload: (): void => cancelDownload(session),
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
    /** Forward process (issue 12): the Direction, and the forward time t ∈ [0, 1] shown. */
    setDirection: (direction: Direction): void => setDirection(session, direction),
    seekForward: (t: number): void => showForwardAt(session, t),
    reverseFromHere: (): void => reverseFromHere(session),

    setSampler: (samplerId: string): void => setSampler(session, samplerId),
    setSamplerParam: (name: string, value: ParamValue): void => setSamplerParam(session, name, value),
    setSde: (sde: SdeKind): void => setSde(session, sde),
    setRunSetting: (patch: Partial<RunDefiningSettings>): void => setRunSetting(session, patch),
    setConditioning: (patch: Partial<ConditioningSettings>): void => setConditioning(session, patch),
    setView: (patch: Partial<ViewOptions>): void => setView(session, patch),

    // Compare mode (issue 14).
    toggleCompare: (): void => compare.toggleCompare(session),
    addPane: (): void => compare.addPane(session),
    removePane: (k: number): void => compare.removePane(session, k),
    setPane: (k: number, patch: Partial<ComparePane>): void => compare.setPane(session, k, patch),
    setAdvance: (advance: CompareAdvance): void => compare.setAdvance(session, advance),
    setDifferencePanes: (panes: readonly [number, number]): void =>
      compare.setDifferencePanes(session, panes),
    stepSweep: (): void => compare.stepSweep(session),
    closeSweep: (): void => compare.closeSweep(session),

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

    // Controllable generation (issue 13): tool-actions.ts.
    setTool: (patch: Partial<ToolSettings>): void => setTool(session, patch),
    setToolBrush: (patch: Partial<Pick<ToolData, 'brush' | 'brushSize'>>): void =>
      setToolBrush(session, patch),
    takeCurrentSample: (): Promise<void> => takeCurrentSample(session),
    /** Tools start from real example k (`src=example:k`), or the current sample (null). */
    setToolSource: (k: number | null): void => setSource(session, k),
    setKnownImage: (image: Float32Array, name: string): void => setKnownImage(session, image, name),
    setMask: (mask: Float32Array): void => setMask(session, mask),
    setMaskPreset: (preset: MaskPreset): void => setMaskPreset(session, preset),
    setDrawing: (drawing: Float32Array): void => setDrawing(session, drawing),
    runToolJob: (job: ToolJob): void => runToolJob(session, job),
    cancelToolJob: (): void => cancelToolJob(session),
    // Your own data (issue 15): drawing-actions.ts.
    setDrawingPoints: (points: Float32Array): void => setDrawingPoints(session, points),
    setDrawingTool: (patch: Partial<Pick<DrawingSlice, 'tool' | 'size'>>): void =>
      setDrawingTool(store, patch),
    setDrawingError: (message: string | null): void => setInputError(store, message),
    train: (): void => train(session),
    stopTraining: (): void => stopTraining(session),
    setTrainViewSigma: (sigma: number): void => setViewSigma(session, sigma),
    trainedCardFile: () => trainedCardFile(store),
    uploadCard: (text: string, fileName: string): void => uploadCard(session, text, fileName),
  };
}
