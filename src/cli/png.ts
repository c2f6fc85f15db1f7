/**
 * A minimal PNG encoder (8-bit greyscale or RGB, no interlace) and decoder (8-bit, every colour
 * type, no interlace) over node:zlib, and the two pictures the CLI draws: an image grid and a 2D
 * scatter plot. PNG format: ISO/IEC 15948 (W3C PNG spec).
 */
import { deflateSync, inflateSync } from 'node:zlib';

export interface RasterImage {
  width: number;
  height: number;
  /** 1 (greyscale) or 3 (RGB). */
  channels: 1 | 3;
  /** Row-major, interleaved channels, 0–255. */
  pixels: Uint8Array;
}

const PNG_SIGNATURE = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309 polynomial, as the PNG spec requires) of the given bytes. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, body and the CRC of type and body. */
export function pngChunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'ascii');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** Encode a raster as a PNG file (filter type 0 on every row). */
export function encodePng(image: RasterImage): Buffer {
  const { width, height, channels, pixels } = image;
  if (pixels.length !== width * height * channels) {
    throw new Error(`PNG: ${pixels.length} bytes do not make a ${width}×${height}×${channels} image`);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = channels === 1 ? 0 : 2; // colour type: greyscale or truecolour
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let row = 0; row < height; row++) {
    raw.set(pixels.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', new Uint8Array()),
  ]);
}

/** Map a value of the data range [lo, hi] to a byte, clamping. */
export function toByte(value: number, lo: number, hi: number): number {
  const unit = (value - lo) / (hi - lo);
  return Math.round(255 * Math.min(1, Math.max(0, unit)));
}

export interface GridLayout {
  rows: number;
  cols: number;
  /** Pixels between tiles and around the grid. */
  gap: number;
}

/**
 * Tile samples of shape [C, H, W] (C = 1 or 3, channel-major as the network sees them) into a grid,
 * row by row; a white gap separates tiles.
 */
export function imageGrid(
  samples: Float32Array[],
  shape: readonly number[],
  range: [number, number],
  layout: GridLayout,
): RasterImage {
  const [c, h, w] = shape;
  if (c !== 1 && c !== 3) throw new Error(`PNG grid: ${c} channels cannot be drawn (1 or 3 only)`);
  const { rows, cols, gap } = layout;
  const width = cols * w + (cols + 1) * gap;
  const height = rows * h + (rows + 1) * gap;
  const pixels = new Uint8Array(width * height * c).fill(255);
  samples.forEach((sample, k) => {
    const top = gap + Math.floor(k / cols) * (h + gap);
    const left = gap + (k % cols) * (w + gap);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) {
          const value = sample[ch * h * w + y * w + x];
          pixels[((top + y) * width + left + x) * c + ch] = toByte(value, range[0], range[1]);
        }
      }
    }
  });
  return { width, height, channels: c, pixels };
}

/** A square scatter plot of 2D points over [lo, hi]², dark dots on white, axes through 0. */
export function scatterPlot(points: Float32Array[], range: [number, number], size = 512): RasterImage {
  const [lo, hi] = range;
  const pixels = new Uint8Array(size * size * 3).fill(255);
  const toPixel = (v: number) => Math.round(((v - lo) / (hi - lo)) * (size - 1));
  const paint = (x: number, y: number, rgb: readonly number[]) => {
    if (x < 0 || y < 0 || x >= size || y >= size) return;
    pixels.set(rgb, (y * size + x) * 3);
  };
  if (lo < 0 && hi > 0) {
    const zero = toPixel(0);
    for (let i = 0; i < size; i++) {
      paint(i, size - 1 - zero, [210, 210, 210]);
      paint(zero, i, [210, 210, 210]);
    }
  }
  for (const p of points) {
    const px = toPixel(p[0]);
    const py = size - 1 - toPixel(p[1]);
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) paint(px + dx, py + dy, [31, 78, 160]);
  }
  return { width: size, height: size, channels: 3, pixels };
}

/** Nearest-neighbour enlargement by a whole factor (keeps pixel edges sharp). */
export function upscale(image: RasterImage, factor: number): RasterImage {
  if (factor === 1) return image;
  const { width, height, channels, pixels } = image;
  const out = new Uint8Array(width * height * channels * factor * factor);
  const outWidth = width * factor;
  for (let y = 0; y < height * factor; y++) {
    for (let x = 0; x < outWidth; x++) {
      const from = (Math.floor(y / factor) * width + Math.floor(x / factor)) * channels;
      out.set(pixels.subarray(from, from + channels), (y * outWidth + x) * channels);
    }
  }
  return { width: outWidth, height: height * factor, channels, pixels: out };
}

/** Samples per pixel of each 8-bit colour type: grey, RGB, palette, grey + alpha, RGBA. */
const COLOUR_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The Paeth predictor of filter type 4. */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the per-row filters (types 0–4) of `bpp`-byte pixels in place of a fresh buffer. */
function unfilter(raw: Buffer, width: number, height: number, bpp: number): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)];
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const at = y * stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= bpp ? out[at + x - bpp] : 0;
      const up = y > 0 ? out[at - stride + x] : 0;
      const corner = y > 0 && x >= bpp ? out[at - stride + x - bpp] : 0;
      const predicted = [0, left, up, (left + up) >> 1, paeth(left, up, corner)][type];
      if (predicted === undefined) throw new Error(`PNG: unknown filter type ${type} in row ${y}`);
      out[at + x] = (row[x] + predicted) & 0xff;
    }
  }
  return out;
}

/**
 * Decodes an 8-bit, non-interlaced PNG into RGB or grey pixels (palette expanded; alpha composited
 * over black, so a transparent background reads as 0).
 */
export function decodePng(bytes: Uint8Array): RasterImage {
  const png = Buffer.from(bytes);
  if (png.length < 8 || !PNG_SIGNATURE.every((b, k) => png[k] === b)) throw new Error('not a PNG file');
  let header: Buffer | null = null;
  let palette: Buffer | null = null;
  const data: Buffer[] = [];
  for (let at = 8; at + 8 <= png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const body = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') header = body;
    else if (type === 'PLTE') palette = body;
    else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  if (!header) throw new Error('PNG: no IHDR chunk');
  const [width, height] = [header.readUInt32BE(0), header.readUInt32BE(4)];
  const [depth, colour, interlace] = [header[8], header[9], header[12]];
  const samples = COLOUR_CHANNELS[colour];
  if (depth !== 8 || samples === undefined || interlace !== 0) {
    throw new Error(
      `PNG: only 8-bit, non-interlaced images are read (this one: ${depth}-bit, colour type ${colour}, ` +
        `interlace ${interlace}); save it as an ordinary 8-bit PNG`,
    );
  }
  const pixels = unfilter(inflateSync(Buffer.concat(data)), width, height, samples);
  const grey = colour === 0 || colour === 4;
  const channels = grey ? 1 : 3;
  const out = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    const source = pixels.subarray(p * samples, (p + 1) * samples);
    let values: ArrayLike<number> = source;
    if (colour === 3) {
      if (!palette || source[0] * 3 + 2 >= palette.length) throw new Error('PNG: palette index out of range');
      values = palette.subarray(source[0] * 3, source[0] * 3 + 3);
    }
    const alpha = colour === 4 ? source[1] : colour === 6 ? source[3] : 255;
    for (let c = 0; c < channels; c++) out[p * channels + c] = Math.round((values[c] * alpha) / 255);
  }
  return { width, height, channels, pixels: out };
}
