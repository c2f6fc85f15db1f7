/**
 * Quality of a learned 2D toy against an analytic card with the same distribution:
 *
 *   npx tsx src/cli/toy-quality.ts --model toy_eight_gaussians --reference ring8 [--write-card]
 *
 * Reports the sliced Wasserstein-2 distance (Rabin et al. 2011) between n samples of the model and n
 * exact samples of the mixture, divided by the floor: the same distance between two independent
 * exact sample sets of size n. A ratio near 1 means the model is as close as sampling noise allows.
 * The analytic card sampled with the same sampler gives the sampler's own share of the ratio.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mixtureFromAnalytic, sampleMixture, type GaussianMixture } from '../core/mixture';
import { slicedWasserstein2 } from '../core/stats';
import { parseSampleArgs } from './args';
import { loadCard } from './load-model';
import { sample } from './sample';

const REFERENCE_SETS = 5;

interface ToyQualityOptions {
  model: string;
  reference: string;
  n: number;
  sampler: string;
  steps: number;
}

/** Samples of a card (flat, n × 2) drawn by the CLI itself. */
async function drawSamples(model: string, opts: ToyQualityOptions, seed: number): Promise<Float32Array> {
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

function flag(argv: string[], name: string, fallback?: string): string {
  const at = argv.indexOf(`--${name}`);
  const value = at >= 0 ? argv[at + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

async function main(argv: string[]): Promise<void> {
  const opts: ToyQualityOptions = {
    model: flag(argv, 'model'),
    reference: flag(argv, 'reference'),
    n: Number(flag(argv, 'n', '2000')),
    sampler: flag(argv, 'sampler', 'euler_maruyama'),
    steps: Number(flag(argv, 'steps', '200')),
  };
  const quality = await toyQuality(opts);
  console.log(JSON.stringify(quality));
  if (argv.includes('--write-card')) {
    const { path } = loadCard(opts.model);
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
