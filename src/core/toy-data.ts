/**
 * The 2D toy distributions the learned toys were trained on (models/train/data.py `toy_points`),
 * drawn from core's Philox streams: the same distributions as the Python generator, not the same
 * numbers. Each set is a pure function of (name, n, seed). Points are row-major n × 2, float32.
 */
import { gaussianNoise, uniform } from './rng';

export type ToyName = 'eight_gaussians' | 'swiss_roll' | 'two_moons' | 'checkerboard';
export const TOY_NAMES: readonly ToyName[] = ['eight_gaussians', 'swiss_roll', 'two_moons', 'checkerboard'];

/** Ring of 8 Gaussians (the models/ring8.json mixture): centre radius and per-axis std. */
export const RING_RADIUS = 2;
export const RING_STD = 0.1;
/** Swiss roll: parameter u ∈ [1.5π, 4.5π] on the spiral (u cos u, u sin u)/5, noise std. */
export const SWISS_ROLL_U = [1.5 * Math.PI, 4.5 * Math.PI] as const;
export const SWISS_ROLL_STD = 0.05;
/** Two moons: noise std after the ×1.5 scaling. */
export const TWO_MOONS_STD = 0.06;

/** How a set is drawn: independent points (the default) or stratified (see toyPoints). */
export interface ToyDrawOptions {
  stratified?: boolean;
}

/** Uniform stream of the permutation that stratifies uniform stream k (far from the streams used). */
const STRATA_STREAM = 1024;

/**
 * Stream k of the uniforms spread over n strata: point i gets (π(i) + u_i)/n for a random
 * permutation π (drawn from its own stream), so each of the n intervals [j/n, (j+1)/n) holds exactly
 * one point, in random order, and each point is still uniform on (0, 1).
 */
function stratify(seed: number, k: number, u: Float64Array): Float64Array {
  const n = u.length;
  const keys = uniform(seed, STRATA_STREAM + k, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) out[order[j]] = (j + u[order[j]]) / n;
  return out;
}

/** The uniforms and normals one set needs: stream k of the uniforms, one normal per coordinate. */
function draws(seed: number, n: number, uniformStreams: number, options: ToyDrawOptions) {
  return {
    u: Array.from({ length: uniformStreams }, (_, k) => {
      const u = uniform(seed, k, n);
      return options.stratified ? stratify(seed, k, u) : u;
    }),
    normal: gaussianNoise(seed, 0, 0, 2 * n),
  };
}

function eightGaussians(n: number, seed: number, options: ToyDrawOptions): Float32Array {
  const { u, normal } = draws(seed, n, 1, options);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const angle = (2 * Math.PI * Math.floor(8 * u[0][i])) / 8;
    out[2 * i] = RING_RADIUS * Math.cos(angle) + RING_STD * normal[2 * i];
    out[2 * i + 1] = RING_RADIUS * Math.sin(angle) + RING_STD * normal[2 * i + 1];
  }
  return out;
}

function swissRoll(n: number, seed: number, options: ToyDrawOptions): Float32Array {
  const { u, normal } = draws(seed, n, 1, options);
  const [lo, hi] = SWISS_ROLL_U;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const s = lo + (hi - lo) * u[0][i];
    out[2 * i] = (s * Math.cos(s)) / 5 + SWISS_ROLL_STD * normal[2 * i];
    out[2 * i + 1] = (s * Math.sin(s)) / 5 + SWISS_ROLL_STD * normal[2 * i + 1];
  }
  return out;
}

function twoMoons(n: number, seed: number, options: ToyDrawOptions): Float32Array {
  const { u, normal } = draws(seed, n, 2, options);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const upper = u[0][i] < 0.5;
    const a = Math.PI * u[1][i];
    const x = upper ? Math.cos(a) : 1 - Math.cos(a);
    const y = upper ? Math.sin(a) : 0.5 - Math.sin(a);
    out[2 * i] = 1.5 * (x - 0.5) + TWO_MOONS_STD * normal[2 * i];
    out[2 * i + 1] = 1.5 * (y - 0.25) + TWO_MOONS_STD * normal[2 * i + 1];
  }
  return out;
}

/** Uniform on the 8 unit squares of [−2, 2)² whose integer corners have an even coordinate sum. */
function checkerboard(n: number, seed: number, options: ToyDrawOptions): Float32Array {
  const { u } = draws(seed, n, 3, options);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x1 = 4 * u[0][i] - 2;
    const column = Math.floor(x1);
    const parity = ((column % 2) + 2) % 2;
    const lowerHalf = u[2][i] < 0.5 ? 1 : 0;
    out[2 * i] = x1;
    out[2 * i + 1] = u[1][i] - 2 * lowerHalf + parity;
  }
  return out;
}

const GENERATORS: Record<ToyName, (n: number, seed: number, options: ToyDrawOptions) => Float32Array> = {
  eight_gaussians: eightGaussians,
  swiss_roll: swissRoll,
  two_moons: twoMoons,
  checkerboard,
};

/**
 * n points (row-major n × 2) of a toy distribution, a pure function of the seed (and options).
 * `stratified` draws a Latin hypercube instead of independent points: each uniform a generator uses
 * (which Gaussian of the ring, which moon, where along a moon or the roll, where in the
 * checkerboard) is spread evenly over its range, so the ring's 8 Gaussians get exactly n/8 points
 * each and each moon n/2 when n allows; the Gaussian noise stays independent. The set is still a
 * sample of the same distribution, without the chance imbalance of a small independent draw.
 */
export function toyPoints(
  name: ToyName,
  n: number,
  seed: number,
  options: ToyDrawOptions = {},
): Float32Array {
  const generate = GENERATORS[name];
  if (!generate) {
    throw new Error(`Unknown 2D toy "${String(name)}": choose one of ${TOY_NAMES.join(', ')}.`);
  }
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`Cannot draw ${n} toy points: the count must be a whole number ≥ 0.`);
  }
  return generate(n, seed, options);
}
