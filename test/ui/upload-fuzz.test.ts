/**
 * Property-based tests of the parsers behind the page's file inputs, against hostile files: CSV of
 * points ("Upload CSV", "Paste CSV"), an MLP card ("Upload card"), a picture ("Upload a PNG" for
 * inpainting and SDEdit). For any input: no uncaught error of another kind, a message that names
 * the file and the row or field, and sizes capped before anything is allocated for them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mlpParamCount, encodeWeights, type MlpArchitecture } from '../../src/core/mlp/spec';
import { MAX_POINTS, parsePointsCsv, parsePointsJson, PointSetError } from '../../src/core/point-set';
import {
  DrawingError,
  MAX_DRAWING_COORDINATE,
  MAX_DRAWING_POINTS,
  parseUploadedCard,
  pointsFromCsv,
} from '../../src/ui/state/drawing';
import { MAX_UPLOAD_BYTES, uploadSizeProblem } from '../../src/ui/state/uploads';
import {
  MAX_PICTURE_PIXELS,
  pictureHeader,
  pictureProblem,
  rgbaToModel,
} from '../../src/ui/render/image-input';

/** Runs `f`; returns its value, or the error it threw (any other outcome fails the test). */
function outcome<T>(f: () => T): { value: T } | { error: unknown } {
  try {
    return { value: f() };
  } catch (error) {
    return { error };
  }
}

// ---- CSV ----

/** Cells a hostile CSV may hold: numbers at and past the limits, special numbers, junk. */
const cellArb = fc.oneof(
  fc.double({ min: -25, max: 25, noNaN: true }).map(String),
  fc.constantFrom(
    '0',
    '-0',
    '20',
    '-20',
    '20.0001',
    '1e39',
    '-1e39',
    '1e-320',
    'NaN',
    'Infinity',
    '-Infinity',
    '0x10',
    '1_0',
    '',
    ' ',
    'x',
    '"1"',
    '__proto__',
    '1,2',
    '\u00a0',
    '٣',
  ),
);
const rowArb = fc.oneof(
  fc.tuple(cellArb, cellArb, fc.constantFrom(',', ';', '\t', ' ', ' , ')).map(([x, y, s]) => `${x}${s}${y}`),
  fc.array(cellArb, { maxLength: 4 }).map((cells) => cells.join(',')),
  fc.constantFrom('', '#comment', 'x,y', '\r', '   '),
  fc.string({ maxLength: 20 }),
);
const csvArb = fc.oneof(
  fc
    .array(rowArb, { maxLength: 40 })
    .chain((rows) => fc.constantFrom('\n', '\r\n').map((eol) => rows.join(eol))),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
);

describe('uploaded CSV of points', () => {
  it('gives finite points inside ±20, or a DrawingError naming the file and the row or point', () => {
    fc.assert(
      fc.property(csvArb, (text) => {
        const result = outcome(() => pointsFromCsv(text, 'drawn.csv'));
        if ('value' in result) {
          const points = result.value;
          expect(points.length % 2).toBe(0);
          expect(points.length / 2).toBeGreaterThan(0);
          expect(points.length / 2).toBeLessThanOrEqual(MAX_DRAWING_POINTS);
          for (const v of points) expect(Math.abs(v)).toBeLessThanOrEqual(MAX_DRAWING_COORDINATE);
          return;
        }
        expect(result.error).toBeInstanceOf(DrawingError);
        const message = (result.error as Error).message;
        expect(message).toMatch(
          /^drawn\.csv (row \d+ \(".*"\) is not two numbers x,y|point \d+ has [xy] = .* beyond ±20|holds no points|holds more than)/s,
        );
        // Bounded, whatever the row: the quoted row is cut to 40 characters.
        expect(message.length).toBeLessThan(400);
      }),
      { numRuns: 1500, seed: 18 },
    );
  });

  it('core: every row it keeps is two finite float32 numbers; a bad one is named by its line', () => {
    fc.assert(
      fc.property(csvArb, (text) => {
        const result = outcome(() => parsePointsCsv(text, 'points.csv'));
        if ('value' in result) {
          for (const v of result.value) expect(Number.isFinite(v)).toBe(true);
          return;
        }
        expect(result.error).toBeInstanceOf(PointSetError);
        expect((result.error as Error).message).toMatch(/^points\.csv (row \d+ |holds no points)/);
      }),
      { numRuns: 1000, seed: 19 },
    );
  });

  it('stops reading at the first row over the limit: a million-row file is refused by its count', () => {
    // 3,000 good rows, then a million rows of which every one after the next is junk: a parser
    // that read on would name a bad row; this one stops at point 3,001.
    const good = Array.from({ length: MAX_DRAWING_POINTS + 1 }, (_, k) => `${(k % 400) / 100},1`);
    const text = `${good.join('\n')}\n${'junk\n'.repeat(1_000_000)}`;
    expect(() => pointsFromCsv(text, 'huge.csv')).toThrow(
      `huge.csv holds more than ${MAX_DRAWING_POINTS} points (row ${MAX_DRAWING_POINTS + 1} is point ${MAX_DRAWING_POINTS + 1})`,
    );
    const rows = `1,2\n`.repeat(MAX_POINTS + 5);
    expect(() => parsePointsCsv(rows, 'big.csv')).toThrow(`big.csv holds more than ${MAX_POINTS} points`);
  });

  it('refuses 1e39 (infinite as float32) by its row instead of keeping an infinite point', () => {
    expect(() => parsePointsCsv('0,0\n1e39,1\n', 'a.csv')).toThrow(/a\.csv row 2 \("1e39,1"\)/);
  });
});

describe('point sets as JSON', () => {
  it('any JSON value gives points or a PointSetError with a short message', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ shape: fc.jsonValue(), samples: fc.array(fc.jsonValue(), { maxLength: 5 }) }),
          fc.array(fc.tuple(fc.double(), fc.double()), { maxLength: 5 }).map((samples) => ({ samples })),
        ),
        (json) => {
          const result = outcome(() => parsePointsJson(json, 'p.json'));
          if ('value' in result) return;
          expect(result.error).toBeInstanceOf(PointSetError);
          expect((result.error as Error).message.length).toBeLessThan(300);
        },
      ),
      { numRuns: 1000, seed: 20 },
    );
  });

  it('a claimed shape of a billion points is refused without building it', () => {
    const shape = Array.from({ length: 100_000 }, () => 1e9);
    expect(() => parsePointsJson({ shape: [1e9, 2], samples: [[1, 2]] }, 'c.json')).toThrow(
      /c\.json: "shape" must be \[1, 2\]/,
    );
    // A huge value in the message is cut short.
    const error = outcome(() => parsePointsJson({ shape, samples: [[1, 2]] }, 'd.json'));
    expect('error' in error && (error.error as Error).message.length).toBeLessThan(200);
  });
});

// ---- MLP cards ----

const arch: MlpArchitecture = {
  kind: 'residual-mlp',
  dim: 2,
  width: 4,
  blocks: 1,
  activation: 'silu',
  timeEmbedding: { kind: 'sinusoidal', features: 4, scale: 1000, maxPeriod: 10000 },
};

function validCard(): Record<string, unknown> {
  return {
    id: 'drawing-trained',
    title: 'Your drawing, trained network',
    task: 'points',
    shape: [2],
    range: [-4, 4],
    parameterization: 'eps',
    sde: { kind: 'vp', betaMin: 0.1, betaMax: 20 },
    timeInput: 't01',
    license: 'trained in the page',
    mlp: {
      ...structuredClone(arch),
      weights: encodeWeights(new Float32Array(mlpParamCount(arch)).fill(0.01)),
    },
  };
}

/** Where a field lives in the card: top level, sde, mlp, mlp → timeEmbedding. */
const fieldPaths: readonly string[][] = [
  ...Object.keys(validCard()).map((k) => [k]),
  ...['classes', 'nullClass', 'analytic', 'onnx', 'examples', 'quality', 'denoiseMargins', '__proto__'].map(
    (k) => [k],
  ),
  ...['kind', 'betaMin', 'betaMax', 'sigmaMin', 'sigmaMax', 'tEnd'].map((k) => ['sde', k]),
  ...['kind', 'dim', 'width', 'blocks', 'activation', 'weights', 'timeEmbedding'].map((k) => ['mlp', k]),
  ...['kind', 'features', 'scale', 'maxPeriod'].map((k) => ['mlp', 'timeEmbedding', k]),
];
/** Hostile values, including claims that would allocate without bound if believed. */
const hostileValue = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    0,
    -1,
    1.5,
    1e9,
    1e308,
    -1e308,
    '',
    'x',
    '__proto__',
    true,
    [],
    {},
    [1e9],
    [1e9, 1e9],
    [0],
    [2, 2],
    [-1, 2],
    { __proto__: { polluted: 1 } },
    'AAAA',
    'not base64!',
    '////',
    { weights: [1], means: [[0, 0]], covs: [[1, 1]] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.double().map((v) => (Number.isFinite(v) ? v : null)),
);

function setPath(card: Record<string, unknown>, path: string[], value: unknown): void {
  let at = card;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    if (typeof next !== 'object' || next === null) return;
    at = next as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete at[last];
  else Object.defineProperty(at, last, { value, enumerable: true, writable: true, configurable: true });
}

/** What a user may see: the file, then what is wrong with which field, or that it is not JSON. */
const cardMessage =
  /^(Model card up\.json( → [\w]+)*: field "[\w →]+" .+|up\.json is not JSON .+|Model card up\.json is not a JSON object.+|up\.json: field "(mlp|shape)" .+)$/s;

describe('uploaded MLP cards', () => {
  it('a valid card with one field made hostile loads or names the field', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...fieldPaths), hostileValue), { minLength: 1, maxLength: 3 }),
        (edits) => {
          const card = validCard();
          for (const [path, value] of edits) setPath(card, path, value);
          const result = outcome(() => parseUploadedCard(JSON.stringify(card), 'up.json'));
          if ('value' in result) {
            expect(result.value.mlp).toBeDefined();
            return;
          }
          expect(result.error).toBeInstanceOf(Error);
          expect((result.error as Error).constructor).not.toBe(TypeError);
          expect((result.error as Error).constructor).not.toBe(RangeError);
          expect((result.error as Error).message).toMatch(cardMessage);
          expect((result.error as Error).message.length).toBeLessThan(600);
        },
      ),
      { numRuns: 2000, seed: 21 },
    );
  });

  it('any text, and the card cut or corrupted at any place, gives a message naming the file', () => {
    const text = JSON.stringify(validCard());
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 100 }),
          fc.nat(text.length).map((n) => text.slice(0, n)),
          fc
            .tuple(fc.nat(text.length - 1), fc.string({ minLength: 1, maxLength: 3 }))
            .map(([n, s]) => text.slice(0, n) + s + text.slice(n + 1)),
        ),
        (input) => {
          const result = outcome(() => parseUploadedCard(input, 'up.json'));
          if ('value' in result) return;
          expect((result.error as Error).message).toMatch(cardMessage);
        },
      ),
      { numRuns: 1500, seed: 22 },
    );
  });

  it('refuses claims that would allocate without bound, naming the field, before allocating', () => {
    const card = validCard();
    const bad = (patch: (c: Record<string, unknown>) => void) => {
      const c = structuredClone(card);
      patch(c);
      return () => parseUploadedCard(JSON.stringify(c), 'up.json');
    };
    expect(bad((c) => (c.shape = [1e9]))).toThrow(/field "shape" has 1000000000 values per sample/);
    expect(bad((c) => (c.shape = [1e5, 1e5]))).toThrow(/field "shape" has/);
    expect(bad((c) => ((c.mlp as Record<string, unknown>).width = 1e9))).toThrow(
      /field "width" must be a whole number from 1 to 1024/,
    );
    expect(bad((c) => Object.assign(c.mlp as object, { width: 1024, blocks: 16 }))).toThrow(
      /field "width" and blocks give \d+ parameters, over the 200000/,
    );
    // 8 MB of base64 for a network of 70 weights: refused by its length, not decoded.
    expect(bad((c) => ((c.mlp as Record<string, unknown>).weights = 'AAAA'.repeat(2_000_000)))).toThrow(
      /field "weights" is 8000000 characters long, but width 4, 1 blocks and 4 time features need \d+ numbers/,
    );
  });
});

// ---- file sizes ----

describe('upload sizes', () => {
  it('a file over its input’s limit is refused by its size, naming the file and the limit', () => {
    expect(uploadSizeProblem({ name: 'big.csv', size: 100 * 2 ** 20 }, 'csv')).toBe(
      'big.csv is 100 MB, over the 2.0 MB this input reads: a drawing keeps at most 3000 points, which fit in far less: upload fewer rows.',
    );
    expect(uploadSizeProblem({ name: 'c.json', size: 5 * 2 ** 20 }, 'card')).toMatch(
      /^c\.json is 5\.0 MB, over the 4\.0 MB this input reads: an uploaded card's network has at most 200000 weights/,
    );
    expect(uploadSizeProblem({ name: 'p.png', size: 2 ** 30 }, 'picture')).toMatch(
      /^p\.png is 1024 MB, over the 16 MB this input reads/,
    );
    fc.assert(
      fc.property(fc.constantFrom('csv', 'card', 'picture' as const), fc.nat(2 ** 40), (kind, size) => {
        const problem = uploadSizeProblem({ name: 'f', size }, kind);
        expect(problem === null).toBe(size <= MAX_UPLOAD_BYTES[kind]);
      }),
      { seed: 23 },
    );
  });
});

// ---- pictures ----

function pngHeader(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(33);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return bytes;
}

function jpegHeader(width: number, height: number): Uint8Array {
  // SOI, an APP0 segment of 16 bytes, then SOF0 with the frame size.
  const app0 = [0xff, 0xe0, 0, 16, ...new Array<number>(14).fill(0)];
  const sof = [0xff, 0xc0, 0, 11, 8, height >> 8, height & 255, width >> 8, width & 255, 1, 1, 0x11, 0];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...sof]);
}

describe('uploaded pictures', () => {
  it('reads the declared size of PNG, JPEG and GIF headers without decoding', () => {
    expect(pictureHeader(pngHeader(28, 28))).toEqual({ format: 'PNG', width: 28, height: 28 });
    expect(pictureHeader(jpegHeader(640, 480))).toEqual({ format: 'JPEG', width: 640, height: 480 });
    const gif = Uint8Array.from([71, 73, 70, 56, 57, 97, 32, 1, 16, 0]);
    expect(pictureHeader(gif)).toEqual({ format: 'GIF', width: 288, height: 16 });
  });

  it('refuses a small file that claims a huge picture (a decompression bomb), naming its size', () => {
    expect(pictureProblem(pngHeader(100_000, 100_000), 'bomb.png')).toBe(
      "bomb.png is a 100000 × 100000 PNG, over the 4096 × 4096 pixels this page decodes: it is shrunk to the model's resolution anyway, so upload a smaller PNG.",
    );
    expect(pictureProblem(jpegHeader(65535, 65535), 'bomb.jpg')).toMatch(
      /^bomb\.jpg is a 65535 × 65535 JPEG/,
    );
    expect(pictureProblem(pngHeader(4096, 4096), 'ok.png')).toBeNull();
    expect(pictureProblem(pngHeader(0, 5), 'z.png')).toMatch(/^z\.png: its PNG header gives a size of 0 × 5/);
    expect(pictureProblem(new TextEncoder().encode('1,2\n3,4\n'), 'points.csv')).toBe(
      'points.csv is not a PNG, JPEG or GIF picture (or its header is damaged): upload a PNG.',
    );
  });

  it('any bytes give a size within the limit or a message naming the file; never a throw', () => {
    const prefixed = (head: Uint8Array) =>
      fc.uint8Array({ maxLength: 64 }).map((tail) => Uint8Array.from([...head.subarray(0, 12), ...tail]));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          prefixed(pngHeader(1, 1)),
          prefixed(jpegHeader(1, 1)).map((b) => b.subarray(0, 2 + (b.length >> 1))),
          fc.tuple(fc.nat(2 ** 32 - 1), fc.nat(2 ** 32 - 1)).map(([w, h]) => pngHeader(w, h)),
          fc.tuple(fc.nat(65535), fc.nat(65535)).map(([w, h]) => jpegHeader(w, h)),
        ),
        (bytes) => {
          const problem = pictureProblem(bytes, 'up.png');
          const header = pictureHeader(bytes);
          if (problem === null) {
            expect(header).not.toBeNull();
            expect(header!.width * header!.height).toBeLessThanOrEqual(MAX_PICTURE_PIXELS);
            expect(Math.min(header!.width, header!.height)).toBeGreaterThan(0);
          } else expect(problem).toMatch(/^up\.png( is|:)/);
        },
      ),
      { numRuns: 2000, seed: 24 },
    );
  });

  it('maps any pixels into the model’s range, one value per element of its shape', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<number[]>([1, 8, 8], [3, 4, 4], [1, 1, 1]),
        fc.tuple(
          fc.double({ min: -10, max: 10, noNaN: true }),
          fc.double({ min: 0.01, max: 10, noNaN: true }),
        ),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (shape, [lo, width], seed) => {
          const pixels = shape[1] * shape[2];
          const rgba = new Uint8ClampedArray(4 * pixels).map((_, k) => (seed * (k + 7)) % 256);
          const out = rgbaToModel(rgba, shape, [lo, lo + width]);
          expect(out.length).toBe(shape.reduce((a, b) => a * b, 1));
          for (const v of out) {
            expect(v).toBeGreaterThanOrEqual(Math.fround(lo) - 1e-5);
            expect(v).toBeLessThanOrEqual(Math.fround(lo + width) + 1e-5);
          }
        },
      ),
      { numRuns: 300, seed: 25 },
    );
  });
});
