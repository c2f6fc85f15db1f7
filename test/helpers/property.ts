/**
 * A small seeded property-testing kit with fast-check's names (`fc.property`, `fc.assert`,
 * `fc.string`, `fc.oneof` …), for tests written so that swapping this import for
 * `import fc from 'fast-check'` keeps them meaning the same. Generation only, no shrinking: a
 * failure reports the seed, the run and the generated value, which replay it exactly.
 */

/** A seeded source of 32-bit words (mulberry32): the same seed gives the same values. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A uniform 32-bit unsigned integer. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + (this.next() % (max - min + 1));
  }
}

/** Something that can generate values of type T from a Random. */
export interface Arbitrary<T> {
  generate(random: Random): T;
  map<U>(f: (value: T) => U): Arbitrary<U>;
}

function arbitrary<T>(generate: (random: Random) => T): Arbitrary<T> {
  return { generate, map: (f) => arbitrary((r) => f(generate(r))) };
}

/** Characters a string arbitrary draws from: ASCII, the URL's delimiters, and some beyond ASCII. */
const ALPHABET = [
  ...Array.from({ length: 95 }, (_, k) => String.fromCharCode(32 + k)),
  '\u0000',
  '\n',
  '\t',
  'é',
  'σ',
  '\u202e',
  '\ud83d\ude00',
  '\ud800',
  '&',
  '=',
  '%',
  '#',
  '.',
];

export interface Property<T> {
  arbitrary: Arbitrary<T>;
  predicate: (value: T) => boolean | void;
}

export const fc = {
  constant: <T>(value: T): Arbitrary<T> => arbitrary(() => value),
  constantFrom: <T>(...values: T[]): Arbitrary<T> => arbitrary((r) => values[r.int(0, values.length - 1)]),
  integer: ({
    min = -(2 ** 31),
    max = 2 ** 31 - 1,
  }: { min?: number; max?: number } = {}): Arbitrary<number> =>
    arbitrary((r) => Math.floor(min + (r.next() / 2 ** 32) * (max - min + 1))),
  /** Doubles of every magnitude, with NaN, ±Infinity and −0 among them. */
  double: (): Arbitrary<number> =>
    arbitrary((r) => {
      const special = [NaN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, Number.MIN_VALUE];
      if (r.int(0, 4) === 0) return special[r.int(0, special.length - 1)];
      const mantissa = r.next() / 2 ** 32 - 0.5;
      return mantissa * 10 ** r.int(-12, 12);
    }),
  string: ({ maxLength = 40 }: { maxLength?: number } = {}): Arbitrary<string> =>
    arbitrary((r) => {
      const length = r.int(0, maxLength);
      let text = '';
      for (let k = 0; k < length; k++) text += ALPHABET[r.int(0, ALPHABET.length - 1)];
      return text;
    }),
  array: <T>(item: Arbitrary<T>, { maxLength = 10 }: { maxLength?: number } = {}): Arbitrary<T[]> =>
    arbitrary((r) => Array.from({ length: r.int(0, maxLength) }, () => item.generate(r))),
  tuple: <A, B>(a: Arbitrary<A>, b: Arbitrary<B>): Arbitrary<[A, B]> =>
    arbitrary((r) => [a.generate(r), b.generate(r)]),
  oneof: <T>(...options: Arbitrary<T>[]): Arbitrary<T> =>
    arbitrary((r) => options[r.int(0, options.length - 1)].generate(r)),
  property: <T>(arb: Arbitrary<T>, predicate: (value: T) => boolean | void): Property<T> => ({
    arbitrary: arb,
    predicate,
  }),
  /** Runs the property numRuns times from `seed`; a failure names seed, run and value. */
  assert: <T>(
    property: Property<T>,
    { numRuns = 100, seed = 1 }: { numRuns?: number; seed?: number } = {},
  ) => {
    const random = new Random(seed);
    for (let run = 0; run < numRuns; run++) {
      const value = property.arbitrary.generate(random);
      let outcome: boolean | void;
      try {
        outcome = property.predicate(value);
      } catch (e) {
        throw new Error(
          `Property failed (seed ${seed}, run ${run}) on ${JSON.stringify(value)}: ${String(e)}`,
          {
            cause: e,
          },
        );
      }
      if (outcome === false)
        throw new Error(`Property returned false (seed ${seed}, run ${run}) on ${JSON.stringify(value)}`);
    }
  },
};
