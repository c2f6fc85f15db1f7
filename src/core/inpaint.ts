/**
 * Conditioning by replacement (Song et al. 2021, App. I.2): imputation and inpainting with an
 * unconditional model. After every step, the known part of x̃ is overwritten by the known data
 * forward-noised to the noise level reached; the sampler, whichever it is, fills the rest. Written
 * against Field<V>, so it runs on the CPU and on GPU-resident vectors alike.
 *
 * Which noise. In x̃ every forward process here is x̃(u) = x₀ + W(u) on the clock u = σ² (brownian.ts),
 * so the known data at σ is x₀ + W_obs(σ²) for one Brownian path W_obs per seed, read at each step's
 * σ. That path is a second Brownian tree, independent of the one that drives the reverse SDE
 * (a derived seed, `observationSeed`): the reverse steps' increments must not be correlated with the
 * state they start from. Reading one path, rather than drawing fresh noise at every step, gives the
 * known coordinates the law they have in the joint reverse process (the time reversal of one forward
 * path, a Brownian bridge down to x₀), makes the noised data independent of the step grid, and lets
 * SDEdit at several t₀ start from points of the same path (`forwardNoised`).
 *
 * RePaint-style resampling (Lugmayr et al. 2022, Alg. 1): after a step σ → σ′ and the replacement, jump
 * back to σ by forward noise, x̃ ← x̃ + √(σ² − σ′²)·z, and take the step again, `resample` times; the
 * last pass is kept. Each pass draws its own noise: pass j runs with the derived seed `repeatSeed`.
 */
import { brownianPlan, clockIndex } from './brownian';
import type { Field } from './field';
import { seedKey } from './rng';
import { asSigma, asTime, type Sde, type Sigma, type StepResult, type StepStart } from './types';

/** The most resampling passes one step may take (each pass costs a whole step of NFE). */
export const MAX_RESAMPLE = 20;
/** The Philox stream of the jump back of a resampling pass (apart from every sampler's streams). */
const RESAMPLE_STREAM = 1024;
const TWO_POW_32 = 4294967296;

/** What an inpainting run knows: vectors of the loop's field, batch × dim. */
export interface Inpainting<V> {
  /** The known data x₀ (entries where the mask is 0 are never read into the result). */
  readonly known: V;
  /** 1 = known, 0 = to generate (values in between blend the two). */
  readonly mask: V;
  /** RePaint resampling: extra passes per step, 0 for plain replacement. */
  readonly resample: number;
}

/**
 * A seed for a second, independent noise source of a run: seed ⊕ k·2^45 (k = 1…255 flips bits of the
 * high key word only, so seeds typed by a user, below 2^45, never land on one).
 */
function derivedSeed(seed: number, k: number): number {
  const [low, high] = seedKey(seed);
  return ((high ^ (k << 13)) >>> 0) * TWO_POW_32 + low;
}

/** The seed of the path W_obs that noises given data (inpainting's known part, SDEdit's start). */
export function observationSeed(seed: number): number {
  return derivedSeed(seed, 1);
}

/** The seed of resampling pass j ≥ 1 of a step (pass 0 is the run's own seed). */
export function repeatSeed(seed: number, pass: number): number {
  return pass === 0 ? seed : derivedSeed(seed, 1 + pass);
}

/**
 * x₀ forward-noised to σ in x̃ coordinates: x₀ + W_obs(σ²), with W_obs the run's observation path.
 * σ = 0 gives x₀ itself. SDEdit starts the reverse process here (SamplingLoop.startFrom).
 */
export function forwardNoised<V>(field: Field<V>, x0: V, sigma: number, seed: number): V {
  const k = clockIndex(sigma);
  if (sigma <= 0 || k === 0) return field.combine([[1, x0]]);
  const plan = brownianPlan(0, k);
  // brownian() is W(u(k))/√u(k) per element; W itself is that times √u(k) = 1/normaliser.
  return field.combine([
    [1, x0],
    [1 / plan.normaliser, field.brownian(observationSeed(seed), plan)],
  ]);
}

/**
 * SDEdit's start (Meng et al. 2022): the data forward-noised to σ(t₀), from where the reverse
 * process runs on the grid's points below σ(t₀) (`SamplingLoop.startFrom(xTilde, sigma)`).
 */
export function noisedStart<V>(field: Field<V>, sde: Sde, x0: V, t0: number, seed: number) {
  if (!(t0 > sde.tEnd && t0 <= 1)) {
    throw new Error(`SDEdit strength t₀ must lie in (${sde.tEnd}, 1] (got ${t0}).`);
  }
  const sigma = sde.sigma(asTime(t0));
  return { xTilde: forwardNoised(field, x0, sigma, seed), sigma };
}

/**
 * x̃ with its known part replaced by the known data noised to `noiseLevel` (0: the data itself,
 * which is what the last state of a run gets, so the output holds the known values exactly).
 */
export function replaceKnown<V>(
  field: Field<V>,
  inpainting: Inpainting<V>,
  xTilde: V,
  noiseLevel: number,
  seed: number,
): V {
  const known = noiseLevel > 0 ? forwardNoised(field, inpainting.known, noiseLevel, seed) : inpainting.known;
  return field.blend(inpainting.mask, known, xTilde);
}

/** Checks an inpainting's resample count (a whole number from 0 to MAX_RESAMPLE). */
export function checkInpainting<V>(inpainting: Inpainting<V>): void {
  const r = inpainting.resample;
  if (!Number.isInteger(r) || r < 0 || r > MAX_RESAMPLE) {
    throw new Error(`Resampling must be a whole number from 0 to ${MAX_RESAMPLE} passes (got ${r}).`);
  }
}

/** One sampler step from `start`, with the noise of the given seed (the loop's context builder). */
export type SeededStep<V> = (start: StepStart<V>, seed: number) => Promise<StepResult<V>>;

/**
 * One step of an inpainting run: the sampler's step, then the replacement, repeated 1 + resample
 * times with a jump back to the starting σ between passes. `isLast(σ)` says whether σ ends the
 * trajectory (then the known values go in clean). The NFE of every pass is counted.
 */
export async function inpaintedStep<V>(
  field: Field<V>,
  inpainting: Inpainting<V>,
  state: StepStart<V>,
  seed: number,
  step: SeededStep<V>,
  isLast: (sigma: Sigma) => boolean,
): Promise<StepResult<V>> {
  checkInpainting(inpainting);
  let start = state;
  let nfe = 0;
  // Every pass lands on the same σ (normally): the noised known data is computed once per level.
  const noisedKnown = new Map<number, V>();
  const knownAt = (level: number) => {
    const hit = noisedKnown.get(level);
    if (hit) return hit;
    const v = level > 0 ? forwardNoised(field, inpainting.known, level, seed) : inpainting.known;
    noisedKnown.set(level, v);
    return v;
  };
  for (let pass = 0; ; pass++) {
    const result = await step(start, repeatSeed(seed, pass));
    nfe += result.nfe;
    const sigma = result.sigma;
    const xTilde = field.blend(inpainting.mask, knownAt(isLast(sigma) ? 0 : sigma), result.xTilde);
    const jump = state.sigma * state.sigma - sigma * sigma;
    if (pass >= inpainting.resample || !(jump > 0)) {
      const info = { ...result.info, ...(inpainting.resample > 0 ? { resamplePasses: pass + 1 } : {}) };
      return { ...result, xTilde, nfe, info };
    }
    const noise = field.noise(repeatSeed(seed, pass + 1), state.i, RESAMPLE_STREAM);
    start = {
      ...state,
      sigma: asSigma(state.sigma),
      xTilde: field.combine([
        [1, xTilde],
        [Math.sqrt(jump), noise],
      ]),
    };
  }
}
