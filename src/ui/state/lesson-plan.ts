/**
 * The lesson player's pure logic (no DOM, no engine): what a `#lesson=…&lstep=…` link asks for,
 * where its file is (refusing another site's), which of a step's settings this page knows, and the
 * order in which a step's actions run. The player that drives the page with it is
 * `src/ui/engine-io/lesson-player.ts`; the format itself is `src/shared/lesson-format.ts`.
 */
import type { LessonAction, LessonDirection } from '../../shared/lesson-format';
import type { Settings } from './settings';

/** The `lesson=` value names a shipped lesson (`forward-process`) or a file (`url:/my/lesson.json`). */
export type LessonSource = { kind: 'shipped'; id: string } | { kind: 'url'; path: string };

export interface LessonLink {
  /** The `lesson=` value as the link wrote it (decoded). */
  key: string;
  source: LessonSource;
  /** The 1-based step the link asks for (`lstep=`), 1 when absent or not a whole number ≥ 1. */
  step: number;
}

/** Prefix of a `lesson=` value that names a file rather than a shipped lesson. */
export const URL_PREFIX = 'url:';

/** Reads the lesson keys of a hash's passive part (`ParsedHash.passive`); null when none. */
export function lessonLinkOf(passive: Readonly<Record<string, string>>): LessonLink | null {
  const key = passive.lesson;
  if (key === undefined || key.trim() === '') return null;
  const raw = passive.lstep;
  const n = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : 1;
  const source: LessonSource = key.startsWith(URL_PREFIX)
    ? { kind: 'url', path: key.slice(URL_PREFIX.length) }
    : { kind: 'shipped', id: key };
  return { key, source, step: Math.max(1, n) };
}

/**
 * The address of a lesson's file: a shipped lesson at `lessons/<id>.json` under the site (so the
 * page works from a sub-path), a teacher's file resolved against the page. A file on another
 * origin is refused: a lesson applies settings and runs actions, so it must come from the page's
 * own site.
 */
export function lessonFileUrl(
  source: LessonSource,
  siteUrl: string,
  pageUrl: string,
): { url: string } | { error: string } {
  if (source.kind === 'shipped') {
    if (!/^[a-z0-9-]+$/.test(source.id)) {
      return {
        error: `"${source.id}" is not a lesson id (lower-case letters, digits and dashes). Pick a lesson from the Lessons list, or write #lesson=url:/path/to/lesson.json for a file of your own.`,
      };
    }
    return { url: new URL(`lessons/${source.id}.json`, siteUrl).href };
  }
  let url: URL;
  try {
    url = new URL(source.path, pageUrl);
  } catch {
    return {
      error: `"${source.path}" is not a path to a file. Write it as #lesson=url:/path/to/lesson.json.`,
    };
  }
  const origin = new URL(pageUrl).origin;
  if (url.origin !== origin) {
    return {
      error: `${url.href} is on another site (${url.origin}); a lesson file is loaded only from this page's own site (${origin}). Put the file next to the page and link it as #lesson=url:/path/to/lesson.json.`,
    };
  }
  return { url: url.href };
}

/** Encodes a `lesson=` value for the hash, keeping `:` and `/` readable. */
export function encodeLessonKey(key: string): string {
  return encodeURIComponent(key).replace(/%3A/gi, ':').replace(/%2F/gi, '/');
}

/** A step number inside 1…n. */
export function clampStep(step: number, n: number): number {
  return Math.min(Math.max(1, Math.round(step)), Math.max(1, n));
}

/**
 * Keys a lesson step may use for teaching features that a build of the page may not have yet, in
 * words. A key the page's URL vocabulary knows is applied like any other; one it does not know is
 * set aside (not reported as a broken link) and the lesson panel says what the step would show.
 */
export const FEATURE_KEYS: Readonly<Record<string, (value: string) => string>> = {
  dir: (v) => `Direction: ${v === 'forward' ? 'Forward (noising real data)' : 'Reverse'}`,
  t: (v) => `the forward process shown at t = ${v}`,
  compare: (v) => `${v.split(',').length} compare panes side by side`,
};

/** A step's hash without the feature keys the page does not know, and those keys said in words. */
export function splitStepHash(
  hash: string,
  knownKeys: readonly string[],
): { hash: string; missing: { key: string; value: string; words: string }[] } {
  const missing: { key: string; value: string; words: string }[] = [];
  const parts = hash
    .replace(/^#/, '')
    .split('&')
    .filter((part) => {
      if (part === '') return false;
      const eq = part.indexOf('=');
      const key = eq < 0 ? part : part.slice(0, eq);
      const words = FEATURE_KEYS[key];
      if (words === undefined || knownKeys.includes(key)) return true;
      let value = part.slice(eq + 1);
      try {
        value = decodeURIComponent(value);
      } catch {
        // keep it as written
      }
      missing.push({ key, value, words: words(value) });
      return false;
    });
  return { hash: parts.join('&'), missing };
}

/** The hash with `key=value` set (replaced when present, appended when not). */
export function withKey(hash: string, key: string, value: string): string {
  const parts = hash
    .replace(/^#/, '')
    .split('&')
    .filter((p) => p !== '' && p.slice(0, p.indexOf('=')) !== key);
  return [...parts, `${key}=${encodeURIComponent(value)}`].join('&');
}

/**
 * Whether two settings make the same run (same model, sampler, process, grid, noise and
 * conditioning): then a step keeps the run where it is and only redraws, instead of starting over.
 * View options, the speed cap and hidden controls do not make a run.
 */
export function sameRun(a: Settings, b: Settings): boolean {
  const strip = (s: Settings) => ({ ...s, view: null, stepsPerSecond: null, hidden: null });
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

/** One thing the player does, in order: the lesson's actions with each swap placed at its step. */
export type PlanOp =
  | { op: 'play'; to: number }
  | { op: 'seek'; to: number }
  | { op: 'swap'; sampler: string }
  | { op: 'direction'; direction: LessonDirection };

/**
 * Turns a list of actions into the operations the player runs. A swap `{swapSampler, at}` fires
 * during the next play that passes `at`: that play is split into a play to `at`, the swap, and
 * the rest of the play, so the swap happens exactly at step `at` (not a frame or two later).
 */
export function planActions(actions: readonly LessonAction[]): PlanOp[] {
  const ops: PlanOp[] = [];
  let swaps: { sampler: string; at: number }[] = [];
  for (const action of actions) {
    if ('swapSampler' in action) {
      swaps.push({ sampler: action.swapSampler, at: action.at });
    } else if ('play' in action) {
      const due = swaps.filter((s) => s.at < action.play).sort((x, y) => x.at - y.at);
      for (const swap of due) {
        ops.push({ op: 'play', to: swap.at }, { op: 'swap', sampler: swap.sampler });
      }
      swaps = swaps.filter((s) => !due.includes(s));
      ops.push({ op: 'play', to: action.play });
    } else if ('seek' in action) {
      ops.push({ op: 'seek', to: action.seek });
    } else {
      ops.push({ op: 'direction', direction: action.direction });
    }
  }
  return ops;
}

/** What the player needs of the page to run a plan (the page's run, through its actions). */
export interface PlanDriver {
  /** Highest step computed so far in the current run. */
  reached(): number;
  /** Plays until the step counter reads `to` and pauses there; false when the run stopped short. */
  playTo(to: number, signal: AbortSignal): Promise<boolean>;
  /** Shows a step already computed (the Timeline). */
  seek(to: number): void;
  swapSampler(id: string): void;
  direction(direction: LessonDirection): void;
}

/**
 * Runs a plan's operations in order; a play finishes before the next operation starts. Stops
 * early when `signal` aborts (the student moved to another step) or a play stops short (the
 * student paused, the run diverged). A seek beyond the steps computed plays on to that step.
 * Returns whether every operation ran.
 */
export async function runPlan(
  ops: readonly PlanOp[],
  driver: PlanDriver,
  signal: AbortSignal,
): Promise<boolean> {
  for (const op of ops) {
    if (signal.aborted) return false;
    switch (op.op) {
      case 'play':
        if (!(await driver.playTo(op.to, signal))) return false;
        break;
      case 'seek':
        if (op.to <= driver.reached()) driver.seek(op.to);
        else if (!(await driver.playTo(op.to, signal))) return false;
        break;
      case 'swap':
        driver.swapSampler(op.sampler);
        break;
      case 'direction':
        driver.direction(op.direction);
        break;
      default: {
        const unreachable: never = op;
        return unreachable;
      }
    }
  }
  return !signal.aborted;
}
