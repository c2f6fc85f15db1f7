/**
 * `npm run train2d`: a network trained on a drawn ring of 8 Gaussians samples the ring (sliced W1
 * to fresh data within a bound of the floor) without memorising its points; its card survives
 * download and upload bit for bit and runs through `npm run sample`; bad input files are named.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSampleArgs } from '../../src/cli/args';
import { loadCard } from '../../src/cli/load-model';
import { main as sampleMain, sample } from '../../src/cli/sample';
import { main as trainMain, parseTrain2dArgs, train2d, type Train2dOutcome } from '../../src/cli/train2d';
import { parseCard } from '../../src/core/card';
import { denoiserForCard } from '../../src/core/denoiser';
import { measureQuality } from '../../src/core/mlp/quality';
import { TRAIN_DEFAULTS } from '../../src/core/mlp/trainer';
import { gaussianNoise } from '../../src/core/rng';
import { toyPoints } from '../../src/core/toy-data';
import { asSigma } from '../../src/core/types';

const dir = mkdtempSync(join(tmpdir(), 'train2d-'));
/** A drawing's worth of ring points, and half the default steps (CI time). */
const POINTS = 1500;
const TEST_STEPS = 3000;
/**
 * Looser than the contract's 2 at the default 6,000 steps (about 1.6, scripts/train2d-quality.ts;
 * about 2.0 at 3,000). A ring whose modes are not yet resolved scores far above it: 4.3 after 500
 * steps, when samples still bridge the gaps between the Gaussians.
 */
const RATIO_BOUND = 2.5;

function writePoints(name: string, points: Float32Array): string {
  const path = join(dir, name);
  const samples = Array.from({ length: points.length / 2 }, (_, k) => [points[2 * k], points[2 * k + 1]]);
  writeFileSync(path, JSON.stringify({ shape: [samples.length, 2], samples }));
  return path;
}

async function draw(card: string, n: number, out: string): Promise<Float32Array> {
  const args = parseSampleArgs([
    '--model',
    card,
    '--sampler',
    'ode_heun',
    '--steps',
    '200',
    '--n',
    `${n}`,
    '--seed',
    '7',
    '--out',
    out,
  ]);
  if (args === 'help') throw new Error('unexpected --help');
  await sample(args);
  return Float32Array.from((JSON.parse(readFileSync(out, 'utf8')) as { samples: number[][] }).samples.flat());
}

describe('train2d on a drawn ring of 8 Gaussians', () => {
  const training = toyPoints('eight_gaussians', POINTS, 11);
  const cardPath = join(dir, 'ring.json');
  let trained: Train2dOutcome;
  beforeAll(async () => {
    const pointsFile = writePoints('ring-points.json', training);
    const args = parseTrain2dArgs(['--data', pointsFile, '--out', cardPath, '--steps', `${TEST_STEPS}`]);
    if (args === 'help') throw new Error('unexpected --help');
    trained = await train2d(args);
  }, 600_000);

  it('samples the ring as closely as fresh data, within the bound, without memorising', async () => {
    const samples = await draw(cardPath, 2000, join(dir, 'ring-samples.json'));
    const fresh = Array.from({ length: 6 }, (_, k) => toyPoints('eight_gaussians', 2000, 1000 + k));
    const quality = measureQuality({ samples, training, fresh, dim: 2 });
    expect(quality.ratio).toBeLessThan(RATIO_BOUND);
    expect(quality.memorises).toBe(false);
  });

  it('round-trips through download and upload: the same card and bit-identical outputs', async () => {
    const { card } = trained;
    const uploaded = loadCard(cardPath).card;
    expect(JSON.parse(JSON.stringify(uploaded))).toEqual(JSON.parse(JSON.stringify(card)));
    const again = parseCard(JSON.parse(JSON.stringify(uploaded)), 'again.json');
    const x = gaussianNoise(3, 0, 0, 2 * 500);
    for (const sigma of [0.01, 0.3, 5].map(asSigma)) {
      const before = await denoiserForCard(card).denoise(x, sigma, 500);
      const after = await denoiserForCard(again).denoise(x, sigma, 500);
      expect(new Uint32Array(after.buffer)).toEqual(new Uint32Array(before.buffer));
    }
  });

  it('runs through npm run sample like any model (no ONNX file)', async () => {
    const out = join(dir, 'sampled.json');
    const argv = ['--model', cardPath, '--sampler', 'ode_heun', '--steps', '20', '--n', '3000', '--out', out];
    expect(await sampleMain(argv)).toBe(0);
    const record = JSON.parse(readFileSync(out, 'utf8')) as { shape: number[]; model: string };
    expect(record.shape).toEqual([3000, 2]);
    expect(record.model).toBe('ring');
  });
});

describe('train2d as a process', () => {
  function run(argv: string[]) {
    const done = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/train2d.ts', ...argv], {
      encoding: 'utf8',
    });
    return { status: done.status, stderr: done.stderr.trim() };
  }

  it('exits 2 naming the bad row of a CSV', () => {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'x,y\n0,1\n0.5;0.25\n1,two\n');
    const { status, stderr } = run(['--data', csv, '--out', join(dir, 'bad.json')]);
    expect(status).toBe(2);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/bad\.csv row 4 \("1,two"\) is not two numbers x,y/);
  });

  it('exits 2 on a missing --data or an --out that is not .json', async () => {
    expect(await trainMain(['--out', 'a.json'])).toBe(2);
    expect(await trainMain(['--data', 'a.csv', '--out', 'a.png'])).toBe(2);
    expect(() => parseTrain2dArgs(['--data', 'a.csv', '--out', 'a.json', '--steps', '0'])).toThrow(
      /--steps must be a whole number from 1/,
    );
  });

  it('defaults --steps and --seed to the trainer defaults and --id to the card file name', () => {
    const args = parseTrain2dArgs(['--data', 'my points.csv', '--out', join(dir, 'my ring.json')]);
    if (args === 'help') throw new Error('unexpected --help');
    expect(args.steps).toBe(TRAIN_DEFAULTS.steps);
    expect(args.seed).toBe(TRAIN_DEFAULTS.seed);
    expect(args.id).toBe('my_ring');
    expect(args.title).toBe('Trained on my points.csv');
  });
});
