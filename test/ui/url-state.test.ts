import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../../src/core/types';
import { defaultSettings, type Settings } from '../../src/ui/state/settings';
import {
  hideToken,
  parseHash,
  serialiseSettings,
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
  view: { scoreField: false, trajectories: true, denoisedPoints: false },
  hidden: ['Batch size', 'SDE'],
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
    expect(parseHash(hash, vocabulary)).toEqual({ settings: defaultSettings, ignored: [] });
  });

  it('an empty hash gives the defaults with no notice', () => {
    expect(parseHash('', vocabulary)).toEqual({ settings: defaultSettings, ignored: [] });
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
    expect(parsed.ignored).toEqual(['"hide=sde,bogus" is not an allowed value']);
  });

  it('a malformed hash gives defaults for the bad parts and says which parts were ignored', () => {
    const parsed = parseHash(
      '#steps=abc&batch=65&sde=vp&noequals&colour=red&sampler=nope&seed=12&%E0=1&pc.snr=9&pc.zz=1&x=%E0',
      vocabulary,
    );
    expect(parsed.settings).toEqual({ ...defaultSettings, seed: 12 });
    expect(parsed.ignored).toEqual([
      '"steps=abc" is not an allowed value',
      '"batch=65" is not an allowed value',
      '"noequals" is not of the form name=value',
      '"colour" is not a setting',
      '"sampler=nope" is not an allowed value',
      '"%E0" is not a setting',
      '"pc.snr=9" is outside what Target SNR allows',
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
});
