/**
 * Property-based tests of the URL hash parser (src/ui/state/url-state.ts) against hostile links:
 * any string, very long hashes, broken percent-encoding, prototype keys, NaN/Infinity and
 * out-of-range numbers, generated with fast-check (a failure prints the seed and the shrunk link).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { samplers } from '../../src/core/samplers/registry';
import { defaultSettings, limits, scheduleKinds, sdeKinds, type Settings } from '../../src/ui/state/settings';
import { urlVocabulary } from '../../src/ui/state/registry-view';
import {
  parseHash,
  serialiseSettings,
  shorten,
  summariseIgnored,
  urlProperties,
} from '../../src/ui/state/url-state';
import fc from 'fast-check';

const modelIds = JSON.parse(readFileSync('models/manifest.json', 'utf8')).models as string[];
const vocabulary = urlVocabulary(modelIds);
/** The page's defaults: the first catalogue model (src/main.tsx). */
const defaults: Settings = { ...defaultSettings, modelId: modelIds[0] };
/** parseHash with this page's vocabulary and defaults. */
const parse = (hash: string) => parseHash(hash, vocabulary, defaults);

const samplerKeys = samplers.flatMap((s) => s.params.map((p) => `${s.id}.${p.name}`));
/** Keys a hostile or mistyped link may hold: the real ones, prototype names, near misses. */
const keyPool = [
  ...urlProperties.map((p) => p.name),
  ...samplerKeys,
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '__proto__.polluted',
  'constructor.prototype',
  'pc.__proto__',
  '__proto__.snr',
  'lesson',
  'lstep',
  'STEPS',
  'steps ',
  '%73teps',
  '',
];
/** Values: the allowed ones, numbers at and past each limit, special numbers, broken encodings. */
const valuePool = [
  '1',
  '0',
  '-1',
  '2000',
  '1000',
  '1001',
  '64',
  '65',
  '4294967295',
  '4294967296',
  '1e3',
  '0x10',
  ' 5',
  '5 ',
  '3.5',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-0',
  'true',
  'false',
  'none',
  '',
  '%',
  '%E0%A4%A',
  '%zz',
  '%00',
  '%F0%9F%98%80',
  '%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E',
  '<script>alert(1)</script>',
  '{"__proto__":{"polluted":1}}',
  ...modelIds,
  ...samplers.map((s) => s.id),
  ...sdeKinds,
  ...scheduleKinds,
  'model,sde,steps',
];

/** Keys the parser uses: settings, sampler parameters, lesson keys. */
const known = new Set([...urlProperties.map((p) => p.name), ...samplerKeys, 'lesson', 'lstep']);
function isWellEncoded(part: string): boolean {
  try {
    decodeURIComponent(part.slice(part.indexOf('=') + 1));
    return true;
  } catch {
    return false;
  }
}

/** encodeURIComponent, with lone surrogates (which it cannot encode) left raw. */
function encodeWhatEncodes(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

const keyArb = fc.oneof(fc.constantFrom(...keyPool), fc.string({ maxLength: 12 }));
const valueArb = fc.oneof(
  fc.constantFrom(...valuePool),
  fc.string({ maxLength: 30 }),
  fc.double().map(String),
  fc.integer().map(String),
);
const partArb = fc.oneof(
  fc.tuple(keyArb, valueArb).map(([k, v]) => `${k}=${v}`),
  fc.tuple(keyArb, valueArb).map(([k, v]) => `${k}=${encodeWhatEncodes(v)}`),
  fc.string({ maxLength: 20 }),
);
/** A hash: parts joined by &, with or without the leading #, or any string at all. */
const hashArb = fc.oneof(
  fc.array(partArb, { maxLength: 20 }).map((parts) => `#${parts.join('&')}`),
  fc.array(partArb, { maxLength: 20 }).map((parts) => parts.join('&')),
  fc.string({ maxLength: 200 }),
);

/** Every setting lies in what the URL vocabulary allows: the parser never yields a state the page cannot run. */
function expectValid(settings: Settings): void {
  expect(modelIds).toContain(settings.modelId);
  expect(samplers.map((s) => s.id)).toContain(settings.samplerId);
  expect(sdeKinds).toContain(settings.sde);
  expect(scheduleKinds).toContain(settings.schedule);
  for (const [name, range] of [
    ['steps', limits.steps],
    ['seed', limits.seed],
    ['batch', limits.batch],
  ] as const) {
    expect(Number.isInteger(settings[name]), name).toBe(true);
    expect(settings[name]).toBeGreaterThanOrEqual(range.min);
    expect(settings[name]).toBeLessThanOrEqual(range.max);
  }
  expect(Number.isFinite(settings.guidance) && Number.isFinite(settings.stepsPerSecond)).toBe(true);
  expect(settings.guidance).toBeGreaterThanOrEqual(limits.guidance.min);
  expect(settings.guidance).toBeLessThanOrEqual(limits.guidance.max);
  expect(settings.stepsPerSecond).toBeGreaterThanOrEqual(limits.stepsPerSecond.min);
  expect(settings.stepsPerSecond).toBeLessThanOrEqual(limits.stepsPerSecond.max);
  if (settings.classLabel !== null) expect(Number.isInteger(settings.classLabel)).toBe(true);
  expect(new Set(settings.hidden).size).toBe(settings.hidden.length);
  // Only real samplers' real parameters, each within its spec, on plain objects.
  expect(Object.getPrototypeOf(settings.samplerParams)).toBe(Object.prototype);
  for (const [id, params] of Object.entries(settings.samplerParams)) {
    const sampler = samplers.find((s) => s.id === id);
    expect(sampler, id).toBeDefined();
    for (const [name, value] of Object.entries(params)) {
      const spec = sampler?.params.find((p) => p.name === name);
      expect(spec, `${id}.${name}`).toBeDefined();
      if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
    }
  }
  // Written back and read again, the state is a clean link: nothing in it would be ignored.
  const again = parseHash(`#${serialiseSettings(settings, vocabulary)}`, vocabulary);
  expect(again.ignored).toEqual([]);
  expect(serialiseSettings(again.settings, vocabulary)).toBe(serialiseSettings(settings, vocabulary));
}

/** The banner's text is bounded whatever the link: three quoted parts (each cut short) and a count. */
const SUMMARY_BOUND = 600;

describe('the URL hash parser on hostile links', () => {
  it('never throws, and always yields a valid state', () => {
    fc.assert(
      fc.property(hashArb, (hash) => {
        expectValid(parse(hash).settings);
      }),
      { numRuns: 1500, seed: 16 },
    );
  });

  it('reports every part it did not use, and the banner stays short and names the first keys', () => {
    fc.assert(
      fc.property(fc.array(partArb, { maxLength: 30 }), (parts) => {
        const hash = parts.join('&');
        const { ignored, passive } = parse(hash);
        const split = hash === '' ? [] : hash.replace(/^#/, '').split('&');
        expect(ignored.length).toBeLessThanOrEqual(split.length);
        // A part whose key is no setting is reported by its key (cut short).
        for (const part of split) {
          const key = part.slice(0, Math.max(0, part.indexOf('=')));
          if (key === '' || known.has(key) || !isWellEncoded(part)) continue;
          expect(ignored.some((line) => line.startsWith(`"${shorten(key)}`))).toBe(true);
        }
        if (ignored.length === 0) return;
        const summary = summariseIgnored(ignored);
        expect(summary.length).toBeLessThan(SUMMARY_BOUND);
        expect(summary).toMatch(new RegExp(`^${ignored.length} parts? of the link (was|were) ignored: `));
        expect(summary).toContain(ignored[0]);
        expect(Object.keys(passive).every((k) => k === 'lesson' || k === 'lstep')).toBe(true);
      }),
      { numRuns: 800, seed: 17 },
    );
  });

  it('prototype keys neither pollute Object.prototype nor reach the settings', () => {
    const hash =
      '#__proto__=x&__proto__.polluted=1&constructor=1&constructor.prototype=1&pc.__proto__=1' +
      '&__proto__.snr=0.3&prototype=1&toString=1&hasOwnProperty=1&steps=30';
    const parsed = parse(hash);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(parsed.settings, '__proto__')).toBe(false);
    expect(parsed.settings.steps).toBe(30);
    expect(parsed.ignored).toHaveLength(9);
    expect(parsed.ignored[0]).toBe('"__proto__" is not a setting');
    expectValid(parsed.settings);
  });

  it('NaN, Infinity and out-of-range numbers fall back to the default and say what is allowed', () => {
    const parsed = parse(
      '#steps=2000&batch=NaN&guidance=Infinity&speed=-Infinity&seed=4294967296&class=1e309&steps=0x10',
    );
    expect(parsed.settings.steps).toBe(defaultSettings.steps);
    expect(parsed.settings.batch).toBe(defaultSettings.batch);
    expect(parsed.settings.guidance).toBe(defaultSettings.guidance);
    expect(parsed.ignored).toEqual([
      '"steps=2000" is not allowed (steps 1–1000, whole)',
      '"batch=NaN" is not allowed (batch 1–64, whole)',
      '"guidance=Infinity" is not allowed (guidance 0–10)',
      '"speed=-Infinity" is not allowed (speed 1–120)',
      '"seed=4294967296" is not allowed (seed 0–4294967295, whole)',
      '"class=1e309" is not allowed (class none or 0–999)',
      '"steps=0x10" is not allowed (steps 1–1000, whole)',
    ]);
  });

  it('broken percent-encoding is reported, and the rest of the link applies', () => {
    const parsed = parse('#steps=%E0%A4%A&seed=%zz&batch=%&sde=ve');
    expect(parsed.settings.sde).toBe('ve');
    expect(parsed.ignored).toEqual([
      '"steps=%E0%A4%A" is not valid URL encoding',
      '"seed=%zz" is not valid URL encoding',
      '"batch=%" is not valid URL encoding',
    ]);
  });

  it('a 100 KB hash is parsed into a valid state with a short banner', () => {
    const junk = 'x'.repeat(100_000);
    for (const hash of [
      `#steps=${junk}`,
      `#${junk}=1`,
      `#${'&'.repeat(100_000)}`,
      `#${'steps=2000&'.repeat(9_000)}sde=ve`,
      `#hide=${'sde,'.repeat(25_000)}sde`,
      `#${'%'.repeat(100_000)}`,
    ]) {
      const parsed = parse(hash);
      expectValid(parsed.settings);
      if (parsed.ignored.length > 0)
        expect(summariseIgnored(parsed.ignored).length).toBeLessThan(SUMMARY_BOUND);
    }
    expect(parse(`#${'steps=2000&'.repeat(9_000)}sde=ve`).settings.sde).toBe('ve');
    expect(parse(`#hide=${'sde,'.repeat(25_000)}sde`).settings.hidden).toEqual(['SDE']);
  });
});

/** Every .ts/.tsx file under a folder. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('nothing from the URL reaches the DOM as HTML', () => {
  it('the page never writes HTML from strings: no innerHTML, outerHTML, insertAdjacentHTML, document.write', () => {
    const offenders = [...sourceFiles('src/ui'), 'src/main.tsx'].filter((file) =>
      /dangerouslySetInnerHTML|\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write/.test(
        readFileSync(file, 'utf8'),
      ),
    );
    expect(offenders).toEqual([]);
  });
});
