/**
 * `npm run sample`: exit codes and one-line messages (spawned, as a user runs it), and the JSON and
 * PNG it writes (in-process), checked against what the model and the flags say they must be.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSampleArgs, type SampleArgs } from '../../src/cli/args';
import { sample } from '../../src/cli/sample';

const dir = mkdtempSync(join(tmpdir(), 'sample-cli-'));

function run(argv: string[]): { status: number | null; stderr: string; stdout: string } {
  const done = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/sample.ts', ...argv], {
    encoding: 'utf8',
  });
  return { status: done.status, stderr: done.stderr.trim(), stdout: done.stdout.trim() };
}

function args(argv: string[]): SampleArgs {
  const parsed = parseSampleArgs(argv);
  if (parsed === 'help') throw new Error('unexpected --help');
  return parsed;
}

interface Record {
  model: string;
  sampler: string;
  sde: string;
  steps: number;
  seed: number;
  nfe: number;
  shape: number[];
  range: number[];
  labels?: number[];
  samples: number[][];
}

const readRecord = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record;

describe('sample CLI as a process', () => {
  it('exits 2 with one line naming the flag and the allowed values on a bad flag value', () => {
    const { status, stderr } = run([
      '--model',
      'ring8',
      '--sampler',
      'euler_maruyama',
      '--sde',
      'xx',
      '--out',
      'a.json',
    ]);
    expect(status).toBe(2);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/--sde must be one of vp, subvp, ve, got "xx"/);
  });

  it('exits 2 on an unknown model, listing the manifest ids', () => {
    const { status, stderr } = run(['--model', 'nosuch', '--sampler', 'pc', '--out', join(dir, 'a.json')]);
    expect(status).toBe(2);
    expect(stderr).toMatch(/--model "nosuch" is not in models\/manifest.json; choose one of .*ring8/);
  });

  it('exits 0 and writes the file on a good command', () => {
    const out = join(dir, 'ok.json');
    const { status, stdout } = run([
      '--model',
      'ring8',
      '--sampler',
      'ddim',
      '--steps',
      '5',
      '--n',
      '3',
      '--out',
      out,
    ]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/wrote .*ok\.json/);
    expect(readRecord(out).samples).toHaveLength(3);
  });
});

describe('sample output', () => {
  it('writes the JSON record with exactly the documented keys, and samples from the model', async () => {
    const out = join(dir, 'ring8.json');
    await sample(
      args([
        '--model',
        'ring8',
        '--sampler',
        'euler_maruyama',
        '--steps',
        '200',
        '--n',
        '400',
        '--seed',
        '3',
        '--out',
        out,
      ]),
    );
    const rec = readRecord(out);
    expect(Object.keys(rec)).toEqual([
      'model',
      'sampler',
      'sde',
      'steps',
      'seed',
      'nfe',
      'shape',
      'range',
      'samples',
    ]);
    expect(rec).toMatchObject({
      model: 'ring8',
      sampler: 'euler_maruyama',
      sde: 'vp',
      steps: 200,
      seed: 3,
      nfe: 200,
    });
    expect(rec.shape).toEqual([400, 2]);
    expect(rec.samples.every((s) => s.length === 2)).toBe(true);
    // ring8: eight Gaussians of std 0.1 on the circle of radius 2, so radii concentrate at 2.
    const radii = rec.samples.map(([x, y]) => Math.hypot(x, y));
    const meanRadius = radii.reduce((a, b) => a + b, 0) / radii.length;
    expect(Math.abs(meanRadius - 2)).toBeLessThan(0.05);
    expect(radii.filter((r) => Math.abs(r - 2) > 0.5).length).toBeLessThan(8);
  });

  it('is reproducible: the same seed gives the same samples, another seed different ones', async () => {
    const base = ['--model', 'ring8', '--sampler', 'pc', '--steps', '10', '--n', '5'];
    const paths = ['a', 'b', 'c'].map((k) => join(dir, `seed-${k}.json`));
    await sample(args([...base, '--seed', '1', '--out', paths[0]]));
    await sample(args([...base, '--seed', '1', '--out', paths[1]]));
    await sample(args([...base, '--seed', '2', '--out', paths[2]]));
    const [a, b, c] = paths.map((p) => readRecord(p).samples);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('draws a 512×512 RGB scatter plot PNG for points', async () => {
    const out = join(dir, 'ring8.png');
    await sample(
      args(['--model', 'ring8', '--sampler', 'ode_euler', '--steps', '10', '--n', '50', '--out', out]),
    );
    const png = readFileSync(out);
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect([png.readUInt32BE(16), png.readUInt32BE(20), png[25]]).toEqual([512, 512, 2]);
  });

  it('lays out --class all as one row per class, and records the asked labels', async () => {
    // test/fixtures/tiny.json: an 8×8 network with 3 classes (random weights).
    const base = [
      '--model',
      'test/fixtures/tiny.json',
      '--sampler',
      'ddim',
      '--steps',
      '4',
      '--class',
      'all',
    ];
    const png = join(dir, 'tiny.png');
    await sample(args([...base, '--n', '6', '--guidance', '2', '--out', png]));
    const bytes = readFileSync(png);
    // 3 rows × 2 columns of 8-px tiles with 1-px gaps = 19 × 28, enlarged 7× (tiles ≥ 56 px).
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20), bytes[25]]).toEqual([19 * 7, 28 * 7, 0]);
    const json = join(dir, 'tiny.json');
    await sample(args([...base, '--n', '6', '--out', json]));
    const rec = readRecord(json);
    expect(rec.labels).toEqual([0, 0, 1, 1, 2, 2]);
    expect(rec.shape).toEqual([6, 1, 8, 8]);
    expect(rec.samples.flat().every((v) => v >= -1 && v <= 1)).toBe(true);
  });

  it('rejects flags the model or sampler cannot take, naming the allowed values', async () => {
    const ring = ['--model', 'ring8', '--out', join(dir, 'x.json')];
    await expect(sample(args([...ring, '--sampler', 'pc', '--class', '1']))).rejects.toThrow(
      /model "ring8" has no classes/,
    );
    await expect(sample(args([...ring, '--sampler', 'pc', '--param', 'snr=5']))).rejects.toThrow(
      /--param snr \(sampler pc\) must be a number from 0.01 to 1/,
    );
    await expect(sample(args([...ring, '--sampler', 'ddim', '--param', 'bogus=1']))).rejects.toThrow(
      /sampler ddim has no such parameter; its parameters are eta/,
    );
    const tiny = ['--model', 'test/fixtures/tiny.json', '--sampler', 'ddim', '--out', join(dir, 'y.json')];
    await expect(sample(args([...tiny, '--class', '3']))).rejects.toThrow(
      /--class must be from 0 to 2 or all/,
    );
    await expect(sample(args([...tiny, '--class', 'all', '--n', '4']))).rejects.toThrow(
      /--n must be a multiple of 3/,
    );
    await expect(sample(args([...tiny, '--guidance', '2']))).rejects.toThrow(/--guidance needs --class/);
  });
});

describe('sample --compare, --sweep-steps and --noise', () => {
  const samplesOf = (path: string) => readRecord(path).samples;

  it('writes one file per pane, each the same samples as that pane run alone', async () => {
    const out = join(dir, 'cmp.json');
    const shared = ['--model', 'ring8', '--n', '40', '--seed', '4'];
    const outcome = await sample(
      args([
        ...shared,
        '--steps',
        '12',
        '--compare',
        'euler_maruyama:20,ode_heun::ve,ddim:8::karras',
        '--out',
        out,
      ]),
    );
    const files = ['euler_maruyama-20', 'ode_heun-12', 'ddim-8'].map((s) => join(dir, `cmp-${s}.json`));
    expect(outcome.panes.map((pane) => pane.out)).toEqual(files);
    const alone = [
      ['--sampler', 'euler_maruyama', '--steps', '20'],
      ['--sampler', 'ode_heun', '--sde', 've', '--steps', '12'],
      ['--sampler', 'ddim', '--steps', '8', '--schedule', 'karras'],
    ];
    for (const [k, flags] of alone.entries()) {
      const single = join(dir, `alone-${k}.json`);
      await sample(args([...shared, ...flags, '--out', single]));
      const { samples, ...head } = readRecord(files[k]);
      const { samples: want, ...wantHead } = readRecord(single);
      expect(head).toEqual(wantHead);
      expect(samples).toEqual(want);
    }
  });

  it('shares network calls across panes with per-pane guidance (ONNX), each pane as if alone', async () => {
    const tiny = ['--model', 'test/fixtures/tiny.json', '--class', 'all', '--n', '6'];
    const out = join(dir, 'tiny-cmp.json');
    const outcome = await sample(
      args([...tiny, '--steps', '6', '--compare', 'ddim::::2,euler_maruyama::::0,ode_heun:3', '--out', out]),
    );
    // ddim 6 and euler 6, heun 3 steps of 2 evaluations: 18 calls alone.
    expect(outcome.nfe).toBe(6 + 6 + 2 * 3);
    expect(outcome.calls).toBeLessThan(outcome.nfe);
    const alone = [
      ['--sampler', 'ddim', '--guidance', '2', '--steps', '6'],
      ['--sampler', 'euler_maruyama', '--guidance', '0', '--steps', '6'],
      ['--sampler', 'ode_heun', '--steps', '3'],
    ];
    for (const [k, flags] of alone.entries()) {
      const single = join(dir, `tiny-alone-${k}.json`);
      await sample(args([...tiny, ...flags, '--out', single]));
      expect(samplesOf(outcome.panes[k].out)).toEqual(samplesOf(single));
    }
  });

  it('sweeps step counts of one seed: SDE endpoints close in on the finest as the grid refines', async () => {
    const out = join(dir, 'sweep.json');
    const base = ['--model', 'ring8', '--sampler', 'euler_maruyama', '--n', '200', '--sde', 've'];
    await sample(args([...base, '--sweep-steps', '10,40,160,640', '--out', out]));
    const ends = [10, 40, 160, 640].map((n) => samplesOf(join(dir, `sweep-euler_maruyama-${n}.json`)));
    const finest = ends[3];
    const median = (x: number[][]) =>
      x.map(([a, b], k) => Math.hypot(a - finest[k][0], b - finest[k][1])).sort((p, q) => p - q)[100];
    const distances = ends.slice(0, 3).map(median);
    expect(distances[1]).toBeLessThan(distances[0]);
    expect(distances[2]).toBeLessThan(distances[1]);
  });

  it('--noise step gives the old step-keyed noise: another SDE sample, the same ODE sample', async () => {
    const base = ['--model', 'ring8', '--n', '20', '--steps', '30'];
    const path = (name: string) => join(dir, `noise-${name}.json`);
    await sample(args([...base, '--sampler', 'euler_maruyama', '--out', path('em-tree')]));
    await sample(args([...base, '--sampler', 'euler_maruyama', '--noise', 'step', '--out', path('em-step')]));
    await sample(args([...base, '--sampler', 'ode_euler', '--out', path('ode-tree')]));
    await sample(args([...base, '--sampler', 'ode_euler', '--noise', 'step', '--out', path('ode-step')]));
    expect(samplesOf(path('em-step'))).not.toEqual(samplesOf(path('em-tree')));
    expect(samplesOf(path('ode-step'))).toEqual(samplesOf(path('ode-tree')));
  });

  it('rejects a --param no pane can take and guidance without a class', async () => {
    const ring = ['--model', 'ring8', '--out', join(dir, 'z.json')];
    await expect(
      sample(args([...ring, '--compare', 'ddim,ode_euler', '--param', 'snr=0.1'])),
    ).rejects.toThrow(/--param snr: none of the samplers ddim, ode_euler has it/);
    await expect(sample(args([...ring, '--compare', 'ddim::::2']))).rejects.toThrow(
      /--guidance needs --class/,
    );
  });
});
