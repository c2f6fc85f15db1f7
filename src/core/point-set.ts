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
 */
export function parsePointsCsv(text: string, source = 'CSV'): Float32Array {
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  let seenRow = false;
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/\s*[,;\t]\s*|\s+/);
    const isHeader = !seenRow && fields.every((f) => !/\d/.test(f));
    seenRow = true;
    if (isHeader) return;
    const numbers = fields.map((f) => (f.trim() === '' ? NaN : Number(f)));
    if (fields.length !== 2 || numbers.some((v) => !Number.isFinite(v))) {
      throw new PointSetError(
        `${source} row ${index + 1} ("${trimmed.slice(0, 40)}") is not two numbers x,y: fix or delete that row.`,
      );
    }
    values.push(numbers[0], numbers[1]);
  });
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
        `${source}: "shape" must be [${samples.length}, 2] for ${samples.length} two-dimensional samples, got ${JSON.stringify(shape)}.`,
      );
    }
  }
  checkCount(samples.length, source);
  const out = new Float32Array(2 * samples.length);
  samples.forEach((s: unknown, k: number) => {
    const ok =
      Array.isArray(s) && s.length === 2 && s.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!ok) {
      throw new PointSetError(
        `${source}: samples[${k}] is ${JSON.stringify(s)}, not a pair of numbers [x, y].`,
      );
    }
    out[2 * k] = s[0];
    out[2 * k + 1] = s[1];
  });
  return out;
}
