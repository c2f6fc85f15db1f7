/**
 * Uploaded files (CSV of points, an MLP card, a picture for inpainting or SDEdit) are hostile
 * input like a link: each input reads at most a fixed number of bytes, checked on the file's size
 * before its contents are read, so a 100 MB file costs nothing. The parsers behind them
 * (`pointsFromCsv`, `parseUploadedCard` in drawing.ts, `pictureProblem` in render/image-input.ts)
 * name the row or field that is wrong.
 */
import { MAX_MLP_PARAMS } from '../../core/mlp/spec';
import { MAX_DRAWING_POINTS } from './drawing';

export type UploadKind = 'csv' | 'card' | 'picture';

const MIB = 2 ** 20;

/**
 * The largest file each input reads. CSV: 3,000 rows of two numbers fit in ~100 kB, so 2 MiB
 * leaves room for comments and long decimals. Card: 200,000 float32 weights are 1.07 MB of
 * base64. Picture: it is shrunk to the model's resolution (at most 32 × 32 here) anyway.
 */
export const MAX_UPLOAD_BYTES: Record<UploadKind, number> = {
  csv: 2 * MIB,
  card: 4 * MIB,
  picture: 16 * MIB,
};

const advice: Record<UploadKind, string> = {
  csv: `a drawing keeps at most ${MAX_DRAWING_POINTS} points, which fit in far less: upload fewer rows`,
  card: `an uploaded card's network has at most ${MAX_MLP_PARAMS} weights: upload a card that Download card or npm run train2d wrote`,
  picture: "the picture is shrunk to the model's resolution anyway, so upload a smaller PNG",
};

const megabytes = (bytes: number): string => `${(bytes / MIB).toFixed(bytes < 10 * MIB ? 1 : 0)} MB`;

/** Why a file is too big to read for this input, or null when its size is fine. */
export function uploadSizeProblem(file: { name: string; size: number }, kind: UploadKind): string | null {
  const limit = MAX_UPLOAD_BYTES[kind];
  if (file.size <= limit) return null;
  return `${file.name} is ${megabytes(file.size)}, over the ${megabytes(limit)} this input reads: ${advice[kind]}.`;
}
