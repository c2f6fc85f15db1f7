/**
 * The page's state: a zustand vanilla store with typed slices (settings, run, models, backend,
 * notices), and the functions that update it. The store holds data only; commands to the engine
 * live in engine-io/ and are sent explicitly, never from effects that watch this state. React
 * reads it through contexts.ts.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ExecutionProvider, FrameEvent, FrameTimings, ModelSummary } from '../../engine/protocol';
import type { ModelCard } from '../../core/card';
import { FrameLog } from './frame-log';
import { defaultSettings, type Settings } from './settings';
import type { ViewHighlight } from './update-rule';
import type { Lesson } from '../../shared/lesson-format';

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

export function setHighlight(store: AppStore, highlight: ViewHighlight | null): void {
  if (store.getState().highlight !== highlight) store.setState({ highlight });
}

export function setModelState(store: AppStore, modelId: string, state: ModelLoadState): void {
  store.setState({ models: { ...store.getState().models, [modelId]: state } });
}
