/**
 * Your own data: how close a drawing of the toy can get a network at best (a benchmark, not a
 * test). A network that learned its training points perfectly would sample them: resampling the
 * training set (2,000 draws with replacement) and measuring it with the quality bar's sliced W1
 * (÷ the floor, against the same fresh toy data as scripts/own-data-time-to-bar.ts) gives the
 * ratio of that perfect learner. For the page's presets (800 points, quantised) drawn as
 * independent points and drawn stratified (core/toy-data.ts), over several preset seeds:
 *
 *   npx tsx scripts/own-data-preset-ceiling.ts [--toys two_moons,eight_gaussians] [--seeds 8]
 */
import { measureQuality } from '../src/core/mlp/quality';
import { uniform } from '../src/core/rng';
import { toyPoints, TOY_NAMES, type ToyName } from '../src/core/toy-data';
import { PRESET_POINTS, quantise } from '../src/ui/state/drawing';

const N_SAMPLES = 2000;
const FRESH_SETS = 6;
const FRESH_SEED = 1000;
const RESAMPLE_SEED = 5;

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}
const toys = flag('toys', 'two_moons,eight_gaussians').split(',') as ToyName[];
const seeds = Number(flag('seeds', '8'));
for (const toy of toys) if (!TOY_NAMES.includes(toy)) throw new Error(`unknown toy ${toy}`);

/** N_SAMPLES points drawn with replacement from the training set. */
function resample(training: Float32Array): Float32Array {
  const count = training.length / 2;
  const picks = uniform(RESAMPLE_SEED, 0, N_SAMPLES);
  const out = new Float32Array(2 * N_SAMPLES);
  for (let i = 0; i < N_SAMPLES; i++) {
    const k = Math.floor(picks[i] * count);
    out[2 * i] = training[2 * k];
    out[2 * i + 1] = training[2 * k + 1];
  }
  return out;
}

for (const toy of toys) {
  const fresh = Array.from({ length: FRESH_SETS }, (_, k) => toyPoints(toy, N_SAMPLES, FRESH_SEED + k));
  for (const stratified of [false, true]) {
    const ratios: number[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const training = quantise(toyPoints(toy, PRESET_POINTS, seed, { stratified }));
      const q = measureQuality({ samples: resample(training), training, fresh, dim: 2 });
      ratios.push(Number(q.ratio.toFixed(2)));
    }
    console.log(
      JSON.stringify({ toy, drawn: stratified ? 'stratified' : 'independent', seeds: `1–${seeds}`, ratios }),
    );
  }
}
