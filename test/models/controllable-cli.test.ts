/**
 * The command-line contract of controllable generation (SDEdit, inpainting, encode/decode,
 * likelihood) on the exact ring8 mixture, then the MNIST network: known pixels kept exactly, the
 * round trip's error, and bits/dim of real digits against the same digits with their pixels shuffled.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseEncodeArgs,
  parseLikelihoodArgs,
  parseSampleArgs,
  type EncodeArgs,
  type LikelihoodArgs,
  type SampleArgs,
} from '../../src/cli/args';
import { encodeFile } from '../../src/cli/encode';
import { likelihoodFile, likelihoodMapFile } from '../../src/cli/likelihood';
import { encodePng } from '../../src/cli/png';
import { sample } from '../../src/cli/sample';
import { parseCard } from '../../src/core/card';
import { mixtureFromAnalytic, MixtureDenoiser, sampleMixture } from '../../src/core/mixture';
import { makeSde } from '../../src/core/sde';
import { mnistImages } from './real-data';

const dir = mkdtempSync(join(tmpdir(), 'controllable-cli-'));
const path = (name: string) => join(dir, name);

function parsed<A>(parse: (argv: string[]) => A | 'help', argv: string[]): A {
  const args = parse(argv);
  if (args === 'help') throw new Error('unexpected --help');
  return args;
}
const sampleArgs = (argv: string[]) => parsed<SampleArgs>(parseSampleArgs, argv);
const encodeArgs = (argv: string[]) => parsed<EncodeArgs>(parseEncodeArgs, argv);
const likelihoodArgs = (argv: string[]) => parsed<LikelihoodArgs>(parseLikelihoodArgs, argv);

interface Record {
  samples: number[][];
  shape: number[];
  nfe: number;
  [key: string]: unknown;
}
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record;
const writeJson = (file: string, value: unknown) => writeFileSync(file, JSON.stringify(value));

function run(script: string, argv: string[]) {
  const done = spawnSync(process.execPath, ['--import', 'tsx', script, ...argv], { encoding: 'utf8' });
  return { status: done.status, stderr: done.stderr.trim(), stdout: done.stdout.trim() };
}

const ring = parseCard(JSON.parse(readFileSync('models/ring8.json', 'utf8')), 'ring8');
const ringMixture = new MixtureDenoiser(mixtureFromAnalytic(ring.analytic!, 'ring8'));
/** Six significant digits, as `npm run sample` writes. */
const round = (v: number) => Number(v.toPrecision(6));

/** n exact ring8 points in the JSON format of `npm run sample`. */
function writePoints(file: string, n: number): string {
  const points = sampleMixture(ringMixture.mixture, n, 12);
  writeJson(file, {
    shape: [n, 2],
    range: [-3, 3],
    samples: Array.from({ length: n }, (_, k) => [round(points[2 * k]), round(points[2 * k + 1])]),
  });
  return file;
}
const pointsFile = writePoints(path('points.json'), 5);

describe('sample --init on ring8', () => {
  it('inpaints: one output per input in order, the known coordinate exact, --n ignored', async () => {
    const mask = path('mask-x.json');
    writeJson(mask, { samples: [[1, 0]] });
    const out = path('inpainted.json');
    const base = ['--model', 'ring8', '--sampler', 'pc', '--steps', '30', '--init', pointsFile];
    await sample(sampleArgs([...base, '--mask', mask, '--n', '64', '--out', out]));
    const rec = read(out);
    const input = read(pointsFile).samples;
    expect(rec.shape).toEqual([5, 2]);
    rec.samples.forEach((s, k) => {
      expect(s[0]).toBe(input[k][0]);
      expect(s[1]).not.toBe(input[k][1]);
    });
    expect(rec).toMatchObject({ resample: 0 });
  });

  it('SDEdit takes only the grid points below σ(t₀); a small t₀ stays near the input, a large one not', async () => {
    const many = writePoints(path('many-points.json'), 40);
    const input = read(many).samples;
    const edit = async (t0: string) => {
      const out = path(`sdedit-${t0}.json`);
      const base = ['--model', 'ring8', '--sampler', 'ode_euler', '--steps', '50', '--init', many];
      await sample(sampleArgs([...base, '--t0', t0, '--out', out]));
      const rec = read(out);
      const moved = rec.samples.map((s, k) => Math.hypot(s[0] - input[k][0], s[1] - input[k][1]));
      const radii = rec.samples.map((s) => Math.hypot(s[0], s[1]));
      return { rec, moved: moved.reduce((a, b) => a + b) / moved.length, radii };
    };
    const [small, large] = [await edit('0.1'), await edit('0.9')];
    // Uniform grid in t from 1 to 0.001: the points below t = 0.1 are the last 5, below 0.9 the last 45.
    expect([small.rec.nfe, large.rec.nfe]).toEqual([5, 45]);
    expect(small.rec.t0).toBe(0.1);
    // Both end on the ring (radius 2, component std 0.1); the small t₀ moves points far less.
    for (const r of [...small.radii, ...large.radii]) expect(Math.abs(r - 2)).toBeLessThan(0.5);
    expect(small.moved).toBeLessThan(0.3);
    expect(large.moved).toBeGreaterThan(3 * small.moved);
  });

  it('refuses what does not fit together, naming the flag', async () => {
    expect(() =>
      sampleArgs(['--model', 'ring8', '--sampler', 'pc', '--mask', 'm.json', '--out', 'x.json']),
    ).toThrow(/--mask needs --init/);
    expect(() =>
      sampleArgs(['--model', 'ring8', '--sampler', 'pc', '--t0', '0.5', '--out', 'x.json']),
    ).toThrow(/--t0 needs --init/);
    const bare = ['--model', 'ring8', '--sampler', 'pc', '--init', pointsFile, '--out', path('no.json')];
    await expect(sample(sampleArgs(bare))).rejects.toThrow(/--init needs --t0 .* or --mask/);
    const twoMasks = path('two-masks.json');
    writeJson(twoMasks, {
      samples: [
        [1, 0],
        [0, 1],
      ],
    });
    await expect(sample(sampleArgs([...bare, '--mask', twoMasks]))).rejects.toThrow(/2 masks for 5 inputs/);
  });
});

describe('encode, decode and likelihood on ring8', () => {
  it('writes {model, sde, eps, shape, samples}; decoding returns the points; another SDE is refused', async () => {
    const latents = path('latents.json');
    await encodeFile(encodeArgs(['--model', 'ring8', '--in', pointsFile, '--out', latents]));
    const lat = read(latents);
    expect(Object.keys(lat).slice(0, 5)).toEqual(['model', 'sde', 'eps', 'shape', 'samples']);
    expect(lat).toMatchObject({ model: 'ring8', sde: 'vp', eps: 0.001, shape: [5, 2] });
    const decoded = path('decoded.json');
    const tight = ['--param', 'rtol=1e-5', '--param', 'atol=1e-5'];
    await sample(
      sampleArgs([
        '--model',
        'ring8',
        '--latents',
        latents,
        '--sampler',
        'ode_rk45',
        ...tight,
        '--out',
        decoded,
      ]),
    );
    const input = read(pointsFile).samples;
    read(decoded).samples.forEach((s, k) =>
      s.forEach((v, j) => expect(Math.abs(v - input[k][j])).toBeLessThan(1e-3)),
    );
    const refused = run('src/cli/sample.ts', [
      ...['--model', 'ring8', '--latents', latents, '--sampler', 'ode_rk45', '--sde', 've'],
      ...['--out', path('x.json')],
    ]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/encoded under the vp SDE, not ve; decode it with --sde vp/);
    await expect(
      sample(
        sampleArgs([
          '--model',
          'anisotropic3',
          '--latents',
          latents,
          '--sampler',
          'ode_rk45',
          '--out',
          decoded,
        ]),
      ),
    ).rejects.toThrow(/encoded by model "ring8", not "anisotropic3"/);
  });

  it('--slerp F writes F latents from the first input to the second; decoding returns both ends', async () => {
    const [ends, path8] = [path('ends.json'), path('slerp.json')];
    await encodeFile(encodeArgs(['--model', 'ring8', '--in', pointsFile, '--out', ends]));
    await encodeFile(encodeArgs(['--model', 'ring8', '--in', pointsFile, '--slerp', '8', '--out', path8]));
    const [z, frames] = [read(ends).samples, read(path8)];
    expect(frames).toMatchObject({ shape: [8, 2], slerp: { frames: 8, from: 0, to: 1 } });
    frames.samples[0].forEach((v, j) => expect(v).toBeCloseTo(z[0][j], 5));
    frames.samples[7].forEach((v, j) => expect(v).toBeCloseTo(z[1][j], 5));
    const decoded = path('slerp-decoded.json');
    const tight = ['--param', 'rtol=1e-5', '--param', 'atol=1e-5'];
    await sample(
      sampleArgs([
        '--model',
        'ring8',
        '--latents',
        path8,
        '--sampler',
        'ode_rk45',
        ...tight,
        '--out',
        decoded,
      ]),
    );
    const [input, out] = [read(pointsFile).samples, read(decoded).samples];
    expect(out).toHaveLength(8);
    out[0].forEach((v, j) => expect(Math.abs(v - input[0][j])).toBeLessThan(1e-3));
    out[7].forEach((v, j) => expect(Math.abs(v - input[1][j])).toBeLessThan(1e-3));
    expect(() =>
      parseEncodeArgs(['--model', 'ring8', '--grid', '3', '--slerp', '4', '--out', path('no.json')]),
    ).toThrow(/--slerp interpolates between two inputs/);
  });

  it('--grid N encodes the flow map: N + N lines of 4(N − 1) + 1 points and their latents', async () => {
    const flow = path('flow.json');
    await encodeFile(encodeArgs(['--model', 'ring8', '--grid', '3', '--out', flow]));
    const record = read(flow);
    expect(record).toMatchObject({ shape: [54, 2], grid: { lines: 3, perLine: 9, bounds: [-3, 3] } });
    const points = record.points as number[][];
    expect(points).toHaveLength(54);
    // Line 1 is the vertical line x = 0 from y = −3 to 3; the corner (−3, −3) starts line 0.
    expect(points[9]).toEqual([0, -3]);
    expect(points[17]).toEqual([0, 3]);
    expect(points[0]).toEqual([-3, -3]);
    // By symmetry, ring8's flow keeps the axes: (0, y) encodes to (0, z) with z of y's sign.
    for (const k of [10, 12, 14, 16]) {
      expect(Math.abs(record.samples[k][0])).toBeLessThan(1e-6);
      expect(Math.sign(record.samples[k][1])).toBe(Math.sign(points[k][1]));
    }
    const refused = run('src/cli/encode.ts', ['--model', 'mnist', '--grid', '3', '--out', path('f.json')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--grid makes a 2D flow map, and "mnist" is an image model/);
  });

  it('gives −log p of each point, exact divergence, within 0.02 nats of the closed form', async () => {
    const record = await likelihoodFile(
      likelihoodArgs(['--model', 'ring8', '--in', pointsFile, '--out', path('ll.json')]),
    );
    expect(record).toMatchObject({ model: 'ring8', probes: 0, divergence: 'exact' });
    expect(record.bpd).toBeUndefined();
    const sde = makeSde({ kind: 'vp' });
    const scale = sde.scale(sde.tEnd);
    const input = Float32Array.from(read(pointsFile).samples.flat());
    const exact = ringMixture.logDensity(
      input.map((v) => v / scale),
      sde.sigma(sde.tEnd),
      5,
    );
    record.nll_nats.forEach((nll, k) =>
      expect(Math.abs(nll + exact[k] - 2 * Math.log(scale))).toBeLessThan(0.02),
    );
  });

  it('--grid N writes a log-density map beside the exact one; --in with --grid is refused', async () => {
    const args = likelihoodArgs(['--model', 'ring8', '--grid', '4', '--out', path('map.json')]);
    const map = await likelihoodMapFile({ ...args, grid: 4 });
    expect(map).toMatchObject({ model: 'ring8', grid: 4, bounds: [-3, 3], divergence: 'exact', probes: 0 });
    expect(map.logp).toHaveLength(16);
    expect(map.logp_exact).toHaveLength(16);
    expect(map.max_abs_gap).toBeLessThan(0.02);
    expect(() =>
      parseLikelihoodArgs(['--model', 'ring8', '--grid', '4', '--in', pointsFile, '--out', path('m.json')]),
    ).toThrow(/--in or --grid, not both/);
  });
});

describe('MNIST through the CLI', () => {
  const digits = mnistImages(1).slice(0, 2);
  const digitsFile = path('digits.json');
  writeJson(digitsFile, {
    shape: [2, 1, 28, 28],
    range: [-1, 1],
    samples: digits.map((d) => Array.from(d, round)),
  });

  it('inpainting from a PNG mask (white = known) keeps every known pixel exactly', async () => {
    // Top half known: white rows 0–13.
    const maskPng = path('top.png');
    const pixels = Uint8Array.from({ length: 784 }, (_, p) => (p < 392 ? 255 : 0));
    writeFileSync(maskPng, encodePng({ width: 28, height: 28, channels: 1, pixels }));
    const out = path('mnist-inpainted.json');
    const base = ['--model', 'mnist', '--sampler', 'euler_maruyama', '--steps', '20', '--denoise-final'];
    await sample(
      sampleArgs([...base, '--init', digitsFile, '--mask', maskPng, '--resample', '1', '--out', out]),
    );
    const rec = read(out);
    const input = read(digitsFile).samples;
    expect(rec.shape).toEqual([2, 1, 28, 28]);
    rec.samples.forEach((s, k) => {
      for (let p = 0; p < 392; p++) expect(s[p]).toBe(input[k][p]);
      expect(s.slice(392).some((v, p) => v !== input[k][392 + p])).toBe(true);
    });
  });

  it('encode → decode: the round trip returns the digits (RMSE reported)', async () => {
    const latents = path('mnist-latents.json');
    const tol = ['--param', 'rtol=1e-4', '--param', 'atol=1e-4'];
    await encodeFile(encodeArgs(['--model', 'mnist', '--in', digitsFile, ...tol, '--out', latents]));
    const decoded = path('mnist-decoded.json');
    await sample(
      sampleArgs([
        '--model',
        'mnist',
        '--latents',
        latents,
        '--sampler',
        'ode_rk45',
        ...tol,
        '--out',
        decoded,
      ]),
    );
    const input = read(digitsFile).samples.flat();
    const output = read(decoded).samples.flat();
    const rmse = Math.sqrt(output.reduce((s, v, e) => s + (v - input[e]) ** 2, 0) / output.length);
    console.log(`MNIST round-trip RMSE (rtol 1e-4, 2 digits): ${rmse.toExponential(2)}`);
    expect(rmse).toBeLessThan(0.02);
    // Latents are on the prior's unit scale (x_T, not x̃ at σmax ≈ 150); real digits land at a
    // per-element second moment of about 0.67, inside the prior's bulk.
    const z = read(latents).samples.flat();
    const secondMoment = z.reduce((s, v) => s + v * v, 0) / z.length;
    expect(secondMoment).toBeGreaterThan(0.3);
    expect(secondMoment).toBeLessThan(2);
  });

  it('bits/dim of real digits are well below those of the same digits with their pixels shuffled', async () => {
    const shuffledFile = path('shuffled.json');
    const order = Array.from({ length: 784 }, (_, p) => (p * 389) % 784); // 389 is prime to 784
    writeJson(shuffledFile, {
      shape: [2, 1, 28, 28],
      samples: digits.map((d) => order.map((p) => round(d[p]))),
    });
    const common = [
      '--model',
      'mnist',
      '--param',
      'rtol=1e-3',
      '--param',
      'atol=1e-3',
      '--out',
      path('bpd.json'),
    ];
    const real = await likelihoodFile(likelihoodArgs(['--in', digitsFile, ...common]));
    const shuffled = await likelihoodFile(likelihoodArgs(['--in', shuffledFile, ...common]));
    console.log(`MNIST bits/dim: real ${real.bpd?.join(', ')}; shuffled ${shuffled.bpd?.join(', ')}`);
    expect(real.bpd).toHaveLength(2);
    for (let k = 0; k < 2; k++) {
      expect(real.bpd![k]).toBeGreaterThan(0.3);
      expect(real.bpd![k]).toBeLessThan(4);
      expect(shuffled.bpd![k]).toBeGreaterThan(real.bpd![k] + 3);
    }
    expect(real.nfe % 3).toBe(0); // 1 + 2 evaluations per function evaluation with one probe
  });
});
