/**
 * Compare mode's page state (issue 14), pure: the panes (2–4, each its own sampler, steps, SDE,
 * schedule and guidance), their URL form `compare=sampler:steps:sde:schedule:guidance,…`, adding
 * and removing panes, the step-count sweep, and the error-vs-NFE series the plot draws.
 */
import { SWEEP_STEPS } from '../../core/pane-batch';
import { ERROR_PARTICLES } from '../../core/pane-error';
import type { ScheduleKind, SdeKind } from '../../core/types';
import type { CompareAdvance, CompareFrameEvent } from '../../engine/protocol';
import { limits, scheduleKinds, sdeKinds, type Settings } from './settings';

export interface ComparePane {
  samplerId: string;
  steps: number;
  sde: SdeKind;
  schedule: ScheduleKind;
  guidance: number;
}

export const MIN_PANES = 2;
export const MAX_PANES = 4;
export const ADVANCES: readonly CompareAdvance[] = ['t', 'nfe'];
export const advanceLabels: Record<CompareAdvance, string> = {
  t: 'lock-step on t',
  nfe: 'by NFE',
};

/** A pane with the single view's settings. */
export function paneOf(settings: Settings): ComparePane {
  const { samplerId, steps, sde, schedule, guidance } = settings;
  return { samplerId, steps, sde, schedule, guidance };
}

/**
 * The second pane a comparison starts with: the same settings with another sampler (a
 * deterministic one beside a stochastic one, so the two differ at once).
 */
function secondPane(first: ComparePane): ComparePane {
  return { ...first, samplerId: first.samplerId === 'ddim' ? 'euler_maruyama' : 'ddim' };
}

/** Turning Compare on: the current settings and a second pane. */
export function startPanes(settings: Settings): ComparePane[] {
  const first = paneOf(settings);
  return [first, secondPane(first)];
}

/** One more pane (a copy of the last), at most MAX_PANES. */
export function addPane(panes: readonly ComparePane[]): ComparePane[] {
  if (panes.length >= MAX_PANES) return [...panes];
  const last = panes[panes.length - 1];
  return [...panes, { ...last }];
}

/** Without pane k (0-based); never fewer than MIN_PANES. */
export function removePane(panes: readonly ComparePane[], k: number): ComparePane[] {
  if (panes.length <= MIN_PANES || k < 0 || k >= panes.length) return [...panes];
  return panes.filter((_, p) => p !== k);
}

export function updatePane(
  panes: readonly ComparePane[],
  k: number,
  patch: Partial<ComparePane>,
): ComparePane[] {
  return panes.map((pane, p) => (p === k ? { ...pane, ...patch } : pane));
}

/** The step sweep's panes: the single view's settings at 10, 20, 50, …, 1000 steps. */
export function sweepPanes(settings: Settings): ComparePane[] {
  const pane = paneOf(settings);
  return SWEEP_STEPS.map((steps) => ({ ...pane, steps }));
}

/** One pane as the URL writes it: `sampler:steps:sde:schedule:guidance`. */
export function formatPane(pane: ComparePane): string {
  return [pane.samplerId, pane.steps, pane.sde, pane.schedule, pane.guidance].join(':');
}

export function formatCompare(panes: readonly ComparePane[]): string {
  return panes.map(formatPane).join(',');
}

const isInt = (raw: string, min: number, max: number): boolean =>
  /^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max;
const isNumber = (raw: string, min: number, max: number): boolean =>
  raw.trim() !== '' && Number.isFinite(Number(raw)) && Number(raw) >= min && Number(raw) <= max;

/**
 * Parses `compare=`: 2–4 entries `sampler:steps:sde:schedule:guidance`. Returns the panes, or
 * why the value was refused (naming the entry and what is allowed).
 */
export function parseCompare(
  raw: string,
  samplerIds: readonly string[],
): { panes: ComparePane[] } | { problem: string } {
  const entries = raw.split(',');
  if (entries.length < MIN_PANES || entries.length > MAX_PANES) {
    return { problem: `${MIN_PANES}–${MAX_PANES} panes, not ${entries.length}` };
  }
  const panes: ComparePane[] = [];
  for (const [k, entry] of entries.entries()) {
    const fields = entry.split(':');
    const [samplerId, steps, sde, schedule, guidance] = fields;
    const where = `pane ${k + 1}`;
    if (fields.length !== 5) return { problem: `${where} needs sampler:steps:sde:schedule:guidance` };
    if (!samplerIds.includes(samplerId)) return { problem: `${where}: no sampler "${samplerId}"` };
    if (!isInt(steps, limits.steps.min, limits.steps.max))
      return { problem: `${where}: steps ${limits.steps.min}–${limits.steps.max}, whole` };
    if (!(sdeKinds as readonly string[]).includes(sde))
      return { problem: `${where}: SDE ${sdeKinds.join(', ')}` };
    if (!(scheduleKinds as readonly string[]).includes(schedule))
      return { problem: `${where}: schedule ${scheduleKinds.join(', ')}` };
    if (!isNumber(guidance, limits.guidance.min, limits.guidance.max))
      return { problem: `${where}: guidance ${limits.guidance.min}–${limits.guidance.max}` };
    panes.push({
      samplerId,
      steps: Number(steps),
      sde: sde as SdeKind,
      schedule: schedule as ScheduleKind,
      guidance: Number(guidance),
    });
  }
  return { panes };
}

/**
 * The batch a comparison runs: on an exact mixture with the error plot, at least ERROR_PARTICLES
 * per pane (the exact denoiser is cheap, and at 64 particles sampling noise hides the
 * differences); otherwise the chosen batch.
 */
export function compareBatch(batch: number, exactMixture: boolean): number {
  return exactMixture ? Math.max(batch, ERROR_PARTICLES) : batch;
}

/** One point of a pane's error line: the distance after `nfe` evaluations. */
export interface ErrorPoint {
  nfe: number;
  error: number;
}

/** What the page keeps of a comparison: the latest frame and each pane's error line so far. */
export interface CompareView {
  /** A step sweep (7 panes, shown as a strip or an overlay) rather than compare mode's panes. */
  sweep: boolean;
  frame: CompareFrameEvent | null;
  series: ErrorPoint[][];
}

export const emptyCompareView = (sweep: boolean): CompareView => ({ sweep, frame: null, series: [] });

/** The view after a frame: each pane's error appended when its NFE moved (or at tick 0). */
export function withFrame(view: CompareView, frame: CompareFrameEvent): CompareView {
  const series = frame.panes.map((pane, p) => {
    const line = frame.tick === 0 ? [] : (view.series[p] ?? []);
    if (pane.error === null) return line;
    const last = line.at(-1);
    if (last !== undefined && last.nfe === pane.nfeTotal) return line;
    return [...line, { nfe: pane.nfeTotal, error: pane.error }];
  });
  return { ...view, frame, series };
}

/** The difference image's values: |a − b| per element, mapped to [lo, hi] of the model's range. */
export function differenceOf(
  a: Float32Array,
  b: Float32Array,
  range: readonly [number, number],
): Float32Array {
  const out = new Float32Array(Math.min(a.length, b.length));
  for (let e = 0; e < out.length; e++) out[e] = range[0] + Math.abs(a[e] - b[e]);
  return out;
}
