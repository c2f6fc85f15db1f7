/**
 * Your own data: how long from pressing Train until the network reaches the quality bar
 * (sliced W1 / floor ≤ 2 with core's measure, and not memorising), measured in Node on the same
 * trainer, points and options as the page (a benchmark, not a test):
 *
 *   npx tsx scripts/own-data-time-to-bar.ts [--toys two_moons,eight_gaussians] [--points N]
 *     [--checkpoints 500,1000,…,6000]
 *
 * For each toy: the page's preset (800 points, state/drawing.ts presetPoints), trained with the
 * page's run (core's defaults, 6,000 planned steps, seed 0), with the EMA weights saved at
 * checkpoints and the training wall time up to each. Afterwards the checkpoints are measured in
 * order (2,000 samples, ode_heun with 200 steps, against fresh toy samples, as
 * scripts/train2d-quality.ts does) until the first one passes. The page trains the same steps (its
 * run is a pure function of points and options), so its time to the bar is its time to reach that
 * step: the page reports steps and seconds as it trains.
 */
import { CpuRunner } from '../src/core/cpu-runner';
import type { ModelCard } from '../src/core/card';
import { denoiserForCard } from '../src/core/denoiser';
import { measureQuality } from '../src/core/mlp/quality';
import { Trainer } from '../src/core/mlp/trainer';
import { toyPoints, TOY_NAMES, type ToyName } from '../src/core/toy-data';
import { presetPoints, quantise } from '../src/ui/state/drawing';

const DEFAULT_CHECKPOINTS = '500,1000,1500,2000,3000,4000,6000';
const PLANNED = 6000;
const N_SAMPLES = 2000;
const FRESH_SETS = 6;
const FRESH_SEED = 1000;

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}
const toys = flag('toys', 'two_moons,eight_gaussians').split(',') as ToyName[];
/** Points of the drawing: the page's preset, or --points N of the same toy (same seed). */
const pointCount = process.argv.includes('--points') ? Number(flag('points', '')) : null;
const CHECKPOINTS = flag('checkpoints', DEFAULT_CHECKPOINTS).split(',').map(Number);
for (const toy of toys) if (!TOY_NAMES.includes(toy)) throw new Error(`unknown toy ${toy}`);

async function samplesOf(card: ModelCard): Promise<Float32Array> {
  const runner = new CpuRunner({
    denoiser: denoiserForCard(card),
    sde: card.sde,
    schedule: 'uniform',
    steps: 200,
    samplerId: 'ode_heun',
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
  const training = pointCount === null ? presetPoints(toy) : quantise(toyPoints(toy, pointCount, 1));
  const trainer = Trainer.create(training, 2, { steps: PLANNED, seed: 0 });
  const checkpoints: { step: number; seconds: number; card: ModelCard }[] = [];
  let trainMs = 0;
  for (const step of CHECKPOINTS) {
    const started = performance.now();
    await trainer.step(step - trainer.stepsDone);
    trainMs += performance.now() - started;
    checkpoints.push({
      step,
      seconds: trainMs / 1000,
      card: await trainer.snapshot({ id: toy, title: toy }),
    });
  }
  const fresh = Array.from({ length: FRESH_SETS }, (_, k) => toyPoints(toy, N_SAMPLES, FRESH_SEED + k));
  for (const c of checkpoints) {
    const q = measureQuality({ samples: await samplesOf(c.card), training, fresh, dim: 2 });
    const passes = q.ratio <= 2 && !q.memorises;
    console.log(
      JSON.stringify({
        toy,
        points: training.length / 2,
        step: c.step,
        trainSeconds: Number(c.seconds.toFixed(1)),
        stepsPerSecond: Number((c.step / c.seconds).toFixed(0)),
        ratio: Number(q.ratio.toFixed(2)),
        memorisation: Number(q.memorisation.toFixed(2)),
        passes,
      }),
    );
    if (passes) break;
  }
}
