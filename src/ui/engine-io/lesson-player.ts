/**
 * The lesson player: opens a lesson (a shipped one or a teacher's file, `#lesson=…&lstep=…`),
 * applies a step's settings through the URL-state parser and the same action a pasted link uses
 * (`applyLink`), runs the step's actions on the page's run, and keeps `lesson`/`lstep` in the hash.
 * Its pure parts (links, file addresses, the order of actions) are `src/ui/state/lesson-plan.ts`;
 * the "Lesson" region that shows it is `src/ui/components/Lessons.tsx`.
 */
import { samplerIds } from '../../core/samplers/registry';
import {
  LessonFormatError,
  parseLesson,
  parseLessonIndex,
  type Lesson,
  type LessonAction,
  type LessonIndexEntry,
} from '../../shared/lesson-format';
import type { LessonDirection } from '../../shared/lesson-format';
import {
  clampStep,
  encodeLessonKey,
  lessonFileUrl,
  lessonLinkOf,
  planActions,
  runPlan,
  sameRun,
  splitStepHash,
  withKey,
  type LessonLink,
  type PlanDriver,
} from '../state/lesson-plan';
import type { Settings } from '../state/settings';
import { addNotice, updateSettings, type AppState, type AppStore, type LessonView } from '../state/store';
import {
  parseHash,
  serialiseSettings,
  summariseIgnored,
  urlSettingKeys,
  type UrlVocabulary,
} from '../state/url-state';
import type { Actions } from './actions';

export interface LessonPlayerDeps {
  /** The site's base address (lessons/ is under it), e.g. https://host/sub/diffusion/. */
  siteUrl: string;
  /** The page's address, against which a teacher's `url:` path resolves. */
  pageUrl(): string;
  /** The text of a file; throws with what went wrong (HTTP status, network). */
  fetchText(url: string): Promise<string>;
  vocabulary: UrlVocabulary;
  defaults: Settings;
  /** Writes `lesson=…&lstep=…` into the hash (null removes them), without a history entry. */
  writeKeys(keys: string | null): void;
  /** The setting keys the page's URL knows (default: url-state's list). */
  settingKeys?: readonly string[];
}

export type LessonPlayer = ReturnType<typeof createLessonPlayer>;

/** A step before the student has done anything in it. */
const closedStep: Pick<LessonView, 'chosen' | 'revealed' | 'missing' | 'held'> = {
  chosen: null,
  revealed: false,
  missing: [],
  held: false,
};

/** Resolves true once `pred` says true, false when it says null or `signal` aborts. */
function waitFor(
  store: AppStore,
  pred: (s: AppState) => boolean | null,
  signal: AbortSignal,
): Promise<boolean> {
  return new Promise((resolve) => {
    let finished = false;
    const done = (value: boolean): void => {
      if (finished) return;
      finished = true;
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const check = (): void => {
      if (signal.aborted) return done(false);
      const r = pred(store.getState());
      if (r === true) done(true);
      else if (r === null) done(false);
    };
    const onAbort = (): void => done(false);
    const unsubscribe = store.subscribe(check);
    signal.addEventListener('abort', onAbort);
    check();
  });
}

export function createLessonPlayer(store: AppStore, actions: Actions, deps: LessonPlayerDeps) {
  const settingKeys = deps.settingKeys ?? urlSettingKeys;
  let running: AbortController | null = null;
  let loads = 0;

  const view = (): LessonView | null => store.getState().lesson;
  const patch = (p: Partial<LessonView>): void => {
    const current = view();
    if (current !== null) store.setState({ lesson: { ...current, ...p } });
  };

  function stopActions(): void {
    running?.abort();
    running = null;
  }

  function closeWith(title: string, message: string): void {
    stopActions();
    store.setState({ lesson: null });
    deps.writeKeys(null);
    addNotice(store, { kind: 'error', title, message });
  }

  /** A step's settings, as a pasted link applies them; a step with the same run keeps it. */
  function applySettings(hash: string): void {
    const parsed = parseHash(hash, deps.vocabulary, deps.defaults);
    if (parsed.ignored.length > 0) {
      addNotice(store, {
        kind: 'warning',
        title: 'Part of the lesson step was ignored',
        message: summariseIgnored(parsed.ignored),
      });
    }
    const { settings: current, run } = store.getState();
    const namesHide = /(^|&)hide=/.test(hash);
    // A teacher's hide= (a clean projector view) stays unless the step sets its own.
    const next: Settings = namesHide ? parsed.settings : { ...parsed.settings, hidden: current.hidden };
    const hasRun = run.runId !== null || run.status === 'loading';
    if (hasRun && sameRun(current, next)) {
      if (JSON.stringify(current.view) !== JSON.stringify(next.view)) actions.setView(next.view);
      if (current.stepsPerSecond !== next.stepsPerSecond) actions.setSpeed(next.stepsPerSecond);
      if (current.hidden.join() !== next.hidden.join()) updateSettings(store, { hidden: next.hidden });
    } else {
      actions.applyLink(next);
    }
  }

  const driver = (signal: AbortSignal): PlanDriver => ({
    reached: () => store.getState().run.reached,
    async playTo(to) {
      const { run, settings } = store.getState();
      // In Forward a step k is the forward time t = k/steps (Play there advances t by 1/steps).
      if (settings.direction === 'forward') {
        actions.seekForward(Math.min(1, to / settings.steps));
        return true;
      }
      if (run.i === to) return true;
      if (run.i > to && to <= run.reached) {
        actions.seek(to);
        return true;
      }
      if (run.status === 'done') return run.i >= to;
      actions.play();
      // A pause by the student (or a run that diverged) leaves the action waiting: Play resumes it.
      const ok = await waitFor(store, (s) => s.run.i >= to || s.run.status === 'done', signal);
      if (!ok) {
        if (store.getState().run.status === 'playing') actions.pause();
        return false;
      }
      const now = store.getState().run;
      if (now.status === 'done' && now.i <= to) return true;
      // The engine computes ahead of the frames shown: a step past k may be on its way even when
      // the counter reads k. The seek puts the engine itself back at k, so what follows (a swap)
      // happens at step k.
      if (now.status === 'playing') actions.pause();
      actions.seek(to);
      return true;
    },
    seek: (to) => {
      const { settings } = store.getState();
      if (settings.direction === 'forward') actions.seekForward(Math.min(1, to / settings.steps));
      else actions.seek(to);
    },
    swapSampler: (id) => actions.setSampler(id),
    direction: (direction) => setDirection(direction),
  });

  /** Direction (issue 12's Forward/Reverse) through the URL key `dir`, once the page knows it. */
  function setDirection(direction: LessonDirection): void {
    if (settingKeys.includes('dir')) {
      applySettings(withKey(serialiseSettings(store.getState().settings, deps.vocabulary), 'dir', direction));
      return;
    }
    if (direction === 'reverse') return; // the only direction the page has without it
    const words = 'Direction: Forward (noising real data)';
    const current = view();
    if (current !== null && !current.missing.includes(words)) patch({ missing: [...current.missing, words] });
  }

  /** Runs a list of actions once the step's run is ready (its model loaded). */
  function run(list: readonly LessonAction[]): void {
    stopActions();
    if (list.length === 0) return;
    const controller = new AbortController();
    running = controller;
    const { signal } = controller;
    const ready = (s: AppState): boolean | null => {
      if (s.models[s.settings.modelId]?.state === 'failed') return null;
      return s.run.runId !== null && s.run.status !== 'loading' && s.run.status !== 'idle';
    };
    void waitFor(store, ready, signal)
      .then((ok) => (ok ? runPlan(planActions(list), driver(signal), signal) : false))
      .finally(() => {
        if (running === controller) running = null;
      });
  }

  /** Shows step k (1-based, clamped): its settings applied, its actions run, the hash updated. */
  function goTo(k: number): void {
    const current = view();
    if (current === null || current.lesson === null) return;
    const lesson = current.lesson;
    const step = clampStep(k, lesson.steps.length);
    const s = lesson.steps[step - 1];
    stopActions();
    const split = splitStepHash(s.hash, settingKeys);
    const { hash } = split;
    // Without Direction the page only runs Reverse: a step asking for Reverse lacks nothing.
    const missing = split.missing.filter((m) => !(m.key === 'dir' && m.value === 'reverse'));
    const held = missing.some((m) => m.key === 'dir' && m.value === 'forward');
    patch({ step, chosen: null, revealed: false, missing: missing.map((m) => m.words), held });
    deps.writeKeys(`lesson=${encodeLessonKey(current.key)}&lstep=${step}`);
    applySettings(hash);
    if (!held) run(s.actions ?? []);
  }

  function sourceLabel(link: LessonLink): string {
    return link.source.kind === 'shipped' ? `lessons/${link.source.id}.json` : link.source.path;
  }

  /** Loads and validates a lesson's file, then shows the step the link asks for. */
  async function open(link: LessonLink): Promise<void> {
    const load = ++loads;
    stopActions();
    const where = lessonFileUrl(link.source, deps.siteUrl, deps.pageUrl());
    if ('error' in where) {
      closeWith('Lesson not opened', where.error);
      return;
    }
    store.setState({
      lesson: { ...closedStep, key: link.key, lesson: null, step: link.step },
      welcome: false,
    });
    const label = sourceLabel(link);
    let lesson: Lesson;
    try {
      let text: string;
      try {
        text = await deps.fetchText(where.url);
      } catch (err) {
        const hint =
          link.source.kind === 'shipped'
            ? `There may be no lesson "${link.source.id}": pick one from the Lessons list.`
            : "Check the path: it is read from this page's own site.";
        throw new Error(`${label} could not be loaded (${(err as Error).message}). ${hint}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new Error(
          `${label} is not valid JSON (${(err as Error).message}); check its quotes, commas and brackets.`,
        );
      }
      lesson = parseLesson(json, label, { samplerIds });
    } catch (err) {
      if (load !== loads) return;
      const what = err instanceof LessonFormatError ? `${err.message}.` : (err as Error).message;
      closeWith(
        'Lesson could not be opened',
        `${what} Nothing else changed; fix the file and open the link again.`,
      );
      return;
    }
    if (load !== loads) return;
    store.setState({
      lesson: { ...closedStep, key: link.key, lesson, step: link.step },
    });
    goTo(link.step);
  }

  return {
    /** The shipped lessons, in order (public/lessons/index.json, under the site's base). */
    async index(): Promise<LessonIndexEntry[]> {
      const url = new URL('lessons/index.json', deps.siteUrl).href;
      let text: string;
      try {
        text = await deps.fetchText(url);
      } catch (err) {
        throw new Error(
          `The list of lessons could not be loaded (${(err as Error).message}). Check the connection and open Lessons again.`,
        );
      }
      return parseLessonIndex(JSON.parse(text), 'lessons/index.json');
    },
    /** Follows the hash's lesson keys: opens, moves to the step, or closes (no lesson keys). */
    syncFromHash(passive: Readonly<Record<string, string>>): void {
      const link = lessonLinkOf(passive);
      const current = view();
      if (link === null) {
        if (current !== null) this.close();
        return;
      }
      if (current !== null && current.key === link.key && current.lesson !== null) {
        if (current.step !== link.step) goTo(link.step);
        return;
      }
      void open(link);
    },
    next: (): void => goTo((view()?.step ?? 0) + 1),
    back: (): void => goTo((view()?.step ?? 2) - 1),
    goTo,
    close(): void {
      stopActions();
      loads++;
      store.setState({ lesson: null });
      deps.writeKeys(null);
    },
    choose: (option: number): void => patch({ chosen: option }),
    /** Shows the answer and the explanation, and runs the experiment that shows it. */
    reveal(): void {
      const current = view();
      const question = current?.lesson?.steps[current.step - 1].question;
      if (current === null || question === undefined) return;
      patch({ revealed: true });
      if (!current.held) run(question.actions ?? []);
    },
    /** Whether a step's actions are still running (a play to step k). */
    get busy(): boolean {
      return running !== null;
    },
  };
}
