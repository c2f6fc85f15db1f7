import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../../src/core/types';
import { defaultSettings, type Settings } from '../../src/ui/state/settings';
import { encodeDrawing } from '../../src/ui/state/drawing';
import {
  hideToken,
  linkChange,
  parseHash,
  serialiseSettings,
  summariseIgnored,
  urlProperties,
  type UrlVocabulary,
} from '../../src/ui/state/url-state';

const snr: ParamSpec = {
  name: 'snr',
  label: 'Target SNR',
  kind: 'number',
  min: 0.01,
  max: 1,
  step: 0.01,
  default: 0.16,
  help: '',
};
const n: ParamSpec = {
  name: 'n',
  label: 'Corrector steps',
  kind: 'int',
  min: 0,
  max: 5,
  step: 1,
  default: 1,
  help: '',
};
const pred: ParamSpec = {
  name: 'predictor',
  label: 'Predictor',
  kind: 'choice',
  choices: ['em', 'rd'],
  default: 'em',
  help: '',
};
const flag: ParamSpec = { name: 'flag', label: 'Flag', kind: 'bool', default: false, help: '' };
const vocabulary: UrlVocabulary = {
  samplers: [
    { id: 'euler_maruyama', params: [] },
    { id: 'pc', params: [snr, n, pred, flag] },
  ],
  modelIds: ['eight_gaussians', 'mnist'],
};

/** A settings object in which every value differs from the defaults. */
const everythingChanged: Settings = {
  modelId: 'mnist',
  samplerId: 'pc',
  samplerParams: { pc: { snr: 0.3, n: 3, predictor: 'rd', flag: true } },
  sde: 've',
  schedule: 'karras',
  steps: 37,
  seed: 4294967295,
  batch: 64,
  classLabel: 7,
  guidance: 2.5,
  denoiseFinal: false,
  stepsPerSecond: 7.5,
  noise: 'step',
  view: { scoreField: false, trajectories: true, denoisedPoints: false },
  drawingData: encodeDrawing(Float32Array.of(0.5, -1.25, 2, 3)),
  direction: 'forward',
  forwardT: 0.25,
  compare: [
    { samplerId: 'pc', steps: 20, sde: 've', schedule: 'karras', guidance: 1.5 },
    { samplerId: 'euler_maruyama', steps: 1000, sde: 'vp', schedule: 'uniform', guidance: 0 },
  ],
  advance: 'nfe',
  hidden: ['Batch size', 'SDE'],
  tool: {
    kind: 'inpaint',
    t0: 0.3,
    src: 'example:3',
    mask: 'bottom',
    resample: 2,
    line: { axis: 'y', at: -1.25 },
  },
};

describe('url-state', () => {
  it('the test fixture changes every property of the URL vocabulary', () => {
    for (const p of urlProperties) {
      expect(p.get(everythingChanged), p.name).not.toEqual(p.get(defaultSettings));
    }
  });

  it('round-trips every setting', () => {
    const hash = serialiseSettings(everythingChanged, vocabulary);
    const parsed = parseHash(`#${hash}`, vocabulary);
    expect(parsed.ignored).toEqual([]);
    expect(parsed.settings).toEqual(everythingChanged);
  });

  it('round-trips the defaults and writes no sampler parameter that equals its default', () => {
    const hash = serialiseSettings(defaultSettings, vocabulary);
    expect(hash).not.toContain('pc.');
    expect(parseHash(hash, vocabulary)).toEqual({ settings: defaultSettings, ignored: [], passive: {} });
  });

  it('writes the controllable-generation keys only while a tool is open', () => {
    expect(serialiseSettings(defaultSettings, vocabulary)).not.toMatch(/tool=|t0=|src=|mask=|resample=/);
    const parsed = parseHash('#tool=sdedit&t0=0.4&src=sample&steps=20', vocabulary);
    expect(parsed.ignored).toEqual([]);
    expect(parsed.settings.tool).toEqual({ ...defaultSettings.tool, kind: 'sdedit', t0: 0.4 });
    const hash = serialiseSettings(parsed.settings, vocabulary);
    expect(hash).toContain('tool=sdedit&t0=0.4&src=sample');
    expect(hash).not.toMatch(/mask=|resample=/);
    expect(parseHash('#tool=inpaint&mask=sideways', vocabulary).ignored).toHaveLength(1);
  });

  it('dir and t: written in Forward only, read back, and out-of-range t is reported', () => {
    const reverse = serialiseSettings(defaultSettings, vocabulary);
    expect(reverse).not.toMatch(/(^|&)(dir|t)=/);
    const forward = serialiseSettings({ ...defaultSettings, direction: 'forward', forwardT: 1 }, vocabulary);
    expect(forward).toContain('dir=forward');
    expect(forward).toContain('t=1');
    const parsed = parseHash('#dir=forward&t=0.75', vocabulary);
    expect(parsed.ignored).toEqual([]);
    expect(parsed.settings.direction).toBe('forward');
    expect(parsed.settings.forwardT).toBe(0.75);
    const bad = parseHash('#dir=sideways&t=2', vocabulary);
    expect(bad.settings.direction).toBe('reverse');
    expect(bad.settings.forwardT).toBe(defaultSettings.forwardT);
    expect(bad.ignored).toHaveLength(2);
  });

  it('an empty hash gives the defaults with no notice', () => {
    expect(parseHash('', vocabulary)).toEqual({ settings: defaultSettings, ignored: [], passive: {} });
  });

  it('hide= lists controls by name and keeps the rest of the hash', () => {
    const parsed = parseHash('#hide=batch-size,sde,timeline&steps=10', vocabulary);
    expect(parsed.ignored).toEqual([]);
    expect(parsed.settings.hidden).toEqual(['Batch size', 'SDE', 'Timeline']);
    expect(parsed.settings.steps).toBe(10);
    expect(hideToken('Batch size')).toBe('batch-size');
  });

  it('hide=update-rule hides the Update rule panel (teacher mode)', () => {
    const parsed = parseHash('#hide=update-rule', vocabulary);
    expect(parsed.ignored).toEqual([]);
    expect(parsed.settings.hidden).toEqual(['Update rule']);
  });

  it('hide= with an unknown control is ignored as a whole and reported', () => {
    const parsed = parseHash('hide=sde,bogus', vocabulary);
    expect(parsed.settings.hidden).toEqual([]);
    expect(parsed.ignored).toEqual([
      '"hide=sde,bogus" is not allowed (hide a comma list of model, sampler, sde, steps, …)',
    ]);
  });

  it('a malformed hash gives defaults for the bad parts and says which parts were ignored', () => {
    const parsed = parseHash(
      '#steps=abc&batch=65&sde=vp&noequals&colour=red&sampler=nope&seed=12&%E0=1&pc.snr=9&pc.zz=1&x=%E0',
      vocabulary,
    );
    // No v: a link from before the Brownian tree, so step-keyed noise.
    expect(parsed.settings).toEqual({ ...defaultSettings, seed: 12, noise: 'step' });
    expect(parsed.ignored).toEqual([
      '"steps=abc" is not allowed (steps 1–1000, whole)',
      '"batch=65" is not allowed (batch 1–64, whole)',
      '"noequals" is not of the form name=value',
      '"colour" is not a setting',
      '"sampler=nope" is not allowed (sampler euler_maruyama, pc)',
      '"%E0" is not a setting',
      '"pc.snr=9" is outside what Target SNR allows (0.01–1)',
      '"pc.zz" is not a parameter of any sampler',
      '"x=%E0" is not valid URL encoding',
    ]);
  });

  it('rejects non-integers for integer settings and integer parameters', () => {
    const parsed = parseHash('steps=10.5&pc.n=1.5&class=none', vocabulary);
    expect(parsed.settings.steps).toBe(defaultSettings.steps);
    expect(parsed.settings.samplerParams).toEqual({});
    expect(parsed.settings.classLabel).toBeNull();
    expect(parsed.ignored).toHaveLength(2);
  });

  it('the ignored-link banner stays short: a count, the first few parts, values cut short', () => {
    const hash = Array.from({ length: 8000 }, (_, k) => `unknown${k}=${'v'.repeat(20)}`).join('&');
    const parsed = parseHash(`#steps=${'9'.repeat(5000)}&${hash}`, vocabulary);
    expect(parsed.ignored).toHaveLength(8001);
    const text = summariseIgnored(parsed.ignored);
    expect(text.length).toBeLessThan(400);
    expect(text).toMatch(
      /^8001 parts of the link were ignored: "steps=9{23}…" is not allowed \(steps 1–1000, whole\)/,
    );
    expect(text).toContain('"unknown0" is not a setting; "unknown1" is not a setting; and 7998 more.');
    expect(summariseIgnored(['"a" is not a setting'])).toMatch(/^1 part of the link was ignored: "a"/);
  });

  it('says what is allowed for a value out of range', () => {
    const parsed = parseHash('steps=5000&guidance=11&class=-1&denoise=2&pc.n=9', vocabulary);
    expect(parsed.ignored).toEqual([
      '"steps=5000" is not allowed (steps 1–1000, whole)',
      '"guidance=11" is not allowed (guidance 0–10)',
      '"class=-1" is not allowed (class none or 0–999)',
      '"denoise=2" is not allowed (denoise 0 or 1)',
      '"pc.n=9" is outside what Corrector steps allows (0–5, whole)',
    ]);
  });
});

describe('link versions: old links keep their pictures', () => {
  it('every link the page writes says v=2 (one Brownian path per seed)', () => {
    const hash = serialiseSettings(defaultSettings, vocabulary);
    expect(hash.startsWith('v=2&')).toBe(true);
    expect(parseHash(hash, vocabulary).settings.noise).toBe('brownian');
  });

  it('a link with settings but no v was made before the tree: step-keyed noise', () => {
    const { settings, ignored } = parseHash('#model=mnist&steps=50&seed=3', vocabulary);
    expect(ignored).toEqual([]);
    expect(settings.noise).toBe('step');
    expect(serialiseSettings(settings, vocabulary).startsWith('v=1&')).toBe(true);
  });

  it('the bare page and a lesson-only hash use the Brownian path', () => {
    expect(parseHash('', vocabulary).settings.noise).toBe('brownian');
    expect(parseHash('#lesson=forward&lstep=2', vocabulary).settings.noise).toBe('brownian');
  });

  it('v outside 1–2 is ignored with what is allowed, and the link counts as old', () => {
    const { settings, ignored } = parseHash('#v=3&steps=20', vocabulary);
    expect(ignored).toHaveLength(1);
    expect(ignored[0]).toMatch(/v.*1.*2/);
    expect(settings.noise).toBe('step');
  });
});

describe('links pasted into an open page (hashchange)', () => {
  it('lesson keys are not settings: parsed aside, never reported as ignored', () => {
    const parsed = parseHash('#steps=20&lesson=intro&lstep=3', vocabulary);
    expect(parsed.ignored).toEqual([]);
    expect(parsed.passive).toEqual({ lesson: 'intro', lstep: '3' });
    expect(parsed.settings.steps).toBe(20);
  });

  it('a hash that changes only lesson keys changes nothing else; any other part is a new link', () => {
    const current = `#${serialiseSettings(defaultSettings, vocabulary)}`;
    expect(linkChange(current, current)).toBe('none');
    expect(linkChange(current, `${current}&lesson=intro&lstep=1`)).toBe('passive');
    expect(linkChange(`${current}&lesson=intro&lstep=1`, `${current}&lesson=intro&lstep=2`)).toBe('passive');
    expect(linkChange(current, '#lesson=intro')).toBe('passive');
    expect(linkChange(current, current.replace('steps=100', 'steps=50'))).toBe('settings');
    expect(linkChange(current, '#model=mnist')).toBe('settings');
    // The same settings in another order are the same link.
    const reordered = `#${current.slice(1).split('&').reverse().join('&')}`;
    expect(linkChange(current, reordered)).toBe('none');
  });

  it('a drawing travels as data= only when there is one, and a bad one is named', () => {
    expect(serialiseSettings(defaultSettings, vocabulary)).not.toContain('data=');
    const hash = serialiseSettings(everythingChanged, vocabulary);
    expect(hash).toContain(`data=${everythingChanged.drawingData}`);
    const bad = parseHash('#data=AQ!!', vocabulary);
    expect(bad.settings.drawingData).toBe('');
    expect(bad.ignored[0]).toMatch(/"data=AQ!!" is not allowed \(data base64url of a drawing/);
  });
});

describe('compare mode in the link (issue 14)', () => {
  const panes = 'euler_maruyama:1000:vp:uniform:2,pc:10:ve:karras:0.5';

  it('compare= reads one pane per entry and writes it back unchanged, with advance', () => {
    const parsed = parseHash(`#v=2&compare=${panes}&advance=nfe`, vocabulary);
    expect(parsed.ignored).toEqual([]);
    expect(parsed.settings.compare).toEqual([
      { samplerId: 'euler_maruyama', steps: 1000, sde: 'vp', schedule: 'uniform', guidance: 2 },
      { samplerId: 'pc', steps: 10, sde: 've', schedule: 'karras', guidance: 0.5 },
    ]);
    expect(parsed.settings.advance).toBe('nfe');
    const hash = serialiseSettings(parsed.settings, vocabulary);
    expect(hash).toContain(`compare=${encodeURIComponent(panes)}`);
    expect(hash).toContain('advance=nfe');
    expect(parseHash(hash, vocabulary).settings).toEqual(parsed.settings);
  });

  it('outside compare mode neither compare= nor advance= is written', () => {
    const hash = serialiseSettings(defaultSettings, vocabulary);
    expect(hash).not.toContain('compare=');
    expect(hash).not.toContain('advance=');
  });

  it('a bad pane makes the whole key ignored, naming the pane and what is allowed', () => {
    const cases: [string, RegExp][] = [
      ['euler_maruyama:10:vp:uniform:2', /2–4 panes, not 1/],
      ['euler_maruyama:10:vp:uniform:2,nope:10:vp:uniform:2', /pane 2: no sampler "nope"/],
      ['euler_maruyama:0:vp:uniform:2,pc:10:vp:uniform:2', /pane 1: steps 1–1000/],
      ['euler_maruyama:10:vq:uniform:2,pc:10:vp:uniform:2', /pane 1: SDE vp, subvp, ve/],
      ['euler_maruyama:10:vp:cosine:2,pc:10:vp:uniform:2', /pane 1: schedule uniform, karras, logsnr/],
      ['euler_maruyama:10:vp:uniform:2,pc:10:vp:uniform:11', /pane 2: guidance 0–10/],
      ['euler_maruyama:10:vp:uniform,pc:10:vp:uniform:1', /pane 1 needs sampler:steps:sde:schedule:guidance/],
    ];
    for (const [value, why] of cases) {
      const parsed = parseHash(`#v=2&compare=${value}`, vocabulary);
      expect(parsed.settings.compare, value).toBeNull();
      expect(parsed.ignored, value).toHaveLength(1);
      expect(parsed.ignored[0], value).toMatch(why);
    }
  });
});
