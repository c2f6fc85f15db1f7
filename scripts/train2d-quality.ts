/**
 * Quality and speed of `npm run train2d` with its defaults, as the "Your own data" contract
 * measures them (a benchmark, not a test):
 *
 *   npx tsx scripts/train2d-quality.ts [--points 1500] [--steps N] [--toys two_moons,eight_gaussians]
 *
 * For each toy: draw --points training points (toy-data.ts, as a user would draw them), write them
 * as POINTS.json, run train2d, sample 2,000 points from the card with `npm run sample`'s code
 * (ode_heun, 200 steps), and report sliced W1 to fresh data ÷ the floor (fresh vs fresh at 2,000),
 * the memorisation guard (median nearest-training-point distance, samples ÷ fresh data), and the
 * wall and CPU seconds of training. The exact empirical denoiser of the same points is measured
 * too: the memorising optimum the guard must reject.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSampleArgs } from '../src/cli/args';
import { sample } from '../src/cli/sample';
import { parseTrain2dArgs, train2d } from '../src/cli/train2d';
import { CpuRunner } from '../src/core/cpu-runner';
import { EmpiricalDenoiser } from '../src/core/empirical';
import { TRAIN_SDE } from '../src/core/mlp/trainer';
import { measureQuality, type QualityReport } from '../src/core/mlp/quality';
import { toyPoints, TOY_NAMES, type ToyName } from '../src/core/toy-data';

const N_SAMPLES = 2000;
const SAMPLER = 'ode_heun';
const SAMPLER_STEPS = 200;
/** Fresh sets: 5 references and 1 stand-in for a perfect model, seeds unlike the training draw. */
const FRESH_SETS = 6;
const FRESH_SEED = 1000;
const TRAINING_SEED = 11;

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

const pointCount = Number(flag('points', '1500'));
const steps = process.argv.includes('--steps') ? flag('steps', '') : undefined;
const toys = flag('toys', 'two_moons,eight_gaussians').split(',') as ToyName[];
for (const toy of toys) if (!TOY_NAMES.includes(toy)) throw new Error(`unknown toy ${toy}`);
const dir = mkdtempSync(join(tmpdir(), 'train2d-quality-'));

const rounded = (q: QualityReport) => ({
  ratio: Number(q.ratio.toFixed(2)),
  swLearned: Number(q.swLearned.toFixed(4)),
  swFloor: Number(q.swFloor.toFixed(4)),
  memorisation: Number(q.memorisation.toFixed(2)),
  memorises: q.memorises,
});

/** Samples of the memorising optimum: the exact empirical denoiser, same sampler and steps. */
async function empiricalSamples(training: Float32Array): Promise<Float32Array> {
  const runner = new CpuRunner({
    denoiser: new EmpiricalDenoiser(training, 2),
    sde: TRAIN_SDE,
    schedule: 'uniform',
    steps: SAMPLER_STEPS,
    samplerId: SAMPLER,
    params: {},
    seed: 7,
    batch: N_SAMPLES,
    denoiseFinal: false,
    snapshotBudgetBytes: 4 * 1024 * 1024,
  });
  while (!runner.done) await runner.step();
  return runner.loop.xTilde;
}

for (const toy of toys) {
  const training = toyPoints(toy, pointCount, TRAINING_SEED);
  const pointsFile = join(dir, `${toy}-points.json`);
  const samples2d = Array.from({ length: pointCount }, (_, k) => [training[2 * k], training[2 * k + 1]]);
  writeFileSync(pointsFile, JSON.stringify({ shape: [pointCount, 2], samples: samples2d }));
  const cardFile = join(dir, `${toy}-card.json`);
  const trainArgv = ['--data', pointsFile, '--out', cardFile, ...(steps ? ['--steps', steps] : [])];
  const args = parseTrain2dArgs(trainArgv);
  if (args === 'help') throw new Error('unreachable');
  const cpuStart = process.cpuUsage();
  const outcome = await train2d(args);
  const cpu = process.cpuUsage(cpuStart);
  const samplesFile = join(dir, `${toy}-samples.json`);
  const sampleArgs = parseSampleArgs([
    ...['--model', cardFile, '--sampler', SAMPLER, '--steps', `${SAMPLER_STEPS}`],
    ...['--n', `${N_SAMPLES}`, '--seed', '7', '--out', samplesFile],
  ]);
  if (sampleArgs === 'help') throw new Error('unreachable');
  const sampled = await sample(sampleArgs);
  const samples = Float32Array.from(
    (JSON.parse(readFileSync(samplesFile, 'utf8')) as { samples: number[][] }).samples.flat(),
  );
  const fresh = Array.from({ length: FRESH_SETS }, (_, k) => toyPoints(toy, N_SAMPLES, FRESH_SEED + k));
  const learned = measureQuality({ samples, training, fresh, dim: 2 });
  const empirical = measureQuality({ samples: await empiricalSamples(training), training, fresh, dim: 2 });
  console.log(
    JSON.stringify({
      toy,
      points: pointCount,
      steps: outcome.card.train?.steps,
      params: outcome.card.train?.params,
      trainWallSeconds: Number(outcome.seconds.toFixed(1)),
      trainCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
      finalLoss: outcome.finalLoss === null ? null : Number(outcome.finalLoss.toFixed(4)),
      sampleSeconds: Number(sampled.seconds.toFixed(1)),
      learned: rounded(learned),
      empiricalDenoiser: rounded(empirical),
    }),
  );
}
