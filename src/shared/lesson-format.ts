/**
 * The lesson file format and its validator. A lesson is data: the page's lesson player, the shipped
 * lessons in public/lessons/ and a teacher's own file (`#lesson=url:<path>`) all go through
 * `parseLesson`, which returns a typed lesson or throws a `LessonFormatError` naming the file, the
 * field path (`steps[3].question.answer`) and what to do.
 *
 * A lesson file is JSON:
 *
 *   { "id": "sde-vs-ode", "title": "Reverse SDE vs probability-flow ODE",
 *     "steps": [ { "text": "…", "hash": "model=ring8&sampler=ode_heun&seed=1",
 *                  "actions": [{ "play": 100 }],
 *                  "question": { "prompt": "…", "options": ["…", "…", "…"], "answer": 1,
 *                                "reveal": "…", "actions": [{ "play": 100 }] } } ] }
 *
 * - `id`: lower-case letters, digits and dashes; `title`: one line.
 * - `steps` (1 to 40), each with
 *   - `text`: what the student reads, at most ~120 words (an error beyond 160).
 *   - `hash`: the settings of this step as a URL hash fragment in the page's own vocabulary
 *     (`model=mnist&sampler=ddim&steps=10&seed=1`, what Share puts after `#`), at most 2 KB. It
 *     must name the model; keys it leaves out take their default values, so every step stands
 *     alone and Back reproduces it. The player's own keys (`lesson`, `lstep`) do not belong here.
 *   - `actions` (optional), run in the order listed once the step's settings are applied; a play
 *     or seek finishes before the next action starts:
 *     - `{ "play": k }` plays until the trajectory's step counter reads k, then pauses. In Forward,
 *       step k of the hash's `steps` is time t = k/steps, so `play` runs the noising up to it.
 *     - `{ "seek": k }` shows step k: the Timeline rewinds to it, or the run steps on to it.
 *     - `{ "swapSampler": id, "at": k }` switches to sampler `id` when the run reaches step k and
 *       continues from that state (a live swap). It fires during a later play of the same list,
 *       which must pass step k; the new sampler's parameters come from the hash (`<id>.<param>`).
 *     - `{ "direction": "forward" | "reverse" }` selects Forward (noising real data) or Reverse.
 *   - `question` (optional), predict-then-reveal: `prompt`, 2 to 5 `options` (3 is usual),
 *     `answer` the index of the right option (from 0), `reveal` the explanation shown once the
 *     student has chosen, and optional `actions` that run the experiment at that moment.
 *
 * Text (text, prompt, options, reveal, title) is plain text, never HTML: the player puts it in
 * the page as text nodes, so nothing from a lesson file reaches the DOM as markup. Inline TeX goes
 * between single dollars, `$\sigma(t)$`, and is typeset by KaTeX with its `trust` option off; a
 * literal dollar is `\$`; a blank line starts a new paragraph. The validator refuses what an author
 * might expect to work but would not: HTML tags, display maths (`$$`), unbalanced dollars or
 * braces, and the KaTeX commands that link or embed (`\href`, `\url`, `\includegraphics`, `\html…`).
 *
 * Whether the hash's keys and values exist (model ids, sampler parameters) and whether a swapped-to
 * sampler exists is the page's vocabulary: pass `samplerIds` to check the latter here; the player
 * reports hash keys the page ignores.
 */

export type LessonDirection = 'forward' | 'reverse';

/** One thing the player does for a step, in list order. */
export type LessonAction =
  { play: number } | { seek: number } | { swapSampler: string; at: number } | { direction: LessonDirection };

/** A predict-then-reveal question: the student picks an option, then the reveal and its experiment run. */
export interface LessonQuestion {
  prompt: string;
  options: string[];
  /** Index into `options` of the right answer. */
  answer: number;
  /** Shown once the student has chosen: why the answer is what it is. */
  reveal: string;
  /** The experiment that shows it, run when the reveal is shown. */
  actions?: LessonAction[];
}

export interface LessonStep {
  /** Plain text with inline `$…$` TeX. */
  text: string;
  /** URL hash fragment without `#`: this step's settings. */
  hash: string;
  actions?: LessonAction[];
  question?: LessonQuestion;
}

export interface Lesson {
  id: string;
  title: string;
  steps: LessonStep[];
}

/** One entry of public/lessons/index.json: the Lessons dialog's list, in order. */
export interface LessonIndexEntry {
  id: string;
  title: string;
  /** One line saying what the lesson shows. */
  summary: string;
}

export const LESSON_LIMITS = {
  /** What a step's text should stay within (the shipped lessons do). */
  targetWords: 120,
  /** Beyond this a text is refused. */
  maxWords: 160,
  maxPromptWords: 60,
  maxOptionWords: 30,
  maxSteps: 40,
  minOptions: 2,
  maxOptions: 5,
  /** Bytes of a step's hash in UTF-8. */
  maxHashBytes: 2048,
  maxTitleChars: 80,
  maxSummaryChars: 160,
  maxIdChars: 64,
  /** Largest step index an action may name: the page's 1000 steps plus the final denoising step. */
  maxStepIndex: 1001,
} as const;

/** Hash keys that belong to the lesson player, not to a step. */
export const PLAYER_HASH_KEYS: readonly string[] = ['lesson', 'lstep'];

const ID_PATTERN = /^[a-z0-9-]+$/;
const SAMPLER_ID_PATTERN = /^[a-z0-9_]+$/;
const HASH_KEY_PATTERN = /^[a-z][a-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$/;
/** KaTeX commands that would make a link or embed a resource; refused even though `trust` is off. */
const UNSAFE_TEX = /\\(href|url|includegraphics|htmlClass|htmlId|htmlStyle|htmlData)(?![A-Za-z])/;
const HTML_TAG = /<\/?[A-Za-z!][^>]*>/;

/** A lesson file that does not follow the format: `path` is the bad field, `source` the file. */
export class LessonFormatError extends Error {
  override name = 'LessonFormatError';
  constructor(
    readonly source: string,
    readonly path: string,
    problem: string,
  ) {
    super(`${source}: ${path}: ${problem}`);
  }
}

type Json = unknown;
type Fail = (path: string, problem: string) => never;

function describe(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 37)}…"` : `"${value}"`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: Json, path: string, what: string, fail: Fail): Record<string, Json> {
  if (!isRecord(value)) fail(path, `must be ${what}, got ${describe(value)}`);
  return value as Record<string, Json>;
}

function onlyKeys(obj: Record<string, Json>, path: string, allowed: readonly string[], fail: Fail): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      fail(path, `unknown field "${key}"; the fields here are ${allowed.join(', ')} (check the spelling)`);
    }
  }
}

function stringField(value: Json, path: string, fail: Fail): string {
  if (typeof value !== 'string')
    fail(path, `must be a string, got ${value === undefined ? 'nothing' : describe(value)}`);
  if ((value as string).trim() === '') fail(path, 'must not be empty');
  return value as string;
}

function integerIn(value: Json, path: string, min: number, max: number, what: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(path, `must be ${what}, a whole number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value as number;
}

/** Words of a text, a `$…$` formula counting as one. */
export function wordCount(text: string): number {
  const words = splitInlineTex(text)
    .map((part) => (part.math ? 'formula' : part.text))
    .join(' ')
    .split(/\s+/)
    .filter((w) => w !== '');
  return words.length;
}

/** A text cut into plain runs and `$…$` formulas (`\$` stays a literal dollar in a plain run). */
export interface TextPart {
  math: boolean;
  text: string;
}

/**
 * Splits lesson text at unescaped dollars. Throws an Error with the problem when the dollars do not
 * pair up; the player renders `math` parts with KaTeX and the others as text nodes.
 */
export function splitInlineTex(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let current = '';
  let math = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && text[i + 1] === '$') {
      current += math ? '\\$' : '$';
      i++;
      continue;
    }
    if (c === '$') {
      if (text[i + 1] === '$') {
        throw new Error('display maths ($$…$$) is not supported; write inline maths between single dollars');
      }
      if (math && current.trim() === '')
        throw new Error('an empty formula ($ $); remove the pair of dollars');
      if (current !== '') parts.push({ math, text: current });
      current = '';
      math = !math;
      continue;
    }
    current += c;
  }
  if (math) throw new Error('a "$" opens a formula that is never closed; add the closing "$" or write "\\$"');
  if (current !== '') parts.push({ math, text: current });
  return parts;
}

function bracesBalanced(tex: string): boolean {
  let depth = 0;
  for (let i = 0; i < tex.length; i++) {
    if (tex[i] === '\\') {
      i++;
      continue;
    }
    if (tex[i] === '{') depth++;
    if (tex[i] === '}' && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * Checks one piece of lesson text (plain text with inline TeX); returns the problem and its fix,
 * or null when the text is fine. Shared with the glossary.
 */
export function textProblem(text: string, maxWords: number): string | null {
  if (text.trim() === '') return 'must not be empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) {
    return 'contains a control character (a tab?); use spaces and line breaks only';
  }
  let parts: TextPart[];
  try {
    parts = splitInlineTex(text);
  } catch (err) {
    return (err as Error).message;
  }
  for (const part of parts) {
    if (part.math) {
      if (!bracesBalanced(part.text)) return `the formula $${part.text}$ has unbalanced braces { }`;
      if (UNSAFE_TEX.test(part.text)) {
        return `the formula $${part.text}$ uses a command that links or embeds, which lessons may not; remove it`;
      }
      if (/\n\s*\n/.test(part.text)) return 'a formula spans a blank line; close it with "$" first';
    } else if (HTML_TAG.test(part.text)) {
      const tag = HTML_TAG.exec(part.text)?.[0] ?? '';
      return `contains HTML (${tag}); lesson text is plain text shown as written, so remove the tags`;
    }
  }
  const words = wordCount(text);
  if (words > maxWords) {
    return `has ${words} words, more than ${maxWords}; shorten it or split the step in two`;
  }
  return null;
}

function textField(value: Json, path: string, maxWords: number, fail: Fail): string {
  const text = stringField(value, path, fail);
  const problem = textProblem(text, maxWords);
  if (problem !== null) fail(path, problem);
  return text;
}

function lineField(value: Json, path: string, maxChars: number, fail: Fail): string {
  const text = textField(value, path, LESSON_LIMITS.maxWords, fail);
  if (text.includes('\n')) fail(path, 'must be one line; remove the line breaks');
  if (text.length > maxChars) fail(path, `has ${text.length} characters, more than ${maxChars}; shorten it`);
  return text;
}

function idField(value: Json, path: string, fail: Fail): string {
  const id = stringField(value, path, fail);
  if (!ID_PATTERN.test(id) || id.length > LESSON_LIMITS.maxIdChars) {
    fail(
      path,
      `${describe(id)} is not a lesson id; use lower-case letters, digits and dashes (at most ${LESSON_LIMITS.maxIdChars}), e.g. "my-lesson"`,
    );
  }
  return id;
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Checks a step's hash fragment: syntax, size, the model named, no duplicate or player keys. */
function hashField(value: Json, path: string, fail: Fail): string {
  if (typeof value !== 'string')
    fail(path, `must be a string such as "model=ring8&seed=1", got ${describe(value)}`);
  const hash = (value as string).replace(/^#/, '');
  const bytes = utf8Bytes(hash);
  if (bytes > LESSON_LIMITS.maxHashBytes) {
    fail(
      path,
      `is ${bytes} bytes, more than ${LESSON_LIMITS.maxHashBytes}; keep only the settings the step needs`,
    );
  }
  const seen = new Set<string>();
  for (const part of hash === '' ? [] : hash.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) fail(path, `"${part}" is not of the form name=value; separate settings with "&"`);
    const key = part.slice(0, eq);
    if (!HASH_KEY_PATTERN.test(key)) {
      fail(
        path,
        `"${key}" is not a setting name; copy the names from a Share link (e.g. "sampler", "pc.snr")`,
      );
    }
    if (PLAYER_HASH_KEYS.includes(key)) {
      fail(path, `"${key}" belongs to the lesson player, not to a step; remove it`);
    }
    if (seen.has(key)) fail(path, `"${key}" is given twice; keep one`);
    seen.add(key);
    try {
      decodeURIComponent(part.slice(eq + 1));
    } catch {
      fail(path, `"${part}" is not valid URL encoding; write "%25" for a literal "%"`);
    }
  }
  if (!seen.has('model')) {
    fail(
      path,
      'must name the model (e.g. "model=ring8&…"), so the step does not depend on the page\'s default',
    );
  }
  return hash;
}

interface ParseContext {
  fail: Fail;
  samplerIds?: readonly string[];
}

function actionOf(value: Json, path: string, ctx: ParseContext): LessonAction {
  const { fail } = ctx;
  const shapes = '{"play": k}, {"seek": k}, {"swapSampler": "id", "at": k} or {"direction": "forward"}';
  const obj = record(value, path, `an action: ${shapes}`, fail);
  const max = LESSON_LIMITS.maxStepIndex;
  if ('play' in obj) {
    onlyKeys(obj, path, ['play'], fail);
    return { play: integerIn(obj.play, `${path}.play`, 1, max, 'the step to play to', fail) };
  }
  if ('seek' in obj) {
    onlyKeys(obj, path, ['seek'], fail);
    return { seek: integerIn(obj.seek, `${path}.seek`, 0, max, 'the step to show', fail) };
  }
  if ('swapSampler' in obj) {
    onlyKeys(obj, path, ['swapSampler', 'at'], fail);
    const id = stringField(obj.swapSampler, `${path}.swapSampler`, fail);
    if (!SAMPLER_ID_PATTERN.test(id)) {
      fail(`${path}.swapSampler`, `${describe(id)} is not a sampler id (e.g. "euler_maruyama", "pc")`);
    }
    if (ctx.samplerIds && !ctx.samplerIds.includes(id)) {
      fail(`${path}.swapSampler`, `there is no sampler "${id}"; use one of ${ctx.samplerIds.join(', ')}`);
    }
    const at = integerIn(obj.at, `${path}.at`, 1, max, 'the step at which to swap', fail);
    return { swapSampler: id, at };
  }
  if ('direction' in obj) {
    onlyKeys(obj, path, ['direction'], fail);
    const direction = obj.direction;
    if (direction !== 'forward' && direction !== 'reverse') {
      fail(`${path}.direction`, `must be "forward" or "reverse", got ${describe(direction)}`);
    }
    return { direction: direction as LessonDirection };
  }
  return fail(path, `is not an action; write one of ${shapes}`);
}

function actionsField(value: Json, path: string, ctx: ParseContext): LessonAction[] {
  if (!Array.isArray(value)) ctx.fail(path, `must be a list of actions, got ${describe(value)}`);
  const actions = (value as Json[]).map((a, k) => actionOf(a, `${path}[${k}]`, ctx));
  actions.forEach((action, k) => {
    if (!('swapSampler' in action)) return;
    const passes = actions.slice(k + 1).some((later) => 'play' in later && later.play > action.at);
    if (!passes) {
      ctx.fail(
        `${path}[${k}].at`,
        `the swap at step ${action.at} would never happen; add a later {"play": k} with k > ${action.at} to this list`,
      );
    }
  });
  return actions;
}

function questionField(value: Json, path: string, ctx: ParseContext): LessonQuestion {
  const { fail } = ctx;
  const obj = record(value, path, 'an object with prompt, options, answer and reveal', fail);
  onlyKeys(obj, path, ['prompt', 'options', 'answer', 'reveal', 'actions'], fail);
  const prompt = textField(obj.prompt, `${path}.prompt`, LESSON_LIMITS.maxPromptWords, fail);
  const { minOptions, maxOptions } = LESSON_LIMITS;
  if (!Array.isArray(obj.options) || obj.options.length < minOptions || obj.options.length > maxOptions) {
    fail(
      `${path}.options`,
      `must be a list of ${minOptions} to ${maxOptions} answers (3 is usual), got ${describe(obj.options)}` +
        (Array.isArray(obj.options) ? ` of ${obj.options.length}` : ''),
    );
  }
  const options = (obj.options as Json[]).map((o, k) =>
    textField(o, `${path}.options[${k}]`, LESSON_LIMITS.maxOptionWords, fail),
  );
  if (new Set(options).size !== options.length)
    fail(`${path}.options`, 'two options are the same; make each distinct');
  const last = options.length - 1;
  const answer = obj.answer;
  if (typeof answer !== 'number' || !Number.isInteger(answer) || answer < 0 || answer > last) {
    fail(
      `${path}.answer`,
      `must be an index into options (0–${last}), got ${describe(answer)}; count the options from 0`,
    );
  }
  const reveal = textField(obj.reveal, `${path}.reveal`, LESSON_LIMITS.maxWords, fail);
  const question: LessonQuestion = { prompt, options, answer: answer as number, reveal };
  if (obj.actions !== undefined) question.actions = actionsField(obj.actions, `${path}.actions`, ctx);
  return question;
}

function stepField(value: Json, path: string, ctx: ParseContext): LessonStep {
  const { fail } = ctx;
  const obj = record(value, path, 'an object with text and hash', fail);
  onlyKeys(obj, path, ['text', 'hash', 'actions', 'question'], fail);
  const step: LessonStep = {
    text: textField(obj.text, `${path}.text`, LESSON_LIMITS.maxWords, fail),
    hash: hashField(obj.hash, `${path}.hash`, fail),
  };
  if (obj.actions !== undefined) step.actions = actionsField(obj.actions, `${path}.actions`, ctx);
  if (obj.question !== undefined) step.question = questionField(obj.question, `${path}.question`, ctx);
  return step;
}

export interface LessonParseOptions {
  /** The sampler registry's ids: when given, `swapSampler` must name one of them. */
  samplerIds?: readonly string[];
}

/**
 * Validates a parsed JSON value as a lesson. `source` names the file in messages (e.g.
 * "lessons/sde-vs-ode.json"). Throws a LessonFormatError naming the first bad field.
 */
export function parseLesson(json: unknown, source: string, options: LessonParseOptions = {}): Lesson {
  const fail: Fail = (path, problem) => {
    throw new LessonFormatError(source, path, problem);
  };
  const ctx: ParseContext = { fail, samplerIds: options.samplerIds };
  const obj = record(json, 'lesson', 'a JSON object {"id", "title", "steps"}', fail);
  onlyKeys(obj, 'lesson', ['id', 'title', 'steps'], fail);
  const id = idField(obj.id, 'id', fail);
  const title = lineField(obj.title, 'title', LESSON_LIMITS.maxTitleChars, fail);
  const { maxSteps } = LESSON_LIMITS;
  if (!Array.isArray(obj.steps) || obj.steps.length === 0) {
    fail('steps', `must be a list of 1 to ${maxSteps} steps, got ${describe(obj.steps)}`);
  }
  const rawSteps = obj.steps as Json[];
  if (rawSteps.length > maxSteps) {
    fail('steps', `has ${rawSteps.length} steps, more than ${maxSteps}; split the lesson in two`);
  }
  const steps = rawSteps.map((s, k) => stepField(s, `steps[${k}]`, ctx));
  return { id, title, steps };
}

/** Validates public/lessons/index.json: `{"lessons": [{id, title, summary}, …]}`, ids unique. */
export function parseLessonIndex(json: unknown, source: string): LessonIndexEntry[] {
  const fail: Fail = (path, problem) => {
    throw new LessonFormatError(source, path, problem);
  };
  const obj = record(json, 'index', 'a JSON object {"lessons": [...]}', fail);
  onlyKeys(obj, 'index', ['lessons'], fail);
  if (!Array.isArray(obj.lessons)) fail('lessons', `must be a list, got ${describe(obj.lessons)}`);
  const seen = new Set<string>();
  return (obj.lessons as Json[]).map((entry, k) => {
    const path = `lessons[${k}]`;
    const e = record(entry, path, 'an object {"id", "title", "summary"}', fail);
    onlyKeys(e, path, ['id', 'title', 'summary'], fail);
    const id = idField(e.id, `${path}.id`, fail);
    if (seen.has(id)) fail(`${path}.id`, `"${id}" is listed twice; list each lesson once`);
    seen.add(id);
    return {
      id,
      title: lineField(e.title, `${path}.title`, LESSON_LIMITS.maxTitleChars, fail),
      summary: lineField(e.summary, `${path}.summary`, LESSON_LIMITS.maxSummaryChars, fail),
    };
  });
}
