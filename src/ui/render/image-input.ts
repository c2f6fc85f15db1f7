/**
 * Pictures into the model's data (controllable generation, issue 13): an uploaded PNG resized to the
 * model's resolution and mapped to its range, and the drawing arithmetic of the mask overlay and
 * the SDEdit canvas (round brush at a pixel). Values are one image in channel-first layout.
 */
import { chw } from '../../shared/grid-layout';
import { uploadSizeProblem } from '../state/uploads';

/**
 * RGBA bytes of a width × height picture (already at the model's resolution) as one image of
 * `shape` in `range`: byte 0 → low, 255 → high; one channel takes the mean of R, G and B.
 */
export function rgbaToModel(
  rgba: Uint8ClampedArray,
  shape: readonly number[],
  range: readonly [number, number],
): Float32Array {
  const [channels, height, width] = chw(shape);
  const [lo, hi] = range;
  const out = new Float32Array(channels * height * width);
  for (let p = 0; p < height * width; p++) {
    const [r, g, b] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
    for (let c = 0; c < channels; c++) {
      const byte = channels === 1 ? (r + g + b) / 3 : [r, g, b][Math.min(c, 2)];
      out[c * height * width + p] = lo + ((hi - lo) * byte) / 255;
    }
  }
  return out;
}

/** Largest picture decoded: 4096 × 4096 pixels (64 MiB of RGBA), far above any model here. */
export const MAX_PICTURE_PIXELS = 4096 * 4096;

export interface PictureHeader {
  format: 'PNG' | 'JPEG' | 'GIF';
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** JPEG: the frame size from the first start-of-frame marker (SOF0–SOF15 but DHT, JPG, DAC). */
function jpegSize(bytes: Uint8Array): { width: number; height: number } | null {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (bytes[at + 5] << 8) | bytes[at + 6], width: (bytes[at + 7] << 8) | bytes[at + 8] };
    }
    if (length < 2) return null;
    at += 2 + length;
  }
  return null;
}

/**
 * The format and size a picture file declares in its header (PNG, JPEG, GIF), read without
 * decoding it; null when the bytes are none of these or the header is cut short.
 */
export function pictureHeader(bytes: Uint8Array): PictureHeader | null {
  const u32 = (at: number) =>
    ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
  if (bytes.length >= 24 && PNG_SIGNATURE.every((b, k) => bytes[k] === b)) {
    // The first chunk is IHDR: width and height, 4 bytes each, big-endian.
    if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
    return { format: 'PNG', width: u32(16), height: u32(20) };
  }
  if (bytes.length >= 10 && /^GIF8[79]a$/.test(String.fromCharCode(...bytes.subarray(0, 6)))) {
    return { format: 'GIF', width: bytes[6] | (bytes[7] << 8), height: bytes[8] | (bytes[9] << 8) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    const size = jpegSize(bytes);
    return size && { format: 'JPEG', ...size };
  }
  return null;
}

/**
 * Why an uploaded picture is not decoded, or null when it may be: it must be a PNG (or JPEG or
 * GIF) whose header declares at most MAX_PICTURE_PIXELS pixels, so a small file that claims a
 * huge picture (a decompression bomb) never reaches the decoder.
 */
export function pictureProblem(bytes: Uint8Array, name: string): string | null {
  const header = pictureHeader(bytes);
  if (header === null)
    return `${name} is not a PNG, JPEG or GIF picture (or its header is damaged): upload a PNG.`;
  const { format, width, height } = header;
  if (width < 1 || height < 1)
    return `${name}: its ${format} header gives a size of ${width} × ${height}: upload a PNG with pixels.`;
  if (width * height > MAX_PICTURE_PIXELS) {
    return (
      `${name} is a ${width} × ${height} ${format}, over the ${Math.sqrt(MAX_PICTURE_PIXELS)} × ${Math.sqrt(MAX_PICTURE_PIXELS)} ` +
      "pixels this page decodes: it is shrunk to the model's resolution anyway, so upload a smaller PNG."
    );
  }
  return null;
}

/**
 * Decodes an uploaded image file and resizes it to the model's resolution (in the page), after
 * checking its size (uploads.ts) and its header (pictureProblem); a problem throws with the message.
 */
export async function fileToModel(
  file: Blob,
  name: string,
  shape: readonly number[],
  range: readonly [number, number],
): Promise<Float32Array> {
  const [, height, width] = chw(shape);
  const tooBig = uploadSizeProblem({ name, size: file.size }, 'picture');
  if (tooBig !== null) throw new Error(tooBig);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const problem = pictureProblem(bytes, name);
  if (problem !== null) throw new Error(problem);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]));
  } catch {
    throw new Error(`${name} could not be decoded as a picture (the file may be damaged): upload a PNG.`);
  }
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('This browser cannot resize the picture (no 2D canvas).');
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return rgbaToModel(ctx.getImageData(0, 0, width, height).data, shape, range);
}

/**
 * Paints value `value` with a round brush of diameter `size` pixels at (x, y) into every channel of
 * one image of `shape`, in place; returns whether anything changed.
 */
export function paintDisc(
  image: Float32Array,
  shape: readonly number[],
  x: number,
  y: number,
  size: number,
  value: number,
): boolean {
  const [channels, height, width] = chw(shape);
  const r = Math.max(0.5, size / 2);
  let changed = false;
  for (let py = Math.floor(y - r); py <= Math.ceil(y + r); py++) {
    for (let px = Math.floor(x - r); px <= Math.ceil(x + r); px++) {
      if (px < 0 || py < 0 || px >= width || py >= height) continue;
      if ((px + 0.5 - x) ** 2 + (py + 0.5 - y) ** 2 > r * r) continue;
      for (let c = 0; c < channels; c++) {
        const e = c * height * width + py * width + px;
        if (image[e] !== value) changed = true;
        image[e] = value;
      }
    }
  }
  return changed;
}

/**
 * Where a pointer event lands in a canvas drawn with `object-fit: contain`: the canvas pixel
 * (fractional) of an intrinsic width × height picture, or null outside the picture.
 */
export function pointerToPixel(
  rect: { left: number; top: number; width: number; height: number },
  clientX: number,
  clientY: number,
  width: number,
  height: number,
): { x: number; y: number } | null {
  const scale = Math.min(rect.width / width, rect.height / height);
  if (!(scale > 0)) return null;
  const x = (clientX - rect.left - (rect.width - width * scale) / 2) / scale;
  const y = (clientY - rect.top - (rect.height - height * scale) / 2) / scale;
  return x >= 0 && y >= 0 && x < width && y < height ? { x, y } : null;
}
