/**
 * 2D point sets from text: the JSON `npm run sample` writes for a 2D model
 * (`{"shape": [N, 2], "samples": [[x, y], …]}`) or CSV rows of x,y. Every problem names the row.
 * Points come back row-major N × 2 (float32), ready for training or an empirical denoiser.
 */

/** Largest point set read (a drawing or a sample file is far smaller). */
export const MAX_POINTS = 100_000;

export class PointSetError extends Error {
  override name = 'PointSetError';
}

/** More rows than the limit: `row` (1-based line) holds point limit + 1. */
export class TooManyPointsError extends PointSetError {
  override name = 'TooManyPointsError';
  constructor(
    readonly source: string,
    readonly limit: number,
    readonly row: number,
  ) {
    super(`${source} holds more than ${limit} points (row ${row} is point ${limit + 1}): use fewer rows.`);
  }
}

/** A value as JSON for a message, cut short (a hostile file's values can be megabytes). */
function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function checkCount(count: number, source: string): void {
  if (count === 0) throw new PointSetError(`${source} holds no points: give at least one x,y row.`);
  if (count > MAX_POINTS) {
    throw new PointSetError(
      `${source} holds ${count} points, more than the ${MAX_POINTS} a point set may have.`,
    );
  }
}

/**
 * CSV of x,y rows (commas, semicolons, tabs or spaces between the two numbers). Blank lines and
 * lines starting with # are skipped; a first row without numbers (e.g. "x,y") is a header.
 * Reading stops at the first row past `maxPoints`, so a huge file costs no more than its text.
 */
export function parsePointsCsv(text: string, source = 'CSV', maxPoints = MAX_POINTS): Float32Array {
  const limit = Math.min(maxPoints, MAX_POINTS);
  const values: number[] = [];
  let seenRow = false;
  let start = 0;
  for (let index = 0; start <= text.length; index++) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end === -1 ? text.length : end);
    start = end === -1 ? text.length + 1 : end + 1;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s*[,;\t]\s*|\s+/, 3);
    const isHeader = !seenRow && fields.every((f) => !/\d/.test(f));
    seenRow = true;
    if (isHeader) continue;
    const numbers = fields.map((f) => (f.trim() === '' ? NaN : Number(f)));
    // Finite as float32 too: 1e39 would become Infinity in the point set.
    if (fields.length !== 2 || numbers.some((v) => !Number.isFinite(Math.fround(v)))) {
      throw new PointSetError(
        `${source} row ${index + 1} ("${trimmed.slice(0, 40)}${trimmed.length > 40 ? '…' : ''}") is not two numbers x,y: fix or delete that row.`,
      );
    }
    if (values.length / 2 >= limit) {
      throw new TooManyPointsError(source, limit, index + 1);
    }
    values.push(numbers[0], numbers[1]);
  }
  checkCount(values.length / 2, source);
  return Float32Array.from(values);
}

/** The JSON of `npm run sample` for a 2D model: `{shape: [N, 2], samples: [[x, y], …]}`. */
export function parsePointsJson(json: unknown, source = 'JSON'): Float32Array {
  const doc = json as { shape?: unknown; samples?: unknown } | null;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.samples)) {
    throw new PointSetError(`${source} must look like {"shape": [N, 2], "samples": [[x, y], …]}.`);
  }
  const { shape, samples } = doc;
  if (shape !== undefined) {
    const ok = Array.isArray(shape) && shape.length === 2 && shape[0] === samples.length && shape[1] === 2;
    if (!ok) {
      throw new PointSetError(
        `${source}: "shape" must be [${samples.length}, 2] for ${samples.length} two-dimensional samples, got ${shortJson(shape)}.`,
      );
    }
  }
  checkCount(samples.length, source);
  const out = new Float32Array(2 * samples.length);
  samples.forEach((s: unknown, k: number) => {
    const ok =
      Array.isArray(s) && s.length === 2 && s.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!ok) {
      throw new PointSetError(`${source}: samples[${k}] is ${shortJson(s)}, not a pair of numbers [x, y].`);
    }
    out[2 * k] = s[0];
    out[2 * k + 1] = s[1];
  });
  return out;
}
