/**
 * The only file that touches location.hash. One declarative list of properties drives both
 * serialising the settings into the hash and parsing them back; the allowed values come from the
 * sampler registry and the model manifest, so the registries are the URL's vocabulary.
 */
import type { ParamSpec, ParamValue, Params } from '../../core/types';
import type { CompareAdvance } from '../../engine/protocol';
import { ADVANCES, formatCompare, MAX_PANES, MIN_PANES, parseCompare, type ComparePane } from './compare';
import {
  controlNames,
  defaultSettings,
  directions,
  limits,
  maskPresets,
  lineAxes,
  type LineAxis,
  scheduleKinds,
  toolKinds,
  sdeKinds,
  type ControlName,
  type Direction,
  type Settings,
} from './settings';
import { isDrawingData } from './drawing';

/** What the URL may contain: sampler ids with their parameters, and model ids. */
export interface UrlVocabulary {
  samplers: readonly { id: string; params: readonly ParamSpec[] }[];
  modelIds: readonly string[];
}

type Kind =
  | { type: 'int'; min: number; max: number }
  | { type: 'number'; min: number; max: number }
  | { type: 'bool' }
  | { type: 'choice'; values: (v: UrlVocabulary) => readonly string[] }
  | { type: 'nullableInt'; min: number; max: number; none: string }
  | { type: 'list'; values: readonly string[] }
  /** Free text checked by `valid`; written only when not empty (a drawing's `data=`). */
  | { type: 'text'; valid: (raw: string) => boolean; what: string }
  | { type: 'panes' };

type Get = (s: Settings) => unknown;
type Set = (s: Settings, value: never) => Settings;
interface UrlProperty {
  name: string;
  kind: Kind;
  get: Get;
  set: Set;
  /** Left out of the hash when this says so (keys that only mean something with another). */
  omit?: (s: Settings) => boolean;
}

/** Typed constructor so each property's getter and setter agree on the value type. */
function prop<T>(
  name: string,
  kind: Kind,
  get: (s: Settings) => T,
  set: (s: Settings, v: T) => Settings,
  omit?: (s: Settings) => boolean,
) {
  return { name, kind, get, set: set as Set, ...(omit ? { omit } : {}) } satisfies UrlProperty;
}

/**
 * The link format's version. v=2 (every link the page writes): SDE noise from one Brownian path
 * per seed. A link with settings but no v was made before the Brownian tree; it keeps step-keyed
 * noise so that it still gives its pictures (parseHash).
 */
export const LINK_VERSION = 2;

/** The whole URL vocabulary, one line per setting. */
export const urlProperties: readonly UrlProperty[] = [
  prop(
    'v',
    { type: 'int', min: 1, max: LINK_VERSION },
    (s) => (s.noise === 'step' ? 1 : LINK_VERSION),
    (s, v: number) => ({ ...s, noise: v === 1 ? 'step' : 'brownian' }),
  ),
  prop(
    'model',
    { type: 'choice', values: (v) => v.modelIds },
    (s) => s.modelId,
    (s, modelId: string) => ({ ...s, modelId }),
  ),
  prop(
    'sampler',
    { type: 'choice', values: (v) => v.samplers.map((x) => x.id) },
    (s) => s.samplerId,
    (s, samplerId: string) => ({ ...s, samplerId }),
  ),
  prop(
    'sde',
    { type: 'choice', values: () => sdeKinds },
    (s) => s.sde,
    (s, sde: Settings['sde']) => ({ ...s, sde }),
  ),
  prop(
    'schedule',
    { type: 'choice', values: () => scheduleKinds },
    (s) => s.schedule,
    (s, schedule: Settings['schedule']) => ({ ...s, schedule }),
  ),
  prop(
    'steps',
    { type: 'int', ...limits.steps },
    (s) => s.steps,
    (s, steps: number) => ({ ...s, steps }),
  ),
  prop(
    'seed',
    { type: 'int', ...limits.seed },
    (s) => s.seed,
    (s, seed: number) => ({ ...s, seed }),
  ),
  prop(
    'batch',
    { type: 'int', ...limits.batch },
    (s) => s.batch,
    (s, batch: number) => ({ ...s, batch }),
  ),
  prop(
    'class',
    { type: 'nullableInt', ...limits.classLabel, none: 'none' },
    (s) => s.classLabel,
    (s, classLabel: number | null) => ({ ...s, classLabel }),
  ),
  prop(
    'guidance',
    { type: 'number', ...limits.guidance },
    (s) => s.guidance,
    (s, guidance: number) => ({ ...s, guidance }),
  ),
  prop(
    'denoise',
    { type: 'bool' },
    (s) => s.denoiseFinal,
    (s, denoiseFinal: boolean) => ({ ...s, denoiseFinal }),
  ),
  prop(
    'speed',
    { type: 'number', ...limits.stepsPerSecond },
    (s) => s.stepsPerSecond,
    (s, stepsPerSecond: number) => ({ ...s, stepsPerSecond }),
  ),
  prop(
    'score',
    { type: 'bool' },
    (s) => s.view.scoreField,
    (s, scoreField: boolean) => ({ ...s, view: { ...s.view, scoreField } }),
  ),
  prop(
    'paths',
    { type: 'bool' },
    (s) => s.view.trajectories,
    (s, trajectories: boolean) => ({ ...s, view: { ...s.view, trajectories } }),
  ),
  prop(
    'x0',
    { type: 'bool' },
    (s) => s.view.denoisedPoints,
    (s, denoisedPoints: boolean) => ({ ...s, view: { ...s.view, denoisedPoints } }),
  ),
  // Your own data (issue 15): the drawn points, quantised (state/drawing.ts).
  prop(
    'data',
    { type: 'text', valid: isDrawingData, what: 'base64url of a drawing (format 1, up to 3000 points)' },
    (s) => s.drawingData,
    (s, drawingData: string) => ({ ...s, drawingData }),
  ),
  // Forward process (issue 12): the Direction, and the forward time shown (written in Forward only).
  prop(
    'dir',
    { type: 'choice', values: () => directions },
    (s) => s.direction,
    (s, direction: Direction) => ({ ...s, direction }),
    (s) => s.direction === 'reverse',
  ),
  prop(
    't',
    { type: 'number', min: 0, max: 1 },
    (s) => Number(s.forwardT.toFixed(3)),
    (s, forwardT: number) => ({ ...s, forwardT }),
    (s) => s.direction === 'reverse',
  ),
  // ---- compare mode (issue 14): written only while it is on ----
  prop(
    'compare',
    { type: 'panes' },
    (s) => s.compare ?? [],
    (s, compare: readonly ComparePane[]) => ({ ...s, compare }),
    (s) => s.compare === null,
  ),
  prop(
    'advance',
    { type: 'choice', values: () => ADVANCES },
    (s) => s.advance,
    (s, advance: CompareAdvance) => ({ ...s, advance }),
    (s) => s.compare === null,
  ),
  prop(
    'hide',
    { type: 'list', values: controlNames.map(hideToken) },
    (s) => s.hidden.map(hideToken),
    // A repeated name counts once: a pasted link may repeat one thousands of times.
    (s, tokens: string[]) => ({ ...s, hidden: [...new Set(tokens.map(controlOfToken))] }),
  ),
  // ---- controllable generation (issue 13): written only while a tool is open ----
  prop(
    'tool',
    { type: 'choice', values: () => toolKinds },
    (s) => s.tool.kind,
    (s, kind: Settings['tool']['kind']) => ({ ...s, tool: { ...s.tool, kind } }),
    (s) => s.tool.kind === null,
  ),
  prop(
    't0',
    { type: 'number', ...limits.t0 },
    (s) => s.tool.t0,
    (s, t0: number) => ({ ...s, tool: { ...s.tool, t0 } }),
    (s) => s.tool.kind === null,
  ),
  prop(
    'src',
    { type: 'choice', values: () => ['sample', ...Array.from({ length: 100 }, (_, k) => `example:${k}`)] },
    (s) => s.tool.src,
    (s, src: string) => ({ ...s, tool: { ...s.tool, src } }),
    (s) => s.tool.kind === null,
  ),
  prop(
    'mask',
    { type: 'choice', values: () => maskPresets },
    (s) => s.tool.mask,
    (s, mask: Settings['tool']['mask']) => ({ ...s, tool: { ...s.tool, mask } }),
    (s) => s.tool.kind !== 'inpaint' || s.tool.mask === null,
  ),
  prop(
    'resample',
    { type: 'int', ...limits.resample },
    (s) => s.tool.resample,
    (s, resample: number) => ({ ...s, tool: { ...s.tool, resample } }),
    (s) => s.tool.kind !== 'inpaint' || s.tool.resample === 0,
  ),
  // 2D imputation (issue 13): the fixed coordinate and its value (the line dragged on the plot).
  prop(
    'line',
    { type: 'choice', values: () => lineAxes },
    (s) => s.tool.line.axis,
    (s, axis: LineAxis) => ({ ...s, tool: { ...s.tool, line: { ...s.tool.line, axis } } }),
    (s) => s.tool.kind !== 'inpaint' || s.tool.line.axis === 'x',
  ),
  prop(
    'at',
    { type: 'number', ...limits.at },
    (s) => s.tool.line.at,
    (s, at: number) => ({ ...s, tool: { ...s.tool, line: { ...s.tool.line, at } } }),
    (s) => s.tool.kind !== 'inpaint' || s.tool.line.at === 0,
  ),
];

/** URL token of a control name in `hide=`: lower case, spaces as dashes ("Batch size" → "batch-size"). */
export function hideToken(name: ControlName): string {
  return name.toLowerCase().replace(/ /g, '-');
}
function controlOfToken(token: string): ControlName {
  return controlNames.find((n) => hideToken(n) === token) ?? controlNames[0];
}

/** Keys that travel in the hash but are not settings: changing only them changes nothing else. */
export const passiveKeys: readonly string[] = ['lesson', 'lstep'];

/** Longest key or value quoted back in a message about an ignored part. */
const QUOTE_LENGTH = 24;

/** `text` cut to QUOTE_LENGTH characters, with an ellipsis when cut. */
export function shorten(text: string, length = QUOTE_LENGTH): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/** A few items of a list, then "…": what a message quotes of a long vocabulary. */
function someOf(items: readonly string[], count = 4): string {
  return items.length <= count ? items.join(', ') : `${items.slice(0, count).join(', ')}, …`;
}

/** What the key allows, as a user would write it: "steps 1–1000", "sde vp, subvp, ve". */
function allowedText(name: string, kind: Kind, vocabulary: UrlVocabulary): string {
  switch (kind.type) {
    case 'int':
    case 'number':
      return `${name} ${kind.min}–${kind.max}${kind.type === 'int' ? ', whole' : ''}`;
    case 'nullableInt':
      return `${name} ${kind.none} or ${kind.min}–${kind.max}`;
    case 'bool':
      return `${name} 0 or 1`;
    case 'choice':
      return `${name} ${someOf(kind.values(vocabulary))}`;
    case 'list':
      return `${name} a comma list of ${someOf(kind.values)}`;
    case 'text':
      return `${name} ${kind.what}`;
    case 'panes':
      return `${name} ${MIN_PANES}–${MAX_PANES} panes sampler:steps:sde:schedule:guidance`;
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

function paramAllowedText(spec: ParamSpec): string {
  switch (spec.kind) {
    case 'number':
    case 'int':
      return `${spec.min}–${spec.max}${spec.kind === 'int' ? ', whole' : ''}`;
    case 'choice':
      return someOf(spec.choices);
    case 'bool':
      return '0 or 1';
    default: {
      const unreachable: never = spec;
      return unreachable;
    }
  }
}

/** `"key=value"`, each cut short: a pasted link may hold anything. */
const quote = (key: string, raw?: string): string =>
  raw === undefined ? `"${shorten(key)}"` : `"${shorten(key)}=${shorten(raw)}"`;

function formatValue(kind: Kind, value: unknown): string {
  if (kind.type === 'bool') return value ? '1' : '0';
  if (kind.type === 'list') return (value as string[]).join(',');
  if (kind.type === 'panes') return formatCompare(value as ComparePane[]);
  if (kind.type === 'nullableInt' && value === null) return kind.none;
  return String(value);
}

/** Parses one value; returns undefined when it is not allowed. */
function parseValue(kind: Kind, raw: string, vocabulary: UrlVocabulary): unknown {
  switch (kind.type) {
    case 'int':
    case 'nullableInt': {
      if (kind.type === 'nullableInt' && raw === kind.none) return null;
      const n = Number(raw);
      return /^-?\d+$/.test(raw) && n >= kind.min && n <= kind.max ? n : undefined;
    }
    case 'number': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) && n >= kind.min && n <= kind.max ? n : undefined;
    }
    case 'bool':
      return raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : undefined;
    case 'choice':
      return kind.values(vocabulary).includes(raw) ? raw : undefined;
    case 'list': {
      const items = raw === '' ? [] : raw.split(',');
      return items.every((x) => kind.values.includes(x)) ? items : undefined;
    }
    case 'text':
      return raw === '' || kind.valid(raw) ? raw : undefined;
    case 'panes': {
      const parsed = parseCompare(
        raw,
        vocabulary.samplers.map((x) => x.id),
      );
      return 'panes' in parsed ? parsed.panes : undefined;
    }
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

function paramToString(value: ParamValue): string {
  return typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
}

function parseParam(spec: ParamSpec, raw: string): ParamValue | undefined {
  switch (spec.kind) {
    case 'number':
    case 'int': {
      const n = Number(raw);
      const ok = raw.trim() !== '' && Number.isFinite(n) && n >= spec.min && n <= spec.max;
      return ok && (spec.kind === 'number' || Number.isInteger(n)) ? n : undefined;
    }
    case 'choice':
      return spec.choices.includes(raw) ? raw : undefined;
    case 'bool':
      return raw === '1' ? true : raw === '0' ? false : undefined;
    default: {
      const unreachable: never = spec;
      return unreachable;
    }
  }
}

/** Serialises every setting (sampler parameters only where they differ from the registry default). */
export function serialiseSettings(settings: Settings, vocabulary: UrlVocabulary): string {
  const parts = urlProperties
    .filter((p) => !p.omit?.(settings) && !(p.kind.type === 'text' && p.get(settings) === ''))
    .map((p) => `${p.name}=${encodeURIComponent(formatValue(p.kind, p.get(settings)))}`);
  for (const sampler of vocabulary.samplers) {
    const values = settings.samplerParams[sampler.id] ?? {};
    for (const spec of sampler.params) {
      const value = values[spec.name];
      if (value !== undefined && value !== spec.default) {
        parts.push(`${sampler.id}.${spec.name}=${encodeURIComponent(paramToString(value))}`);
      }
    }
  }
  return parts.join('&');
}

export interface ParsedHash {
  settings: Settings;
  /**
   * One line per part of the hash that was ignored, saying why and what is allowed (keys and
   * values cut short). Empty when all of it was used.
   */
  ignored: string[];
  /** The passive keys (passiveKeys) the hash holds, with their raw values. */
  passive: Record<string, string>;
}

function parseSamplerParam(
  key: string,
  raw: string,
  vocabulary: UrlVocabulary,
  params: Record<string, Record<string, ParamValue>>,
): string | null {
  const [samplerId, name] = key.split('.', 2);
  const sampler = vocabulary.samplers.find((s) => s.id === samplerId);
  const spec = sampler?.params.find((p) => p.name === name);
  if (spec === undefined) return `${quote(key)} is not a parameter of any sampler`;
  const value = parseParam(spec, raw);
  if (value === undefined)
    return `${quote(key, raw)} is outside what ${spec.label} allows (${paramAllowedText(spec)})`;
  params[samplerId] = { ...params[samplerId], [name]: value };
  return null;
}

/** Parses a hash ("#a=1&b=2" or "a=1&b=2"); anything malformed falls back to its default and is reported. */
export function parseHash(
  hash: string,
  vocabulary: UrlVocabulary,
  defaults: Settings = defaultSettings,
): ParsedHash {
  let settings = defaults;
  const ignored: string[] = [];
  const passive: Record<string, string> = {};
  const params: Record<string, Record<string, ParamValue>> = {};
  let sawSetting = false;
  let sawVersion = false;
  for (const part of hashParts(hash)) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      ignored.push(`${quote(part)} is not of the form name=value`);
      continue;
    }
    const key = part.slice(0, eq);
    let raw: string;
    try {
      raw = decodeURIComponent(part.slice(eq + 1));
    } catch {
      ignored.push(`${quote(part)} is not valid URL encoding`);
      continue;
    }
    if (passiveKeys.includes(key)) {
      passive[key] = raw;
      continue;
    }
    sawSetting = true;
    if (key.includes('.')) {
      const problem = parseSamplerParam(key, raw, vocabulary, params);
      if (problem !== null) ignored.push(problem);
      continue;
    }
    const property = urlProperties.find((p) => p.name === key);
    const value = property === undefined ? undefined : parseValue(property.kind, raw, vocabulary);
    if (property === undefined) ignored.push(`${quote(key)} is not a setting`);
    else if (value === undefined && property.kind.type === 'panes') {
      const parsed = parseCompare(
        raw,
        vocabulary.samplers.map((x) => x.id),
      );
      const why = 'problem' in parsed ? parsed.problem : '';
      ignored.push(
        `${quote(key, raw)} is not allowed (${why}; ${allowedText(key, property.kind, vocabulary)})`,
      );
    } else if (value === undefined)
      ignored.push(`${quote(key, raw)} is not allowed (${allowedText(key, property.kind, vocabulary)})`);
    else {
      settings = property.set(settings, value as never);
      if (key === 'v') sawVersion = true;
    }
  }
  // A link from before v=2 meant step-keyed noise: keep its pictures.
  if (sawSetting && !sawVersion) settings = { ...settings, noise: 'step' };
  const samplerParams: Record<string, Params> = { ...settings.samplerParams, ...params };
  return { settings: { ...settings, samplerParams }, ignored, passive };
}

/** The name=value parts of a hash ("#a=1&b=2" or "a=1&b=2"). */
function hashParts(hash: string): string[] {
  const body = hash.replace(/^#/, '');
  return body === '' ? [] : body.split('&');
}

const isPassivePart = (part: string): boolean => passiveKeys.includes(part.slice(0, part.indexOf('=')));

/**
 * What a new hash changes compared with the previous one: 'settings' when any part other than
 * the passive keys differs (the link is applied as a fresh load would), 'passive' when only
 * passive keys differ or the new hash holds nothing else, 'none' when nothing changed.
 */
export function linkChange(previous: string, next: string): 'none' | 'passive' | 'settings' {
  const settingsOf = (hash: string) =>
    hashParts(hash)
      .filter((p) => !isPassivePart(p))
      .sort();
  const passiveOf = (hash: string) => hashParts(hash).filter(isPassivePart).sort();
  const [before, after] = [settingsOf(previous), settingsOf(next)];
  if (after.length > 0 && after.join('&') !== before.join('&')) return 'settings';
  return passiveOf(previous).join('&') === passiveOf(next).join('&') ? 'none' : 'passive';
}

/** How many ignored parts the banner quotes before "and N more". */
const IGNORED_SHOWN = 3;

/**
 * The banner's text for the ignored parts of a link: how many, the first few (each already cut
 * short and saying what is allowed), and how many more — a bounded message, whatever the link.
 */
export function summariseIgnored(ignored: readonly string[]): string {
  const count = ignored.length;
  const shown = ignored.slice(0, IGNORED_SHOWN).join('; ');
  const more = count > IGNORED_SHOWN ? `; and ${count - IGNORED_SHOWN} more` : '';
  const head = count === 1 ? '1 part of the link was ignored' : `${count} parts of the link were ignored`;
  return `${head}: ${shown}${more}. Those settings use their defaults; the rest of the link applies.`;
}

/** Reads the page's current hash. */
export function readLocationHash(
  vocabulary: UrlVocabulary,
  defaults: Settings = defaultSettings,
): ParsedHash {
  return parseHash(window.location.hash, vocabulary, defaults);
}

/**
 * Writes the settings into the page's hash without adding a history entry; the passive keys the
 * hash holds (a lesson's) stay.
 */
export function writeLocationHash(settings: Settings, vocabulary: UrlVocabulary): void {
  const kept = hashParts(window.location.hash).filter(isPassivePart);
  const hash = `#${[serialiseSettings(settings, vocabulary), ...kept].join('&')}`;
  if (window.location.hash !== hash) window.history.replaceState(null, '', hash);
}

/** The full shareable link for the settings. */
export function shareableUrl(settings: Settings, vocabulary: UrlVocabulary): string {
  const { origin, pathname, search } = window.location;
  return `${origin}${pathname}${search}#${serialiseSettings(settings, vocabulary)}`;
}

// Lesson player (issue 12): the `lesson` and `lstep` keys, written without a history entry.
/**
 * Writes the open lesson's keys (`lesson=<value>&lstep=<k>`, value already encoded) into the
 * page's hash, keeping its settings; null removes them (the lesson was closed).
 */
export function writeLessonKeys(keys: string | null): void {
  const settingsParts = hashParts(window.location.hash).filter((p) => !isPassivePart(p));
  const hash = `#${[...settingsParts, ...(keys === null ? [] : [keys])].join('&')}`;
  if (window.location.hash !== hash) window.history.replaceState(null, '', hash);
}

/** The setting keys of the page's URL vocabulary (what a lesson step's hash may hold). */
export const urlSettingKeys: readonly string[] = urlProperties.map((p) => p.name);
