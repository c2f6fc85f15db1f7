/**
 * Counter-based random numbers: Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as
 * easy as 1, 2, 3"). A block of four 32-bit words is a pure function of (key, counter), so noise
 * for (seed, step, stream, element) is the same on any device, in any order and at any batch size.
 *
 * Layout: key = the seed split into two 32-bit words; counter = (block, step, stream, domain) with
 * domain 0 for Gaussian noise, 1 for uniforms and 2 for the Brownian tree's nodes (brownian.ts,
 * where `step` is the node).
 */

const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9;
const PHILOX_W1 = 0xbb67ae85;
const TWO_POW_32 = 4294967296;

/** The step value of the counter used for the prior draw x_T (no sampler step uses it). */
export const PRIOR_STEP = 0xffffffff;
/** Counter domains (fourth counter word). */
const DOMAIN_GAUSSIAN = 0;
const DOMAIN_UNIFORM = 1;
const DOMAIN_BROWNIAN = 2;

/** High 32 bits of the 64-bit product of two unsigned 32-bit integers, exact. */
export function mulhi32(a: number, b: number): number {
  const aHi = a >>> 16;
  const aLo = a & 0xffff;
  const bHi = b >>> 16;
  const bLo = b & 0xffff;
  const loLo = aLo * bLo;
  const loHi = aLo * bHi;
  const hiLo = aHi * bLo;
  const carry = ((loLo >>> 16) + (loHi & 0xffff) + (hiLo & 0xffff)) >>> 16;
  return (aHi * bHi + (loHi >>> 16) + (hiLo >>> 16) + carry) >>> 0;
}

/**
 * Philox4x32-10 on one block: returns four unsigned 32-bit words (written into `out`).
 * `counter` and `key` are unsigned 32-bit words.
 */
export function philox4x32(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
  out: Uint32Array = new Uint32Array(4),
): Uint32Array {
  let [c0, c1, c2, c3] = counter;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi32(PHILOX_M0, c0);
    const lo0 = Math.imul(PHILOX_M0, c0) >>> 0;
    const hi1 = mulhi32(PHILOX_M1, c2);
    const lo1 = Math.imul(PHILOX_M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + PHILOX_W0) >>> 0;
    k1 = (k1 + PHILOX_W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}

/** Splits a seed (a non-negative integer up to 2^53 − 1) into the two Philox key words. */
export function seedKey(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(
      `Seed ${seed} is not usable: use a whole number between 0 and ${Number.MAX_SAFE_INTEGER}.`,
    );
  }
  return [seed >>> 0, Math.floor(seed / TWO_POW_32) >>> 0];
}

/** Maps a 32-bit word k to the open interval (0, 1) as (k + 0.5) / 2^32, so log never sees 0. */
const toUnit = (word: number): number => (word + 0.5) / TWO_POW_32;

/** Fills `count` values from consecutive Philox blocks, four words per block. */
function fillBlocks(
  seed: number,
  step: number,
  stream: number,
  domain: number,
  count: number,
  emit: (words: Uint32Array, firstIndex: number) => void,
): void {
  checkCount(count);
  const key = seedKey(seed);
  const words = new Uint32Array(4);
  const blocks = Math.ceil(count / 4);
  for (let block = 0; block < blocks; block++) {
    philox4x32([block >>> 0, step >>> 0, stream >>> 0, domain], key, words);
    emit(words, block * 4);
  }
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 0 || count > 2 ** 34) {
    throw new Error(`Cannot draw ${count} random numbers: the count must be a whole number ≥ 0.`);
  }
}

/**
 * Standard normal noise of length `count` by Box–Muller: block b gives elements 4b..4b+3 from its
 * four uniforms (u0,u1) and (u2,u3). Element e depends only on (seed, step, stream, e).
 */
export function gaussianNoise(seed: number, step: number, stream: number, count: number): Float32Array {
  return boxMuller(seed, step, stream, DOMAIN_GAUSSIAN, count);
}

/** The Brownian tree's normal at node `node` for elements 0…count−1 (see brownian.ts). */
export function brownianNodeNoise(seed: number, node: number, count: number): Float32Array {
  return boxMuller(seed, node, 0, DOMAIN_BROWNIAN, count);
}

function boxMuller(seed: number, step: number, stream: number, domain: number, count: number): Float32Array {
  const out = new Float32Array(count);
  fillBlocks(seed, step, stream, domain, count, (w, first) => {
    for (let pair = 0; pair < 2; pair++) {
      const radius = Math.sqrt(-2 * Math.log(toUnit(w[2 * pair])));
      const angle = 2 * Math.PI * toUnit(w[2 * pair + 1]);
      const e = first + 2 * pair;
      if (e < count) out[e] = radius * Math.cos(angle);
      if (e + 1 < count) out[e + 1] = radius * Math.sin(angle);
    }
  });
  return out;
}

/** Uniform numbers in (0, 1), double precision, a pure function of (seed, stream, element). */
export function uniform(seed: number, stream: number, count: number): Float64Array {
  const out = new Float64Array(count);
  fillBlocks(seed, 0, stream, DOMAIN_UNIFORM, count, (w, first) => {
    for (let j = 0; j < 4 && first + j < count; j++) out[first + j] = toUnit(w[j]);
  });
  return out;
}
