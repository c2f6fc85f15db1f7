/**
 * Quality of a learned 2D toy against an analytic card with the same distribution:
 *
 *   npx tsx src/cli/toy-quality.ts --model toy_eight_gaussians --reference ring8 [--write-card]
 *
 * Reports the sliced Wasserstein-2 distance (Rabin et al. 2011) between n samples of the model and n
 * exact samples of the mixture, divided by the floor: the same distance between two independent
 * exact sample sets of size n. A ratio near 1 means the model is as close as sampling noise allows.
 * The analytic card sampled with the same sampler gives the sampler's own share of the ratio.
 *
 * Toys without an analytic card are measured against fresh sets from their training generator
 * (models/train/data.py `toy_points`, drawn by models/train/toy_reference.py):
 *
 *   npx tsx src/cli/toy-quality.ts --model toy_checkerboard --data checkerboard [--write-card]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mixtureFromAnalytic, sampleMixture, type GaussianMixture } from '../core/mixture';
import { slicedWasserstein2 } from '../core/stats';
import { parseSampleArgs } from './args';
import { loadCard } from './load-model';
import { sample } from './sample';

const REFERENCE_SETS = 5;
/** Debian's interpreter, where numpy lives (models/train/README.md). */
const PYTHON = '/usr/bin/python3';
const TOY_REFERENCE_SCRIPT = fileURLToPath(new URL('../../models/train/toy_reference.py', import.meta.url));
/** Seed of the fresh data sets: any value but the training stream's (0) keeps them unseen in training. */
const DATA_SEED = 1000;

interface SamplingOptions {
  model: string;
  n: number;
  sampler: string;
  steps: number;
}

interface ToyQualityOptions extends SamplingOptions {
  reference: string;
}

interface ToyDataQualityOptions extends SamplingOptions {
  /** Generator name in models/train/data.py `toy_points` (two_moons, swiss_roll, checkerboard, …). */
  data: string;
}

/** Samples of a card (flat, n × 2) drawn by the CLI itself. */
async function drawSamples(model: string, opts: SamplingOptions, seed: number): Promise<Float32Array> {
  const out = join(mkdtempSync(join(tmpdir(), 'toy-quality-')), 'samples.json');
  const argv = ['--model', model, '--sampler', opts.sampler, '--steps', `${opts.steps}`, '--n', `${opts.n}`];
  const args = parseSampleArgs([...argv, '--seed', `${seed}`, '--out', out]);
  if (args === 'help') throw new Error('unreachable');
  await sample(args);
  return Float32Array.from((JSON.parse(readFileSync(out, 'utf8')) as { samples: number[][] }).samples.flat());
}

/** Mean sliced W2 from `points` to REFERENCE_SETS independent exact sample sets. */
function distanceToExact(points: Float32Array, mix: GaussianMixture, n: number): number {
  let total = 0;
  for (let k = 0; k < REFERENCE_SETS; k++) {
    total += slicedWasserstein2(points, n, sampleMixture(mix, n, 1000 + k), n, mix.dim);
  }
  return total / REFERENCE_SETS;
}

export async function toyQuality(opts: ToyQualityOptions) {
  const { card } = loadCard(opts.reference);
  if (!card.analytic) throw new Error(`--reference ${opts.reference} is not an analytic card`);
  const mix = mixtureFromAnalytic(card.analytic, opts.reference);
  let floor = 0;
  for (let k = 0; k < REFERENCE_SETS; k++) {
    floor += slicedWasserstein2(
      sampleMixture(mix, opts.n, 2000 + k),
      opts.n,
      sampleMixture(mix, opts.n, 1000 + k),
      opts.n,
      2,
    );
  }
  floor /= REFERENCE_SETS;
  const learned = distanceToExact(await drawSamples(opts.model, opts, 7), mix, opts.n);
  const exactDenoiser = distanceToExact(await drawSamples(opts.reference, opts, 7), mix, opts.n);
  return {
    metric: `sliced W2 to the exact ${opts.reference} mixture ÷ the finite-sample floor (1 = indistinguishable)`,
    value: Number((learned / floor).toFixed(3)),
    swLearned: Number(learned.toFixed(4)),
    swFloor: Number(floor.toFixed(4)),
    ratioWithExactDenoiser: Number((exactDenoiser / floor).toFixed(3)),
    n: opts.n,
    sampler: opts.sampler,
    steps: opts.steps,
    command: `npx tsx src/cli/toy-quality.ts --model ${opts.model} --reference ${opts.reference} --write-card`,
  };
}

/** `sets` independent fresh data sets of n points each (flat, n × 2), from the training generator. */
function drawDataSets(toy: string, n: number, sets: number): Float32Array[] {
  const out = join(mkdtempSync(join(tmpdir(), 'toy-quality-')), 'reference.json');
  const argv = ['--toy', toy, '--n', `${n}`, '--sets', `${sets}`, '--seed', `${DATA_SEED}`, '--out', out];
  try {
    execFileSync(PYTHON, [TOY_REFERENCE_SCRIPT, ...argv], { stdio: ['ignore', 'inherit', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(`${PYTHON} models/train/toy_reference.py failed: ${stderr || (err as Error).message}`);
  }
  const doc = JSON.parse(readFileSync(out, 'utf8')) as { toy: string; n: number; sets: number[][][] };
  if (doc.sets.length !== sets || doc.sets.some((s) => s.length !== n)) {
    throw new Error(`toy_reference.py wrote ${doc.sets.length} sets, expected ${sets} of ${n} points`);
  }
  return doc.sets.map((s) => Float32Array.from(s.flat()));
}

/**
 * The data-set counterpart of toyQuality, for toys whose distribution has no analytic card. It draws
 * REFERENCE_SETS + 1 fresh data sets; sets 0..REFERENCE_SETS−1 play the exact sample sets 1000+k,
 * the last one plays a perfect model. So
 *   swLearned = mean over k = 0..4 of SW(learned samples, data set k)
 *   swFloor   = mean over k = 0..4 of SW(data set 5, data set k)
 * i.e. both averages run over the same five reference sets, and the floor swaps the learned samples
 * for one more independent data set of the same size (as the exact path swaps them for set 2000+k).
 */
export async function toyDataQuality(opts: ToyDataQualityOptions) {
  const sets = drawDataSets(opts.data, opts.n, REFERENCE_SETS + 1);
  const standIn = sets[REFERENCE_SETS];
  const meanDistance = (points: Float32Array) => {
    let total = 0;
    for (let k = 0; k < REFERENCE_SETS; k++) total += slicedWasserstein2(points, opts.n, sets[k], opts.n, 2);
    return total / REFERENCE_SETS;
  };
  const floor = meanDistance(standIn);
  const learned = meanDistance(await drawSamples(opts.model, opts, 7));
  return {
    metric:
      `sliced W2 to fresh \`${opts.data}\` data (models/train/data.py toy_points, the training generator) ` +
      '÷ the finite-sample floor (1 = indistinguishable)',
    value: Number((learned / floor).toFixed(3)),
    swLearned: Number(learned.toFixed(4)),
    swFloor: Number(floor.toFixed(4)),
    n: opts.n,
    sampler: opts.sampler,
    steps: opts.steps,
    command: `npx tsx src/cli/toy-quality.ts --model ${opts.model} --data ${opts.data} --write-card`,
  };
}

function flag(argv: string[], name: string, fallback?: string): string {
  const at = argv.indexOf(`--${name}`);
  const value = at >= 0 ? argv[at + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

async function main(argv: string[]): Promise<void> {
  const sampling: SamplingOptions = {
    model: flag(argv, 'model'),
    n: Number(flag(argv, 'n', '2000')),
    sampler: flag(argv, 'sampler', 'euler_maruyama'),
    steps: Number(flag(argv, 'steps', '200')),
  };
  if (argv.includes('--data') === argv.includes('--reference')) {
    throw new Error('give exactly one of --reference <analytic card> and --data <toy generator>');
  }
  const quality = argv.includes('--data')
    ? await toyDataQuality({ ...sampling, data: flag(argv, 'data') })
    : await toyQuality({ ...sampling, reference: flag(argv, 'reference') });
  console.log(JSON.stringify(quality));
  if (argv.includes('--write-card')) {
    const { path } = loadCard(sampling.model);
    const card = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...card, quality }, null, 2) + '\n');
    console.log(`wrote quality into ${path}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`error: ${err.message}`);
    process.exitCode = 1;
  });
}
