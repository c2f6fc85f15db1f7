/**
 * Your own data: how long from pressing Train until the network reaches the quality bar
 * (sliced W1 / floor ≤ 2 with core's measure, and not memorising), measured in Node on the same
 * trainer, points and options as the page (a benchmark, not a test):
 *
 *   npx tsx scripts/own-data-time-to-bar.ts [--toys two_moons,eight_gaussians] [--seed S]
 *     [--points N] [--independent] [--checkpoints 500,1000,…,6000]
 *
 * For each toy: the page's preset (800 points, state/drawing.ts presetPoints: stratified, preset
 * seed 1), trained with the page's run (core's defaults, 6,000 planned steps, training seed 0 or
 * --seed), with the EMA weights saved at checkpoints and the training wall and CPU time up to each.
 * --points N draws N points of the toy the same way instead; --independent draws them as
 * independent points (not stratified), as the page's presets were drawn before. Afterwards the checkpoints are measured in
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
import { PRESET_POINTS, presetPoints, quantise } from '../src/ui/state/drawing';

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
const independent = process.argv.includes('--independent');
const seed = Number(flag('seed', '0'));
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
  const training =
    pointCount === null && !independent
      ? presetPoints(toy)
      : quantise(toyPoints(toy, pointCount ?? PRESET_POINTS, 1, { stratified: !independent }));
  const trainer = Trainer.create(training, 2, { steps: PLANNED, seed });
  const checkpoints: { step: number; seconds: number; cpuSeconds: number; card: ModelCard }[] = [];
  let trainMs = 0;
  let cpuMicros = 0;
  for (const step of CHECKPOINTS) {
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    await trainer.step(step - trainer.stepsDone);
    const cpu = process.cpuUsage(cpuStart);
    trainMs += performance.now() - started;
    cpuMicros += cpu.user + cpu.system;
    checkpoints.push({
      step,
      seconds: trainMs / 1000,
      cpuSeconds: cpuMicros / 1e6,
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
        drawn: independent ? 'independent' : 'stratified',
        seed,
        step: c.step,
        trainSeconds: Number(c.seconds.toFixed(1)),
        trainCpuSeconds: Number(c.cpuSeconds.toFixed(1)),
        stepsPerSecond: Number((c.step / c.seconds).toFixed(0)),
        ratio: Number(q.ratio.toFixed(2)),
        memorisation: Number(q.memorisation.toFixed(2)),
        passes,
      }),
    );
    if (passes) break;
  }
}
