/**
 * The page's state: a zustand vanilla store with typed slices (settings, run, models, backend,
 * notices), and the functions that update it. The store holds data only; commands to the engine
 * live in engine-io/ and are sent explicitly, never from effects that watch this state. React
 * reads it through contexts.ts.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  ExecutionProvider,
  FrameEvent,
  FrameTimings,
  ModelSummary,
  ToolJob,
  ToolResult,
} from '../../engine/protocol';
import type { ModelCard } from '../../core/card';
import { FrameLog } from './frame-log';
import { defaultSettings, type Settings } from './settings';
import type { ViewHighlight } from './update-rule';
import type { Lesson } from '../../shared/lesson-format';
import type { CompareView } from './compare';

/** One entry of the model list (from models/manifest.json), enough to draw the picker. */
export interface CatalogueEntry {
  id: string;
  title: string;
  task: 'image' | 'points';
  /** Analytic mixtures need no download. */
  analytic: boolean;
  classes: string[];
  /** Download size in bytes (0 for analytic models). */
  bytes: number;
  /** The full card (SDE it was trained on, analytic mixture, …). */
  card: ModelCard;
}

export type ModelLoadState =
  | { state: 'loading'; loaded: number; total: number }
  | { state: 'ready'; summary: ModelSummary }
  | { state: 'failed'; message: string };

export type RunStatus = 'idle' | 'loading' | 'paused' | 'playing' | 'done';

export interface RunSlice {
  runId: number | null;
  status: RunStatus;
  /** Current step index (0 = the initial noise) and the grid length. */
  i: number;
  steps: number;
  /** Highest step index computed in this run (the Timeline can seek up to it). */
  reached: number;
  nfeTotal: number;
  sigma: number;
  t: number;
  timings: FrameTimings | null;
  /** Measured frame rate while playing (exponential moving average). */
  stepsPerSecond: number;
  /** The latest frame shown; its buffers belong to the page. */
  frame: FrameEvent | null;
  /**
   * The step the engine is computing now (its `stepStarted`), and when it began (deps.now); null
   * when none runs. A slow one shows "computing step k (n s)…" with Cancel step.
   */
  pendingStep: { i: number; since: number } | null;
  /** A comparison or step sweep (issue 14): its latest frame and error lines; null for a single run. */
  compare: CompareView | null;
}

export interface BackendSlice {
  ep: ExecutionProvider | null;
  threads: number;
  reason: string;
}

export type NoticeKind = 'error' | 'warning' | 'info';
export interface Notice {
  id: number;
  kind: NoticeKind;
  /** Short bold heading, e.g. "Model failed to load". */
  title: string;
  message: string;
  /** When set, the banner offers Retry for this model. */
  retryModelId?: string;
}

/** A learned 2D model's score on the arrow grid, as the engine computed it for one run. */
export interface LearnedScore {
  runId: number;
  /** The noise level and the scale s(t) it was computed for. */
  sigma: number;
  scale: number;
  /** The grid points (scale-free) and the score there, count × 2. */
  points: Float32Array;
  score: Float32Array;
}

/** The open lesson (issue 12), shown in the "Lesson" region; the player is engine-io/lesson-player.ts. */
export interface LessonView {
  /** The `lesson=` value: a shipped lesson's id, or `url:<path>` for a teacher's file. */
  key: string;
  /** The parsed lesson; null while its file loads. */
  lesson: Lesson | null;
  /** The step shown, 1-based. */
  step: number;
  /** The option the student picked in this step's question, if any. */
  chosen: number | null;
  /** Whether this step's answer has been revealed. */
  revealed: boolean;
  /** What this step asks for that this page does not have yet, in words (e.g. "Direction: Forward"). */
  missing: string[];
  /**
   * The step's experiment is not run: it needs Forward (noising real data), which this page does
   * not have yet, and a play would show sampling instead.
   */
  held: boolean;
}

// ---- controllable generation (issue 13) ----

/** A tool job asked of the engine, and where it stands. */
export interface ToolJobState {
  id: number;
  kind: ToolJob['kind'];
  status: 'running' | 'done' | 'cancelled' | 'failed';
  fraction: number;
  nfe: number;
  result: ToolResult | null;
  error: string | null;
}

/** What the tools hold besides their URL settings (pictures are not in links). */
export interface ToolData {
  /** Inpainting's known image(s), `samples` × dim in the model's data range; null until chosen. */
  known: Float32Array | null;
  knownSamples: number;
  /** Where `known` came from, in words ("the sample at step 100", "upload digit.png"). */
  knownFrom: string;
  /** Inpainting's mask over one image (dim values, 1 = known), shared by every sample. */
  mask: Float32Array | null;
  /** SDEdit's drawing (dim values, the model's data range), or null before one is made. */
  drawing: Float32Array | null;
  /** The real example `src=example:k` named (one image, the model's data range), once it came. */
  example: { k: number; image: Float32Array; heldOut: boolean } | null;
  /** The model the pictures belong to (they are dropped when another is chosen). */
  modelId: string | null;
  job: ToolJobState | null;
  /** The drawing tools' state (shared by the mask overlay and the SDEdit canvas). */
  brush: 'brush' | 'eraser';
  brushSize: number;
}

export const emptyToolData: ToolData = {
  known: null,
  knownSamples: 0,
  knownFrom: '',
  mask: null,
  drawing: null,
  example: null,
  modelId: null,
  job: null,
  brush: 'brush',
  brushSize: 3,
};

// ---- Your own data (issue 15) ----

export type DrawingToolName = 'brush' | 'eraser';

/** The latest training snapshot (engine/train-worker.ts): scores on a grid and samples. */
export interface TrainSnapshot {
  step: number;
  sigma: number;
  side: number;
  grid: Float32Array;
  learned: Float32Array;
  exact: Float32Array;
  samples: Float32Array;
}

export interface TrainingState {
  status: 'idle' | 'starting' | 'training' | 'stopping';
  step: number;
  steps: number;
  /** Mean loss of each reported slice of steps, with the step it ended at. */
  losses: { step: number; loss: number }[];
  elapsedMs: number;
  snapshot: TrainSnapshot | null;
}

export interface DrawingSlice {
  /** The drawn points, row-major count × 2 (the link's `data=` holds them quantised). */
  points: Float32Array;
  tool: DrawingToolName;
  /** Brush radius in view pixels. */
  size: number;
  /** What went wrong with the last CSV or card the user gave, or null. */
  inputError: string | null;
  /** σ of the training view's score comparison. */
  viewSigma: number;
  training: TrainingState;
  /** The network trained on the drawing (or uploaded): the model TRAINED_ID while it exists. */
  trainedCard: ModelCard | null;
}

export const idleTraining: TrainingState = {
  status: 'idle',
  step: 0,
  steps: 0,
  losses: [],
  elapsedMs: 0,
  snapshot: null,
};

/** Forward process (issue 12): what the page shows and asked for in the Forward direction. */
export interface ForwardSlice {
  /** The latest forward frame (x = x_t, denoised = x̂₀(x_t), forward.origin = x₀), or null. */
  frame: FrameEvent | null;
  /** Play in Forward: t advances by 1/steps per frame up to 1. */
  playing: boolean;
  /** The run a forward request is on its way for (the next waits for its answer), or null. */
  inFlight: number | null;
  /** A time asked for while one was on its way: sent when the answer comes. */
  queuedT: number | null;
  /**
   * "Reverse from here": the run that started from a forward x_t, the clean data it came from, the
   * time it started at and the RMS distance to x₀ there (per element, mean over the batch).
   */
  reverse: { runId: number; origin: Float32Array; fromT: number; startDistance: number } | null;
}

export const idleForward: ForwardSlice = {
  frame: null,
  playing: false,
  inFlight: null,
  queuedT: null,
  reverse: null,
};

export interface AppState {
  settings: Settings;
  run: RunSlice;
  catalogue: CatalogueEntry[];
  models: Readonly<Record<string, ModelLoadState>>;
  backend: BackendSlice;
  notices: Notice[];
  /** The run's frames by step (not reactive; read it when `run.frame` changes). */
  frameLog: FrameLog;
  /** Counts engine workers started: a new one needs fresh canvases (the old ones went with it). */
  engineEpoch: number;
  /** The score arrows of a learned 2D model (an exact mixture's are computed in the page). */
  learnedScore: LearnedScore | null;
  /** The view a hovered or focused term of the Update rule points at (drawn highlighted). */
  highlight: ViewHighlight | null;
  /** The open lesson, or null. */
  lesson: LessonView | null;
  /** The page was opened bare (no settings, no lesson) and the welcome card was never dismissed. */
  welcome: boolean;
  /** Compare mode: the two panes (0-based) the difference image subtracts. */
  differencePanes: readonly [number, number];
  /** Controllable generation's pictures and job (issue 13). */
  toolData: ToolData;
  /** Your own data: the drawing, its training and the trained network. */
  drawing: DrawingSlice;
  forward: ForwardSlice;
}

export const idleRun: RunSlice = {
  runId: null,
  status: 'idle',
  i: 0,
  steps: 0,
  reached: -1,
  nfeTotal: 0,
  sigma: 0,
  t: 0,
  timings: null,
  stepsPerSecond: 0,
  frame: null,
  pendingStep: null,
  compare: null,
};

export type AppStore = StoreApi<AppState>;

/** Creates a store; the page makes one, tests make as many as they like. */
export function createAppStore(settings: Settings = defaultSettings): AppStore {
  return createStore<AppState>()(() => ({
    settings,
    run: idleRun,
    catalogue: [],
    models: {},
    backend: { ep: null, threads: 0, reason: '' },
    notices: [],
    frameLog: new FrameLog(),
    engineEpoch: 0,
    learnedScore: null,
    highlight: null,
    lesson: null,
    welcome: false,
    differencePanes: [0, 1],
    toolData: emptyToolData,
    drawing: {
      points: new Float32Array(0),
      tool: 'brush',
      size: 24,
      inputError: null,
      viewSigma: 0.3,
      training: idleTraining,
      trainedCard: null,
    },
    forward: idleForward,
  }));
}

let nextNoticeId = 1;

/** Adds a notice unless one with the same title and message is already shown. */
export function addNotice(store: AppStore, notice: Omit<Notice, 'id'>): void {
  const { notices } = store.getState();
  if (notices.some((n) => n.title === notice.title && n.message === notice.message)) return;
  store.setState({ notices: [...notices, { ...notice, id: nextNoticeId++ }] });
}

export function dismissNotice(store: AppStore, id: number): void {
  store.setState({ notices: store.getState().notices.filter((n) => n.id !== id) });
}

export function updateSettings(store: AppStore, patch: Partial<Settings>): Settings {
  const settings = { ...store.getState().settings, ...patch };
  store.setState({ settings });
  return settings;
}

export function updateRun(store: AppStore, patch: Partial<RunSlice>): void {
  store.setState({ run: { ...store.getState().run, ...patch } });
}

export function updateForward(store: AppStore, patch: Partial<ForwardSlice>): void {
  store.setState({ forward: { ...store.getState().forward, ...patch } });
}

export function setHighlight(store: AppStore, highlight: ViewHighlight | null): void {
  if (store.getState().highlight !== highlight) store.setState({ highlight });
}

export function updateToolData(store: AppStore, patch: Partial<ToolData>): void {
  store.setState({ toolData: { ...store.getState().toolData, ...patch } });
}

export function setModelState(store: AppStore, modelId: string, state: ModelLoadState): void {
  store.setState({ models: { ...store.getState().models, [modelId]: state } });
}

export function updateDrawing(store: AppStore, patch: Partial<DrawingSlice>): void {
  store.setState({ drawing: { ...store.getState().drawing, ...patch } });
}

export function updateTraining(store: AppStore, patch: Partial<TrainingState>): void {
  const { drawing } = store.getState();
  store.setState({ drawing: { ...drawing, training: { ...drawing.training, ...patch } } });
}
