/**
 * The typed messages between the page and the engine worker. One `type` key on every message, a
 * `runId` on every message about a run, buffers as transferables, plain data only (no library
 * objects). Both sides validate what they receive with `isRequest` / `isEvent`.
 */
import type { NoiseKeying } from '../core/sampling-loop';
import type { ResumePoint } from '../core/resume';
import { asSigma, type Params, type ScheduleKind, type SdeConfig, type StepTrace } from '../core/types';
import { MAX_FLOW_LINES, MAX_FLOW_POINTS_PER_LINE } from '../core/flow-map';

/** Which execution provider to use; 'auto' tries WebGPU and falls back to WASM. */
export type EpPreference = 'auto' | 'webgpu' | 'wasm';
export type ExecutionProvider = 'webgpu' | 'wasm';

/** Everything that fixes a trajectory: the same settings and seed give the same pictures. */
export interface RunSettings {
  /** Model id from models/manifest.json (must be loaded with `loadModel` first). */
  model: string;
  sampler: string;
  params: Params;
  /** The forward process; omitted fields come from the model card or the core defaults. */
  sde: SdeConfig;
  schedule: ScheduleKind;
  steps: number;
  seed: number;
  batch: number;
  /** Class to condition on, or null for unconditional sampling. */
  classLabel: number | null;
  /**
   * Classifier-free guidance weight w ≥ 0 (Ho & Salimans 2022): D = D_u + w(D_c − D_u), so 1 is the
   * conditional model alone and 0 the unconditional one — the same w as `npm run sample --guidance`.
   * Ignored when classLabel is null.
   */
  guidance: number;
  /** Replace the final x by the last x̂₀ (one extra network evaluation's worth of cleanup). */
  denoiseFinal: boolean;
  /**
   * Where the SDE steps' noise comes from (core's LoopOptions.noise): 'brownian', one Brownian path
   * per seed whatever the step count (the default, links with v=2), or 'step', keyed by
   * (seed, step, element), which reproduces links made before (no v in the hash).
   */
  noise?: NoiseKeying;
  /** Play speed; 0 = as fast as possible. */
  stepsPerSecond: number;
  /**
   * On WebGPU, where the trajectory lives: 'gpu' (the default) keeps x̃, x̂₀ and the sampler
   * history in GPU buffers and reads back only each frame; 'cpu' copies every network output to
   * JavaScript and does the sampler arithmetic there, as the WASM path does (for comparison).
   * Ignored on WASM and for exact mixture models, which always run on the CPU.
   */
  residency?: 'gpu' | 'cpu';
  /**
   * GPU-resident runs: replay the network through onnxruntime's graph capture (default true); false
   * runs it operator by operator (for comparison).
   */
  graphCapture?: boolean;
  /** Controllable generation (issue 13): where the run starts other than the prior. */
  from?: RunStart;
}

// ---- compare mode (issue 14) ----

export type CompareAdvance = 't' | 'nfe';

/** One pane of a comparison: what differs between panes. */
export interface ComparePaneSettings {
  sampler: string;
  params: Params;
  sde: SdeConfig;
  schedule: ScheduleKind;
  steps: number;
  /** Guidance weight w as in RunSettings (ignored without a class). */
  guidance: number;
}

/** A comparison: what the panes share, and the panes (1 to MAX_COMPARE_PANES). */
export interface CompareSettings extends Pick<
  RunSettings,
  'model' | 'seed' | 'batch' | 'classLabel' | 'denoiseFinal' | 'noise' | 'stepsPerSecond'
> {
  panes: ComparePaneSettings[];
  advance: CompareAdvance;
  /** On an exact mixture: measure each pane's sliced W1 to the exact distribution every tick. */
  errorPlot: boolean;
}

/**
 * Faults (issue 16): tick the comparison up to tick `to` before its first frame is posted (a fresh
 * worker after a crash). A comparison's ticks depend only on its settings and on when the advance
 * mode changed: `advances` lists each change, in force from tick `tick` on.
 */
export interface CompareReplay {
  to: number;
  advances: { tick: number; advance: CompareAdvance }[];
}

/** At most this many panes in one comparison (4 in compare mode, 7 in the step sweep). */
export const MAX_COMPARE_PANES = 8;
// ---- controllable generation (issue 13) ----

/**
 * A run that does not start from the prior (core's SamplingLoop.startFrom and Inpainting):
 * - 'data': known data in the model's data range, batch × dim. With `t0`, SDEdit: the reverse
 *   process starts from the data forward-noised to σ(t₀) along the run's observation path, on the
 *   Steps grid's points below. With `mask` (1 = known, 0 = to generate, batch × dim), inpainting by
 *   replacement after every step, with `resample` RePaint passes; it starts from the prior unless
 *   `t0` is given too.
 * - 'state': "Reverse from here": the reverse process from x̃ (scale-free, batch × dim) at σ.
 */
export type RunStart =
  | { kind: 'data'; data: Float32Array; t0: number | null; mask: Float32Array | null; resample: number }
  | { kind: 'state'; xTilde: Float32Array; sigma: number };

/**
 * A controllable-generation tool run on demand with the current run's model and settings (issue 13),
 * on `data` (batch × dim, the model's data range): the encode → decode round trip through the
 * PF-ODE, the log-likelihood (K Rademacher probes, or exact for a mixture), or SDEdit's results at
 * several t₀ from the same noise.
 */
export type ToolJob =
  | { kind: 'roundTrip'; data: Float32Array; tolerance?: number }
  | { kind: 'likelihood'; data: Float32Array; probes: number; tolerance?: number }
  | { kind: 'sdeditStrip'; data: Float32Array; t0s: number[] }
  /** 2D models: log p_ε on a cells × cells grid over the card's range (core's density-map.ts). */
  | { kind: 'likelihoodMap'; cells: number; probes: number; tolerance?: number }
  /**
   * Latent interpolation: the two ends encoded, their latents joined by slerp in `frames` steps and
   * decoded (core's encode.ts `interpolate`). An end is a sample of the page's or real example k.
   */
  | { kind: 'interpolate'; from: InterpolationEnd; to: InterpolationEnd; frames: number; tolerance?: number }
  /**
   * 2D models: the flow map, a grid of lines over the card's range (core's flow-map.ts) and the
   * given `points` (the current samples, maybe none) encoded and decoded together.
   */
  | { kind: 'flowMap'; lines: number; perLine: number; points: Float32Array; tolerance?: number };

/**
 * The ODE jobs (all but the SDEdit strip) take an optional `tolerance`: rtol = atol of their RK45
 * solves, from MIN_JOB_TOLERANCE to MAX_JOB_TOLERANCE; the page's default is tool-jobs.ts's
 * PAGE_TOLERANCE.
 */
export const MIN_JOB_TOLERANCE = 1e-6;
export const MAX_JOB_TOLERANCE = 1e-1;

/** One end of a latent interpolation: values the page holds, or an image model's real example. */
export type InterpolationEnd = { data: Float32Array } | { example: number };

/** Frames of a latent interpolation in the page (the strip has 8). */
export const MAX_INTERPOLATION_FRAMES = 16;

/** Cells per side of a 2D log-density map in the page (each cell one sample of one ODE solve). */
export const MAX_MAP_CELLS = 48;

export type ToolResult =
  | {
      kind: 'roundTrip';
      /** RMSE and largest error of decode(encode(x)) against x. */
      rmse: number;
      maxError: number;
      nfeEncode: number;
      nfeDecode: number;
      decoded: Float32Array;
      /** The latents (unit prior variance). */
      latent: Float32Array;
      /** Where the job ran: GPU-resident (beside a GPU-resident run) or on the CPU path. */
      onGpu: boolean;
    }
  | {
      kind: 'likelihood';
      /** −log p per sample (nats) and its standard error over the probes. */
      nll: number[];
      stdErr: number[];
      /** Images only: bits/dim of the dequantised data, and its standard error. */
      bpd: number[] | null;
      bpdStdErr: number[] | null;
      nfe: number;
      /** 0 for the exact divergence of a mixture. */
      probes: number;
      exact: boolean;
      tolerance: number;
      onGpu: boolean;
    }
  /** onGpu: the strip ran GPU-resident (beside a GPU-resident run). */
  | { kind: 'sdeditStrip'; t0s: number[]; images: Float32Array; nfe: number; onGpu: boolean }
  | {
      kind: 'likelihoodMap';
      cells: number;
      bounds: [number, number];
      /** log p_ε by the PF-ODE per cell (nats), row 0 at the top; its standard error over probes. */
      logp: number[];
      stdErr: number[];
      /** An exact mixture: the closed-form log p_ε per cell, and the largest gap to it; else null. */
      exactLogp: number[] | null;
      maxGap: number | null;
      nfe: number;
      /** 0 for the exact divergence of a mixture. */
      probes: number;
      tolerance: number;
      onGpu: boolean;
    }
  | {
      kind: 'interpolate';
      /** frames × dim, from the first end to the second. */
      images: Float32Array;
      /** The larger RMSE of the end frames against the ends (their round trips). */
      endError: number;
      /** The two ends themselves (2 × dim), for a blend of their pixels beside the path. */
      ends: Float32Array;
      nfeEncode: number;
      nfeDecode: number;
      onGpu: boolean;
    }
  | {
      kind: 'flowMap';
      lines: number;
      perLine: number;
      /** The grid's points, then `points`; their latents (unit prior variance); their decoding. */
      grid: Float32Array;
      latent: Float32Array;
      decoded: Float32Array;
      /** The number of the job's `points` after the grid's. */
      extra: number;
      rmse: number;
      maxError: number;
      nfeEncode: number;
      nfeDecode: number;
      onGpu: boolean;
    };

// ---- faults (issue 16): deterministic replay ----

/** A live change of a run (a swap between steps: the trajectory continues from its state). */
export type RunChange =
  | { kind: 'sampler'; sampler: string; params: Params }
  | { kind: 'sde'; sde: SdeConfig }
  | { kind: 'conditioning'; classLabel: number | null; guidance: number };

/**
 * How the engine reached a run's current branch from its `start` request, so that it can compute
 * it again exactly (a fresh worker after a crash; WASM after the GPU device was lost):
 * - `changes`: the live changes, in the order they were applied;
 * - `marks`: from step `step` on (until the next mark), the first `applied` changes were in force
 *   when the step was computed; before the first mark, `origin.after` (or 0);
 * - `origin`: "Reverse from here" restarted the reverse process from the forward state at time `t`,
 *   after the first `after` changes; null when the run starts where its `start` says.
 * Rewinds need no entry: a step from an earlier state starts a new branch, and the marks after it go.
 */
export interface RunRecipe {
  changes: RunChange[];
  marks: { step: number; applied: number }[];
  origin: { t: number; after: number } | null;
}

/**
 * Compute the run up to step `to` along `recipe` before its first frame is posted: from `from`, the
 * last frame the page holds with its resume data (a step ≤ `to` of the same branch), or from step
 * 0 without one.
 */
export interface RunReplay {
  to: number;
  recipe: RunRecipe;
  from?: ResumePoint;
}

/**
 * What a frame carries, beside its own i, σ, NFE count and trace, for its run to go on from it
 * exactly (core's ResumePoint): x̃ itself (x = s·x̃ does not give it back to the bit), the history a
 * step reads, the σ grid and where a run started mid-way began. A vector the state shares (x̂₀ and
 * the newest history entry) is one array.
 */
export type FrameResume = Omit<ResumePoint, 'i' | 'sigma' | 'nfeTotal' | 'trace'>;

/** The resume point a frame with resume data gives. */
export function resumePointOf(frame: FrameEvent & { resume: FrameResume }): ResumePoint {
  const { i, sigma, nfeTotal, trace, resume } = frame;
  return { ...resume, i, sigma: asSigma(sigma), nfeTotal, trace };
}

// ---- requests: page → worker ----

export type EngineRequest =
  | { type: 'init'; ep: EpPreference }
  | { type: 'loadModel'; modelId: string; baseUrl: string }
  /**
   * Faults (issue 16): stop loading this model (its download is aborted). Nothing answers: the page
   * has moved on; a load that already finished still ends with `ready`.
   */
  | { type: 'cancelLoad'; modelId: string }
  // Your own data (issue 15): a model defined by the page. With `points` (count × 2) the model is
  // the exact empirical denoiser of those points and `card` its plain facts; without, `card` is a
  // model card with an "mlp" block, checked like a fetched one.
  | { type: 'defineModel'; modelId: string; card: unknown; points: Float32Array | null }
  /** With `replay` (faults, issue 16), the run is computed again up to a step before its frame. */
  | ({ type: 'start'; runId: number; autoplay: boolean; replay?: RunReplay } & RunSettings)
  | { type: 'play'; runId: number }
  | { type: 'pause'; runId: number }
  | { type: 'step'; runId: number }
  | { type: 'seek'; runId: number; k: number }
  | { type: 'setSampler'; runId: number; sampler: string; params: Params }
  | { type: 'setSde'; runId: number; sde: SdeConfig }
  /** Another class or guidance weight (as in RunSettings) from the next step on: the run continues. */
  | { type: 'setConditioning'; runId: number; classLabel: number | null; guidance: number }
  | { type: 'setSpeed'; runId: number; stepsPerSecond: number }
  | { type: 'frameAck'; runId: number; i: number }
  /**
   * Stop this run for good (the page left it: another model, a pasted link). A step in flight is
   * abandoned at its next network call, and steps queued for it never run.
   */
  | { type: 'stop'; runId: number }
  /**
   * Abandon the step in flight (at its next network call) and any queued, and pause. Answered by
   * `paused` with reason 'cancelled' once no step of the run is running.
   */
  | { type: 'cancelStep'; runId: number }
  /**
   * The page's x_t and x̂₀ canvases, from canvas.transferControlToOffscreen() (sent as
   * transferables): on WebGPU the worker draws every image frame into them from now on, and
   * frames off the array schedule (shared/frame-schedule.ts) come without arrays. A new attach replaces
   * the previous pair.
   */
  | { type: 'attachViews'; x: OffscreenCanvas; denoised: OffscreenCanvas }
  /** The attached canvases left the page: frames carry arrays again and the page draws them. */
  | { type: 'detachViews' }
  /** Asks for the current frame with its arrays (answered with a frame with `requested: true`). */
  | { type: 'readFrame'; runId: number }
  /**
   * The run's model's score ∇log p_σ at `points` (scale-free coordinates, count × dim), for the
   * 2D view's arrows of a learned model: one batched network call, answered by `scoreField`.
   */
  | { type: 'scoreField'; runId: number; sigma: number; points: Float32Array }
  /** Controllable generation: runs a tool job (answered by toolProgress events, then toolDone). */
  | { type: 'toolJob'; runId: number; jobId: number; job: ToolJob }
  /** Stops a tool job at its next network call (answered by toolDone with `cancelled`). */
  | { type: 'cancelToolJob'; jobId: number }
  /**
   * Real examples k of a loaded image model (its card's `examples` file, checked like the network):
   * the picture a tool starts from with `src=example:k`. Answered by an `examples` event.
   */
  | { type: 'examples'; requestId: number; modelId: string; indices: number[] }
  // ---- Forward process (issue 12) ----
  /**
   * Shows the forward process of the run's model at time t ∈ [0, 1] along the run's SDE, from
   * real data (the model's examples, or exact 2D samples) and the run's seed: answered by a frame
   * with `forward` set (x = x_t, denoised = x̂₀(x_t)), or an error of scope 'forward'. The reverse
   * trajectory is kept; a seek returns to it.
   */
  | { type: 'forward'; runId: number; t: number }
  /**
   * "Reverse from here": the run's reverse process starts at the forward x_t last shown, at its σ
   * (core's SamplingLoop.startFrom); answered by its frame 0, then playing when `autoplay`.
   */
  | { type: 'reverseFromHere'; runId: number; autoplay: boolean }
  | { type: 'dispose' }
  // ---- compare mode (issue 14) ----
  /**
   * A comparison: one pane per entry, sharing the model, seed, batch, prior draw and Brownian path
   * and every network call (core's PaneBatch). play, pause, step, setSpeed, frameAck and stop
   * take its runId like a single run's; frames come as `compareFrame`.
   */
  | ({ type: 'startCompare'; runId: number; autoplay: boolean; replay?: CompareReplay } & CompareSettings)
  /** Lock-step on t or by NFE, from the next tick on. */
  | { type: 'setAdvance'; runId: number; advance: CompareAdvance };

export type EngineRequestType = EngineRequest['type'];

// ---- events: worker → page ----

export interface FrameTimings {
  /** Time spent in the network (or the exact mixture denoiser) during this step. */
  modelMs: number;
  /** Everything else: sampler arithmetic, noise, copies. */
  otherMs: number;
}

export interface FrameEvent {
  type: 'frame';
  runId: number;
  /** Step index: 0 is the initial noise, `steps` the end of the trajectory. */
  i: number;
  steps: number;
  t: number;
  sigma: number;
  /** Network evaluations used by this step, and since the start of the run. */
  nfe: number;
  nfeTotal: number;
  /**
   * Current sample in native coordinates x = s(t)·x̃, batch × prod(shape). Empty (length 0) for a
   * drawn frame off the array schedule (see `drawn`).
   */
  x: Float32Array;
  /** x̂₀ estimate at this step, same layout; empty exactly when `x` is. */
  denoised: Float32Array;
  batch: number;
  shape: number[];
  timings: FrameTimings;
  info: Record<string, number>;
  done: boolean;
  /** The step ran GPU-resident (see RunSettings.residency). */
  onGpu: boolean;
  /**
   * The worker drew this frame into the page's attached canvases (attachViews): the page must
   * not draw it, and its arrays are sent only on the schedule of shared/frame-schedule.ts (frame 0, every
   * k-th step, the last) or when asked for with readFrame.
   */
  drawn: boolean;
  /** The answer to a readFrame: the state did not move (not a step, not a branch). */
  requested: boolean;
  /**
   * How the step reached this state: the sampler's formula and the coefficients and scalars it
   * used (core's StepTrace, a few hundred numbers at most). Null for step 0, the prior. A seek
   * answer carries the trace of the step it returns to.
   */
  trace: StepTrace | null;
  /**
   * Forward process (issue 12): set on the answer to a `forward` request. `t` is the time shown
   * and `origin` the clean data x₀ it was noised from (batch × prod(shape)).
   */
  forward?: { t: number; origin: Float32Array };
  // ---- Soak (issue 16) ----
  /**
   * GPU-resident frames only: GPU buffers the worker's fields hold (GpuField.buffersAlive: vectors
   * live and pooled, scratch, staging). Equal at the end of equal runs however many came before;
   * a leak makes it grow.
   */
  gpuBuffers?: number;
  /**
   * GPU-resident frames only: GPU buffers alive on the whole device, whoever made them
   * (onnxruntime's weights, activations and buffer cache, the fields, the network inputs, the
   * painter), and their bytes (liveDeviceBuffers, src/gpu/device-buffers.ts). Equal at the end of
   * equal runs too.
   */
  deviceBuffers?: number;
  deviceBufferBytes?: number;
  // ---- Faults (issue 16) ----
  /**
   * On a run's frames that carry their arrays (not forward frames, not a comparison's): what the
   * run needs to go on from this frame after a crash or a lost GPU device (see FrameResume).
   */
  resume?: FrameResume;
  /** The first frame after a replay: the step the run was computed again from (0 or a held frame's). */
  replayedFrom?: number;
}

/** What the page needs to know about a loaded model (plain data from the card). */
export interface ModelSummary {
  id: string;
  title: string;
  task: 'image' | 'points';
  shape: number[];
  range: [number, number];
  classes: string[];
  analytic: boolean;
}

/** One pane in a compareFrame (arrays as in FrameEvent, native x and x̂₀, always sent). */
export interface ComparePaneFrame {
  sampler: string;
  /** Steps taken, and of the whole pane (final denoising included). */
  i: number;
  steps: number;
  t: number;
  sigma: number;
  /** Evaluations in this tick, and since the start. */
  nfe: number;
  nfeTotal: number;
  /** Its share of the shared network time per step so far, ms. */
  msPerStep: number;
  x: Float32Array;
  denoised: Float32Array;
  /** Sliced W1 of x to the exact marginal (errorPlot on an exact mixture), else null. */
  error: number | null;
  done: boolean;
  /** Why this pane stopped (its step failed, or its state is not finite); null while it runs. */
  failure: string | null;
}

/** One tick of a comparison: every pane's state after it. */
export interface CompareFrameEvent {
  type: 'compareFrame';
  runId: number;
  /** Ticks so far (0: the shared prior). */
  tick: number;
  /** Network calls in this tick (the largest NFE of the panes that stepped, not their sum). */
  calls: number;
  /** Network calls since the start. */
  callsTotal: number;
  networkMs: number;
  batch: number;
  shape: number[];
  panes: ComparePaneFrame[];
  /** The sampling floor of the error plot: W1 of exact vs exact sets of the same N (null: no plot). */
  floor: { low: number; high: number } | null;
  /** Particles per pane behind the error plot. */
  particles: number;
  done: boolean;
  onGpu: boolean;
  /** The first frame after a replay (faults, issue 16): ticked again from 0 up to this tick. */
  replayedFrom?: number;
}

export type PauseReason = 'user' | 'done' | 'nonfinite' | 'error' | 'cancelled';
/** 'forward': the forward process could not be shown (issue 12); the run itself is unharmed. */
export type ErrorScope = 'model' | 'run' | 'backend' | 'worker' | 'forward';

export type EngineEvent =
  | { type: 'backend'; ep: ExecutionProvider; threads: number; reason: string }
  | { type: 'progress'; modelId: string; loaded: number; total: number }
  | { type: 'ready'; modelId: string; model: ModelSummary }
  | FrameEvent
  | CompareFrameEvent
  | { type: 'paused'; runId: number; reason: PauseReason; i: number }
  /** Step i (from step i − 1) has begun; its frame follows, or a pause when it fails or is cancelled. */
  | { type: 'stepStarted'; runId: number; i: number }
  /** The answer to a scoreField request: the score (D(x̃, σ) − x̃)/σ² at its points (empty: failed). */
  | { type: 'scoreField'; runId: number; sigma: number; points: Float32Array; score: Float32Array }
  | { type: 'playing'; runId: number }
  /** A tool job's progress: fraction of the job done (0 … 1), network evaluations so far. */
  | { type: 'toolProgress'; jobId: number; fraction: number; nfe: number }
  /** A tool job ended: its result, or cancelled, or the error message. */
  | { type: 'toolDone'; jobId: number; result: ToolResult | null; cancelled: boolean; error: string | null }
  // ---- faults (issue 16) ----
  /** The run's replay recipe changed (a live change, the first step after one, a branch). */
  | { type: 'recipe'; runId: number; recipe: RunRecipe }
  /**
   * The WebGPU device was lost (`reason`, the browser's words). Models on it are unloaded
   * (`unloaded`), WASM is used from now on, and the run on it (`lostRun`, or null) is stopped: the
   * page computes it again on WASM from the last frame it holds (a `start` with `replay`).
   */
  | {
      type: 'deviceLost';
      reason: string;
      unloaded: string[];
      lostRun: number | null;
    }
  /**
   * The answer to `examples`: the images (indices × dim, the model's data range), how many the file
   * holds and whether the model never trained on them; or, when they cannot be had, `error`.
   */
  | {
      type: 'examples';
      requestId: number;
      modelId: string;
      indices: number[];
      images: Float32Array;
      count: number;
      heldOut: boolean;
      error: string | null;
    }
  | {
      type: 'error';
      scope: ErrorScope;
      modelId?: string;
      runId?: number;
      message: string;
      recoverable: boolean;
      /**
       * Scope 'worker': the worker crashed and the page's client started a fresh one (`message`
       * then says how it stopped).
       */
      restarted?: boolean;
    };

export type EngineEventType = EngineEvent['type'];

/** Compile-time exhaustiveness check for switches over message types. */
export function assertNever(value: never, what = 'message'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}

/** What a request hands over to the worker: the canvases of attachViews. */
export function requestTransferables(request: EngineRequest): Transferable[] {
  return request.type === 'attachViews' ? [request.x, request.denoised] : [];
}

/** Buffers an event can hand over without copying. */
export function transferablesOf(event: EngineEvent): Transferable[] {
  if (event.type === 'compareFrame') {
    return [...new Set(event.panes.flatMap((p) => [p.x.buffer, p.denoised.buffer]))] as Transferable[];
  }
  if (event.type !== 'frame') return [];
  const buffers = new Set<ArrayBufferLike>([event.x.buffer, event.denoised.buffer]);
  const { resume } = event;
  if (resume !== undefined) {
    buffers.add(resume.xTilde.buffer);
    if (resume.denoised !== null) buffers.add(resume.denoised.buffer);
    for (const entry of resume.history) buffers.add(entry.denoised.buffer);
  }
  return [...buffers] as Transferable[];
}

// ---- validation (messages cross a thread boundary, so check their shape) ----

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null;
const isNum = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);
const isInt = (v: unknown): v is number => Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isParams = (v: unknown): v is Params =>
  isObject(v) && Object.values(v).every((p) => isNum(p) || isStr(p) || isBool(p));
const isSde = (v: unknown): v is SdeConfig =>
  isObject(v) && (v.kind === 'vp' || v.kind === 'subvp' || v.kind === 've');
const isSchedule = (v: unknown): v is ScheduleKind => v === 'uniform' || v === 'karras' || v === 'logsnr';
const isOffscreen = (v: unknown): v is OffscreenCanvas =>
  typeof OffscreenCanvas !== 'undefined' && v instanceof OffscreenCanvas;

const isFloats = (v: unknown): v is Float32Array => v instanceof Float32Array;

/** Plain-data check of a RunStart (lengths are checked against the model by the worker). */
function isRunStart(v: unknown): v is RunStart {
  if (!isObject(v)) return false;
  if (v.kind === 'state') return isFloats(v.xTilde) && isNum(v.sigma) && v.sigma > 0;
  return (
    v.kind === 'data' &&
    isFloats(v.data) &&
    (v.t0 === null || (isNum(v.t0) && v.t0 > 0 && v.t0 <= 1)) &&
    (v.mask === null || (isFloats(v.mask) && v.mask.length === v.data.length)) &&
    isInt(v.resample) &&
    v.resample >= 0 &&
    (v.t0 !== null || v.mask !== null)
  );
}

const MAX_PROBES = 64;

const isEnd = (v: unknown): v is InterpolationEnd =>
  isObject(v) && (isFloats(v.data) || (isInt(v.example) && v.example >= 0));

function isToolJob(v: unknown): v is ToolJob {
  if (!isObject(v)) return false;
  const tolerance = v.tolerance;
  if (
    tolerance !== undefined &&
    !(isNum(tolerance) && tolerance >= MIN_JOB_TOLERANCE && tolerance <= MAX_JOB_TOLERANCE)
  )
    return false;
  if (isObject(v) && v.kind === 'likelihoodMap') {
    return (
      isInt(v.cells) &&
      v.cells >= 2 &&
      v.cells <= MAX_MAP_CELLS &&
      isInt(v.probes) &&
      v.probes >= 1 &&
      v.probes <= MAX_PROBES
    );
  }
  if (isObject(v) && v.kind === 'interpolate') {
    return (
      isEnd(v.from) && isEnd(v.to) && isInt(v.frames) && v.frames >= 2 && v.frames <= MAX_INTERPOLATION_FRAMES
    );
  }
  if (isObject(v) && v.kind === 'flowMap') {
    return (
      isInt(v.lines) &&
      v.lines >= 2 &&
      v.lines <= MAX_FLOW_LINES &&
      isInt(v.perLine) &&
      v.perLine >= 2 &&
      v.perLine <= MAX_FLOW_POINTS_PER_LINE &&
      isFloats(v.points)
    );
  }
  if (!isObject(v) || !isFloats(v.data)) return false;
  if (v.kind === 'roundTrip') return true;
  if (v.kind === 'likelihood') return isInt(v.probes) && v.probes >= 1 && v.probes <= MAX_PROBES;
  return (
    v.kind === 'sdeditStrip' &&
    Array.isArray(v.t0s) &&
    v.t0s.length >= 1 &&
    v.t0s.every((t) => isNum(t) && t > 0 && t <= 1)
  );
}

const isRunChange = (v: unknown): v is RunChange =>
  isObject(v) &&
  ((v.kind === 'sampler' && isStr(v.sampler) && isParams(v.params)) ||
    (v.kind === 'sde' && isSde(v.sde)) ||
    (v.kind === 'conditioning' && (v.classLabel === null || isInt(v.classLabel)) && isNum(v.guidance)));

/** Plain-data check of a RunRecipe: marks in step order, counts within the changes. */
function isRunRecipe(v: unknown): v is RunRecipe {
  if (!isObject(v) || !Array.isArray(v.changes) || !v.changes.every(isRunChange)) return false;
  const count = v.changes.length;
  const origin = v.origin;
  if (
    origin !== null &&
    !(
      isObject(origin) &&
      isNum(origin.t) &&
      isInt(origin.after) &&
      origin.after >= 0 &&
      origin.after <= count
    )
  )
    return false;
  if (!Array.isArray(v.marks)) return false;
  let last = 0;
  for (const mark of v.marks as unknown[]) {
    if (!isObject(mark) || !isInt(mark.step) || !isInt(mark.applied)) return false;
    if (mark.step <= last || mark.applied < 0 || mark.applied > count) return false;
    last = mark.step;
  }
  return true;
}

/** Plain-data check of a FrameResume (what the numbers mean is checked by core's checkResumePoint). */
function isFrameResume(v: unknown): v is FrameResume {
  if (!isObject(v)) return false;
  return (
    isFloats(v.xTilde) &&
    (v.denoised === null || isFloats(v.denoised)) &&
    Array.isArray(v.history) &&
    v.history.every((h: unknown) => isObject(h) && isNum(h.sigma) && isFloats(h.denoised)) &&
    isNumArray(v.sigmas) &&
    (v.startSigma === null || isNum(v.startSigma))
  );
}

const isResumePoint = (v: unknown): v is ResumePoint =>
  isObject(v) &&
  isInt(v.i) &&
  isNum(v.sigma) &&
  isInt(v.nfeTotal) &&
  (v.trace === null || isTrace(v.trace)) &&
  isFrameResume(v);

const isReplay = (v: unknown): v is RunReplay =>
  isObject(v) &&
  isInt(v.to) &&
  v.to >= 0 &&
  isRunRecipe(v.recipe) &&
  (v.from === undefined || (isResumePoint(v.from) && v.from.i <= v.to));

function isRunSettings(m: Fields): boolean {
  return (
    isStr(m.model) &&
    isStr(m.sampler) &&
    isParams(m.params) &&
    isSde(m.sde) &&
    isSchedule(m.schedule) &&
    isInt(m.steps) &&
    isInt(m.seed) &&
    isInt(m.batch) &&
    (m.classLabel === null || isInt(m.classLabel)) &&
    isNum(m.guidance) &&
    isBool(m.denoiseFinal) &&
    (m.noise === undefined || m.noise === 'brownian' || m.noise === 'step') &&
    isNum(m.stepsPerSecond) &&
    (m.residency === undefined || m.residency === 'gpu' || m.residency === 'cpu') &&
    (m.graphCapture === undefined || isBool(m.graphCapture)) &&
    (m.from === undefined || isRunStart(m.from))
  );
}

const isAdvance = (v: unknown): v is CompareAdvance => v === 't' || v === 'nfe';
const isComparePane = (v: unknown): boolean =>
  isObject(v) &&
  isStr(v.sampler) &&
  isParams(v.params) &&
  isSde(v.sde) &&
  isSchedule(v.schedule) &&
  isInt(v.steps) &&
  isNum(v.guidance);

function isCompareSettings(m: Fields): boolean {
  return (
    isStr(m.model) &&
    isInt(m.seed) &&
    isInt(m.batch) &&
    (m.classLabel === null || isInt(m.classLabel)) &&
    isBool(m.denoiseFinal) &&
    (m.noise === undefined || m.noise === 'brownian' || m.noise === 'step') &&
    isNum(m.stepsPerSecond) &&
    Array.isArray(m.panes) &&
    m.panes.length >= 1 &&
    m.panes.length <= MAX_COMPARE_PANES &&
    m.panes.every(isComparePane) &&
    isAdvance(m.advance) &&
    isBool(m.errorPlot)
  );
}

const isComparePaneFrame = (v: unknown): boolean =>
  isObject(v) &&
  isStr(v.sampler) &&
  isInt(v.i) &&
  isInt(v.steps) &&
  isInt(v.nfe) &&
  isInt(v.nfeTotal) &&
  isNum(v.msPerStep) &&
  isFloats(v.x) &&
  isFloats(v.denoised) &&
  (v.error === null || typeof v.error === 'number') &&
  isBool(v.done) &&
  (v.failure === null || isStr(v.failure));

const requestChecks: { [K in EngineRequestType]: (m: Fields) => boolean } = {
  init: (m) => m.ep === 'auto' || m.ep === 'webgpu' || m.ep === 'wasm',
  loadModel: (m) => isStr(m.modelId) && isStr(m.baseUrl),
  cancelLoad: (m) => isStr(m.modelId),
  defineModel: (m) => isStr(m.modelId) && isObject(m.card) && (m.points === null || isFloats(m.points)),
  start: (m) =>
    isInt(m.runId) &&
    isBool(m.autoplay) &&
    isRunSettings(m) &&
    (m.replay === undefined || isReplay(m.replay)),
  play: (m) => isInt(m.runId),
  pause: (m) => isInt(m.runId),
  step: (m) => isInt(m.runId),
  seek: (m) => isInt(m.runId) && isInt(m.k),
  setSampler: (m) => isInt(m.runId) && isStr(m.sampler) && isParams(m.params),
  setSde: (m) => isInt(m.runId) && isSde(m.sde),
  setConditioning: (m) =>
    isInt(m.runId) && (m.classLabel === null || isInt(m.classLabel)) && isNum(m.guidance),
  setSpeed: (m) => isInt(m.runId) && isNum(m.stepsPerSecond),
  frameAck: (m) => isInt(m.runId) && isInt(m.i),
  stop: (m) => isInt(m.runId),
  cancelStep: (m) => isInt(m.runId),
  attachViews: (m) => isOffscreen(m.x) && isOffscreen(m.denoised) && m.x !== m.denoised,
  detachViews: () => true,
  readFrame: (m) => isInt(m.runId),
  scoreField: (m) => isInt(m.runId) && isNum(m.sigma) && m.sigma > 0 && isFloats(m.points),
  toolJob: (m) => isInt(m.runId) && isInt(m.jobId) && isToolJob(m.job),
  cancelToolJob: (m) => isInt(m.jobId),
  examples: (m) =>
    isInt(m.requestId) && isStr(m.modelId) && Array.isArray(m.indices) && m.indices.every(isInt),
  forward: (m) => isInt(m.runId) && isNum(m.t) && m.t >= 0 && m.t <= 1,
  reverseFromHere: (m) => isInt(m.runId) && isBool(m.autoplay),
  dispose: () => true,
  startCompare: (m) =>
    isInt(m.runId) &&
    isBool(m.autoplay) &&
    isCompareSettings(m) &&
    (m.replay === undefined ||
      (isObject(m.replay) &&
        isInt(m.replay.to) &&
        m.replay.to >= 0 &&
        Array.isArray(m.replay.advances) &&
        m.replay.advances.every((a: unknown) => isObject(a) && isInt(a.tick) && isAdvance(a.advance)))),
  setAdvance: (m) => isInt(m.runId) && isAdvance(m.advance),
};

const isNumArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNum);

/** A recorded coefficient or scalar: NaN and ±∞ are allowed (a diverging step still reports). */
const isTraceNumber = (v: unknown): boolean =>
  typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number'));
const isTraceValue = (v: unknown): boolean => isObject(v) && isStr(v.symbol) && isTraceNumber(v.value);
const isTraceLine = (v: unknown): boolean =>
  isObject(v) &&
  isStr(v.name) &&
  (v.kind === 'update' || v.kind === 'form') &&
  Array.isArray(v.terms) &&
  v.terms.every((t) => isObject(t) && isStr(t.symbol) && isTraceNumber(t.coef)) &&
  Array.isArray(v.values) &&
  v.values.every(isTraceValue);
const isTrace = (v: unknown): v is StepTrace =>
  isObject(v) &&
  isStr(v.samplerId) &&
  isStr(v.cite) &&
  Array.isArray(v.formula) &&
  v.formula.every(isStr) &&
  Array.isArray(v.values) &&
  v.values.every(isTraceValue) &&
  Array.isArray(v.lines) &&
  v.lines.every(isTraceLine);

const eventChecks: { [K in EngineEventType]: (m: Fields) => boolean } = {
  backend: (m) => (m.ep === 'webgpu' || m.ep === 'wasm') && isInt(m.threads) && isStr(m.reason),
  progress: (m) => isStr(m.modelId) && isNum(m.loaded) && isNum(m.total),
  ready: (m) => isStr(m.modelId) && isObject(m.model) && isNumArray(m.model.shape),
  frame: (m) =>
    isInt(m.runId) &&
    isInt(m.i) &&
    isInt(m.steps) &&
    isNum(m.sigma) &&
    isFloats(m.x) &&
    isFloats(m.denoised) &&
    m.x.length === m.denoised.length &&
    isInt(m.batch) &&
    isNumArray(m.shape) &&
    isObject(m.timings) &&
    isBool(m.done) &&
    isBool(m.drawn) &&
    isBool(m.requested) &&
    (m.trace === null || isTrace(m.trace)) &&
    (m.forward === undefined || (isObject(m.forward) && isNum(m.forward.t) && isFloats(m.forward.origin))) &&
    (m.gpuBuffers === undefined || (isInt(m.gpuBuffers) && m.gpuBuffers >= 0)) &&
    (m.deviceBuffers === undefined || (isInt(m.deviceBuffers) && m.deviceBuffers >= 0)) &&
    (m.deviceBufferBytes === undefined || (isInt(m.deviceBufferBytes) && m.deviceBufferBytes >= 0)) &&
    (m.resume === undefined || isFrameResume(m.resume)) &&
    (m.replayedFrom === undefined || isInt(m.replayedFrom)) &&
    (m.drawn || m.x.length > 0),
  compareFrame: (m) =>
    isInt(m.runId) &&
    isInt(m.tick) &&
    isInt(m.calls) &&
    isInt(m.callsTotal) &&
    isInt(m.batch) &&
    isNumArray(m.shape) &&
    Array.isArray(m.panes) &&
    m.panes.every(isComparePaneFrame) &&
    (m.floor === null || (isObject(m.floor) && isNum(m.floor.low) && isNum(m.floor.high))) &&
    isBool(m.done),
  paused: (m) => isInt(m.runId) && isStr(m.reason) && isInt(m.i),
  stepStarted: (m) => isInt(m.runId) && isInt(m.i),
  scoreField: (m) =>
    isInt(m.runId) &&
    isNum(m.sigma) &&
    isFloats(m.points) &&
    isFloats(m.score) &&
    (m.score.length === 0 || m.points.length === m.score.length),
  playing: (m) => isInt(m.runId),
  toolProgress: (m) => isInt(m.jobId) && isNum(m.fraction) && isInt(m.nfe),
  toolDone: (m) =>
    isInt(m.jobId) &&
    isBool(m.cancelled) &&
    (m.error === null || isStr(m.error)) &&
    (m.result === null || (isObject(m.result) && isStr(m.result.kind))),
  recipe: (m) => isInt(m.runId) && isRunRecipe(m.recipe),
  deviceLost: (m) =>
    isStr(m.reason) &&
    Array.isArray(m.unloaded) &&
    m.unloaded.every(isStr) &&
    (m.lostRun === null || isInt(m.lostRun)),
  examples: (m) =>
    isInt(m.requestId) &&
    isStr(m.modelId) &&
    isNumArray(m.indices) &&
    isFloats(m.images) &&
    isInt(m.count) &&
    isBool(m.heldOut) &&
    (m.error === null || isStr(m.error)),
  error: (m) => isStr(m.scope) && isStr(m.message) && isBool(m.recoverable),
};

/** True when `value` is a well-formed request (right `type` and fields). */
export function isRequest(value: unknown): value is EngineRequest {
  if (!isObject(value) || !isStr(value.type) || !Object.hasOwn(requestChecks, value.type)) return false;
  return requestChecks[value.type as EngineRequestType](value);
}

/** True when `value` is a well-formed event (right `type` and fields). */
export function isEvent(value: unknown): value is EngineEvent {
  if (!isObject(value) || !isStr(value.type) || !Object.hasOwn(eventChecks, value.type)) return false;
  return eventChecks[value.type as EngineEventType](value);
}

// ---- Your own data (issue 15): the training worker (src/engine/train-worker.ts) ----
// The page starts that worker only when the user first presses Train, so no training code loads
// before. It trains core's MLP on the drawn points and reports as it goes.

/** What the training view shows: the score at noise level `sigma` on a side × side grid over `range`. */
export interface TrainView {
  sigma: number;
  range: [number, number];
}

export type TrainRequest =
  /** A new run on `points` (count × 2): `steps` planned (the learning rate decays over them). */
  | { type: 'train'; points: Float32Array; steps: number; seed: number; view: TrainView }
  /** Another view from the next snapshot on. */
  | { type: 'trainView'; view: TrainView }
  /** Stop after the step in flight; answered by `trained` with the card of the weights so far. */
  | { type: 'stopTraining' };

export type TrainEvent =
  /** Losses of the steps since the last progress event (each the batch's loss before its update). */
  | { type: 'trainProgress'; step: number; steps: number; losses: Float32Array; elapsedMs: number }
  /**
   * The current network next to the exact empirical denoiser: scores at σ on a grid (scale-free
   * coordinates, count × 2), and samples from the network (probability-flow ODE), count × 2.
   */
  | {
      type: 'trainSnapshot';
      step: number;
      sigma: number;
      side: number;
      grid: Float32Array;
      learned: Float32Array;
      exact: Float32Array;
      samples: Float32Array;
    }
  /** The run ended (stopped or all planned steps done): the EMA weights as an "mlp" points card. */
  | { type: 'trained'; step: number; elapsedMs: number; card: Record<string, unknown> }
  | { type: 'trainError'; message: string };

const isTrainView = (v: unknown): v is TrainView =>
  isObject(v) &&
  isNum(v.sigma) &&
  v.sigma > 0 &&
  Array.isArray(v.range) &&
  v.range.length === 2 &&
  v.range.every(isNum);

/** True when `value` is a well-formed training request. */
export function isTrainRequest(value: unknown): value is TrainRequest {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'train':
      return (
        value.points instanceof Float32Array &&
        isInt(value.steps) &&
        isInt(value.seed) &&
        isTrainView(value.view)
      );
    case 'trainView':
      return isTrainView(value.view);
    case 'stopTraining':
      return true;
    default:
      return false;
  }
}

/** True when `value` is a well-formed training event. */
export function isTrainEvent(value: unknown): value is TrainEvent {
  if (!isObject(value)) return false;
  const f32 = (v: unknown) => v instanceof Float32Array;
  switch (value.type) {
    case 'trainProgress':
      return isInt(value.step) && isInt(value.steps) && f32(value.losses) && isNum(value.elapsedMs);
    case 'trainSnapshot':
      return (
        isInt(value.step) &&
        isNum(value.sigma) &&
        isInt(value.side) &&
        f32(value.grid) &&
        f32(value.learned) &&
        f32(value.exact) &&
        f32(value.samples)
      );
    case 'trained':
      return isInt(value.step) && isNum(value.elapsedMs) && isObject(value.card);
    case 'trainError':
      return isStr(value.message);
    default:
      return false;
  }
}
