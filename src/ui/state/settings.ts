/**
 * What the user chose: the settings slice of the store, its defaults, and the names of the
 * controls (which double as accessible names and as the vocabulary of `hide=` in the URL).
 */
import type { NoiseKeying } from '../../core/sampling-loop';
import type { Params, ScheduleKind, SdeKind } from '../../core/types';
import type { CompareAdvance } from '../../engine/protocol';
import type { ComparePane } from './compare';

export interface ViewOptions {
  /** Draw the score field as arrows on the 2D particle view. */
  scoreField: boolean;
  /** Draw each particle's path so far on the 2D particle view. */
  trajectories: boolean;
  /** Show the x̂₀ (denoised) points next to x_t on the 2D particle view. */
  denoisedPoints: boolean;
}

// ---- controllable generation (issue 13) ----

/** The controllable-generation tool open on the image view. */
export type ToolKind = 'inpaint' | 'sdedit' | 'encode' | 'likelihood';
export const toolKinds: readonly ToolKind[] = ['inpaint', 'sdedit', 'encode', 'likelihood'];
/** Preset masks (1 = known): the named half, or a random half of the pixels. */
export type MaskPreset = 'bottom' | 'top' | 'left' | 'right' | 'random50';
export const maskPresets: readonly MaskPreset[] = ['bottom', 'top', 'left', 'right', 'random50'];

export interface ToolSettings {
  /** The tool open, or null (none: the URL then carries no tool keys). */
  kind: ToolKind | null;
  /** SDEdit strength: the reverse process starts at t₀ from the drawing noised there. */
  t0: number;
  /** What the tool starts from: the current sample, or real example k of the model. */
  src: string;
  /** A preset mask to start the inpainting mask from, or null. */
  mask: MaskPreset | null;
  /** RePaint resampling passes per step of an inpainting run (0 = plain replacement). */
  resample: number;
  /**
   * 2D imputation: the coordinate held fixed (x: a vertical line x = at; y: a horizontal one) and
   * its value, known for every particle; the other coordinate is sampled.
   */
  line: { axis: LineAxis; at: number };
}

/** The coordinate a 2D imputation fixes. */
export type LineAxis = 'x' | 'y';
export const lineAxes: readonly LineAxis[] = ['x', 'y'];

export const defaultTool: ToolSettings = {
  kind: null,
  t0: 0.5,
  src: 'sample',
  mask: null,
  resample: 0,
  line: { axis: 'x', at: 0 },
};
export type Direction = 'forward' | 'reverse';
export const directions: readonly Direction[] = ['forward', 'reverse'];

export interface Settings {
  modelId: string;
  samplerId: string;
  /** Parameters per sampler id, so switching back and forth keeps each sampler's values. */
  samplerParams: Readonly<Record<string, Params>>;
  sde: SdeKind;
  schedule: ScheduleKind;
  steps: number;
  seed: number;
  batch: number;
  /** Class to condition on; null samples unconditionally. */
  classLabel: number | null;
  /** Classifier-free guidance weight w: D = D_u + w(D_c − D_u); 0 unconditional, 1 conditional alone, > 1 stronger. */
  guidance: number;
  /** Replace the last step's x by the denoiser's x̂₀ (removes the residual noise). */
  denoiseFinal: boolean;
  /** Frame pacing cap for Play. */
  stepsPerSecond: number;
  /**
   * The SDE steps' noise: one Brownian path per seed ('brownian', links with v=2) or keyed by step
   * ('step', what links made before v=2 meant, so they still give their pictures).
   */
  noise: NoiseKeying;
  view: ViewOptions;
  /**
   * Your own data (issue 15): the drawn points in link form (`data=`, state/drawing.ts
   * encodeDrawing), '' when nothing is drawn.
   */
  drawingData: string;
  /**
   * Direction (issue 12): 'reverse' runs the sampler from noise to data; 'forward' shows real data
   * noised along the SDE at time `forwardT` ∈ [0, 1], with the network's x̂₀ beside it.
   */
  direction: Direction;
  forwardT: number;
  /** Compare mode (issue 14): 2–4 panes on the same seed, or null for the single view. */
  compare: readonly ComparePane[] | null;
  /** How compare panes advance together: lock-step on t, or level in network evaluations. */
  advance: CompareAdvance;
  /** Names of controls hidden for a lecture (teacher mode). */
  hidden: readonly ControlName[];
  /** Controllable generation (issue 13). */
  tool: ToolSettings;
}

/** Every control, by its visible label and accessible name. */
export const controlNames = [
  'Model',
  'Sampler',
  'SDE',
  'Steps',
  'Schedule',
  'Seed',
  'Batch size',
  'Class',
  'Guidance',
  'Denoise final step',
  'Play',
  'Pause',
  'Step',
  'Reset',
  'Timeline',
  'Speed',
  'Share',
  'Export',
  'View',
  'Update rule',
  // Teaching UI (issue 12): hide=lessons hides the Lessons button and an open lesson, hide=glossary
  // the terms' definitions.
  'Lessons',
  'Glossary',
  'Direction',
] as const;
export type ControlName = (typeof controlNames)[number];

export const sdeKinds: readonly SdeKind[] = ['vp', 'subvp', 've'];
export const sdeLabels: Record<SdeKind, string> = { vp: 'VP', subvp: 'sub-VP', ve: 'VE' };
export const scheduleKinds: readonly ScheduleKind[] = ['uniform', 'karras', 'logsnr'];
export const scheduleLabels: Record<ScheduleKind, string> = {
  uniform: 'uniform in t',
  karras: 'Karras ρ = 7',
  logsnr: 'uniform log-SNR',
};

export const limits = {
  steps: { min: 1, max: 1000 },
  seed: { min: 0, max: 2 ** 32 - 1 },
  batch: { min: 1, max: 64 },
  classLabel: { min: 0, max: 999 },
  guidance: { min: 0, max: 10 },
  stepsPerSecond: { min: 1, max: 120 },
  t0: { min: 0.01, max: 1 },
  resample: { min: 0, max: 10 },
  /** 2D imputation's known value (plot units; every 2D model's range lies inside). */
  at: { min: -100, max: 100 },
} as const;

export const defaultSettings: Settings = {
  modelId: 'eight_gaussians',
  samplerId: 'euler_maruyama',
  samplerParams: {},
  sde: 'vp',
  schedule: 'uniform',
  steps: 100,
  seed: 1,
  batch: 16,
  classLabel: null,
  guidance: 2,
  denoiseFinal: true,
  noise: 'brownian',
  stepsPerSecond: 30,
  view: { scoreField: true, trajectories: false, denoisedPoints: true },
  drawingData: '',
  direction: 'reverse',
  forwardT: 0.5,
  compare: null,
  advance: 't',
  hidden: [],
  tool: defaultTool,
};
