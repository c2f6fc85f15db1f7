import { describe, expect, it } from 'vitest';
import { parseParam, parseSampleArgs, UsageError } from '../../src/cli/args';

const base = ['--model', 'ring8', '--sampler', 'euler_maruyama', '--out', 'x.json'];

function usageMessage(argv: string[]): string {
  try {
    parseSampleArgs(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('parseSampleArgs', () => {
  it('reads every flag, in either --flag value or --flag=value form', () => {
    const args = parseSampleArgs([
      ...base,
      '--sde=ve',
      '--steps',
      '25',
      '--schedule',
      'karras',
      '--seed',
      '7',
      '--n',
      '80',
      '--class',
      'all',
      '--guidance',
      '2.5',
      '--param',
      'snr=0.16',
      '--param',
      'predictor=reverse_diffusion',
      '--denoise-final',
    ]);
    expect(args).toEqual({
      model: 'ring8',
      sampler: 'euler_maruyama',
      sde: 've',
      steps: 25,
      schedule: 'karras',
      seed: 7,
      n: 80,
      classLabel: 'all',
      guidance: 2.5,
      params: { snr: 0.16, predictor: 'reverse_diffusion' },
      denoiseFinal: true,
      progress: false,
      out: 'x.json',
      format: 'json',
      nGiven: true,
    });
  });

  it('leaves the SDE and class unset when not given, and picks the format from --out', () => {
    const args = parseSampleArgs(['--model', 'm', '--sampler', 's', '--out', 'grid.PNG']);
    expect(args).not.toBe('help');
    if (args === 'help') return;
    expect([args.sde, args.classLabel, args.format, args.denoiseFinal]).toEqual([
      undefined,
      undefined,
      'png',
      false,
    ]);
  });

  it('names the flag and the allowed values in every error', () => {
    expect(usageMessage([...base, '--frobnicate'])).toMatch(/unknown argument "--frobnicate".*--model/);
    expect(usageMessage([...base, '--sde', 'bogus'])).toBe('--sde must be one of vp, subvp, ve, got "bogus"');
    expect(usageMessage([...base, '--schedule', 'cosine'])).toMatch(
      /--schedule must be one of uniform, karras, logsnr/,
    );
    expect(usageMessage([...base, '--steps', '0'])).toMatch(/--steps must be an integer from 1 to/);
    expect(usageMessage([...base, '--steps', '2.5'])).toMatch(/--steps must be an integer/);
    expect(usageMessage([...base, '--n', 'many'])).toMatch(/--n must be an integer from 1 to/);
    expect(usageMessage([...base, '--seed', '-1'])).toMatch(/--seed must be an integer from 0 to 4294967295/);
    expect(usageMessage([...base, '--guidance', '-1'])).toMatch(/--guidance must be a number from 0 to/);
    expect(usageMessage([...base, '--class', 'seven'])).toMatch(/--class must be an integer/);
    expect(usageMessage([...base, '--param', 'snr'])).toMatch(/--param must look like name=value/);
    expect(usageMessage(['--model', 'm', '--sampler', 's', '--out', 'x.gif'])).toMatch(
      /--out must end in .png or .json/,
    );
    expect(usageMessage(['--sampler', 's', '--out', 'x.png'])).toMatch(/--model is required/);
    expect(usageMessage([...base, '--steps'])).toBe('--steps needs a value');
    expect(usageMessage([...base, '--seed', '1', '--seed', '2'])).toMatch(/--seed was given 2 times/);
  });

  it('reads --compare entries, --sweep-steps and --noise; --compare makes --sampler optional', () => {
    const args = parseSampleArgs([
      '--model',
      'm',
      '--out',
      'x.png',
      '--compare',
      'ddim,ode_heun:30,pc:50:ve,euler_maruyama:20::karras:2.5,dpmpp_2m::subvp',
      '--noise',
      'step',
    ]);
    expect(args).toMatchObject({
      sampler: 'ddim',
      noise: 'step',
      compare: [
        { sampler: 'ddim' },
        { sampler: 'ode_heun', steps: 30 },
        { sampler: 'pc', steps: 50, sde: 've' },
        { sampler: 'euler_maruyama', steps: 20, schedule: 'karras', guidance: 2.5 },
        { sampler: 'dpmpp_2m', sde: 'subvp' },
      ],
    });
    expect(parseSampleArgs([...base, '--sweep-steps', '10,20,50'])).toMatchObject({
      sweepSteps: [10, 20, 50],
    });
    expect(parseSampleArgs(base)).not.toHaveProperty('noise');
  });

  it('names the field and the allowed values in --compare, --sweep-steps and --noise errors', () => {
    expect(usageMessage([...base, '--compare', 'ddim:0'])).toMatch(/--compare must be an integer from 1/);
    expect(usageMessage([...base, '--compare', 'ddim::xx'])).toMatch(
      /--compare must be one of vp, subvp, ve/,
    );
    expect(usageMessage([...base, '--compare', 'ddim:1:vp:uniform:2:9'])).toMatch(
      /SAMPLER\[:steps\[:sde\[:schedule\[:guidance\]\]\]\]/,
    );
    expect(usageMessage([...base, '--compare', 'a,,b'])).toMatch(/1 to 8 comma-separated entries/);
    expect(usageMessage([...base, '--sweep-steps', '10,x'])).toMatch(/--sweep-steps must be an integer/);
    expect(usageMessage([...base, '--compare', 'ddim', '--sweep-steps', '10'])).toMatch(/cannot be combined/);
    expect(usageMessage([...base, '--noise', 'tree'])).toMatch(/--noise must be one of brownian, step/);
    expect(usageMessage(['--model', 'm', '--out', 'x.png'])).toMatch(/--sampler is required/);
  });

  it('returns "help" for --help', () => {
    expect(parseSampleArgs(['--help'])).toBe('help');
  });
});

describe('parseParam', () => {
  it('types numbers and booleans, keeps other text', () => {
    expect(parseParam('eta=0')).toEqual(['eta', 0]);
    expect(parseParam('denoise=true')).toEqual(['denoise', true]);
    expect(parseParam('corrector=langevin')).toEqual(['corrector', 'langevin']);
  });
});
