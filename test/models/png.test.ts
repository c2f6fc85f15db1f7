import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, decodePng, encodePng, imageGrid, pngChunk, scatterPlot, toByte } from '../../src/cli/png';

/** Split a PNG file into its chunks, checking each CRC against an independent definition. */
function readChunks(png: Buffer): { type: string; body: Buffer }[] {
  const chunks = [];
  let at = 8;
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const body = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
    chunks.push({ type, body });
    at += 12 + length;
  }
  return chunks;
}

describe('crc32', () => {
  it('gives the standard check value of "123456789" (0xCBF43926)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
  it('gives 0 for no bytes', () => {
    expect(crc32(new Uint8Array())).toBe(0);
  });
});

describe('encodePng', () => {
  const pixels = Uint8Array.from([0, 50, 100, 150, 200, 250]); // 3×2 greyscale
  const png = encodePng({ width: 3, height: 2, channels: 1, pixels });

  it('starts with the PNG signature and has IHDR, IDAT, IEND in order', () => {
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(readChunks(png).map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  });

  it('declares the size, 8-bit depth and colour type in IHDR', () => {
    const ihdr = readChunks(png)[0].body;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]]).toEqual([3, 2, 8, 0]);
    const rgb = encodePng({ width: 1, height: 1, channels: 3, pixels: Uint8Array.from([1, 2, 3]) });
    expect(readChunks(rgb)[0].body[9]).toBe(2);
  });

  it('stores every row behind a filter byte 0, losslessly', () => {
    const raw = inflateSync(readChunks(png)[1].body);
    expect([...raw]).toEqual([0, 0, 50, 100, 0, 150, 200, 250]);
  });

  it('refuses pixel data of the wrong length', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 1, pixels: new Uint8Array(3) })).toThrow(/2×2×1/);
  });
});

describe('pictures', () => {
  it('maps the data range to 0–255 and clamps outside it', () => {
    expect([
      toByte(-1, -1, 1),
      toByte(0, -1, 1),
      toByte(1, -1, 1),
      toByte(5, -1, 1),
      toByte(-5, -1, 1),
    ]).toEqual([0, 128, 255, 255, 0]);
  });

  it('tiles [1,2,2] samples into a grid with white gaps', () => {
    const a = Float32Array.from([-1, -1, -1, -1]);
    const b = Float32Array.from([1, -1, -1, 1]);
    const img = imageGrid([a, b], [1, 2, 2], [-1, 1], { rows: 1, cols: 2, gap: 1 });
    expect([img.width, img.height]).toEqual([7, 4]);
    const row1 = [...img.pixels.subarray(7, 14)];
    expect(row1).toEqual([255, 0, 0, 255, 255, 0, 255]);
  });

  it('draws a 2D point where its coordinates say (y up)', () => {
    const img = scatterPlot([Float32Array.from([1, 1])], [-2, 2], 101);
    const at = (x: number, y: number) => [...img.pixels.subarray((y * 101 + x) * 3, (y * 101 + x) * 3 + 3)];
    expect(at(75, 25)).toEqual([31, 78, 160]); // x = 1 → column 75; y = 1 → row 100 − 75
    expect(at(25, 75)).toEqual([255, 255, 255]);
  });
});

/** A PNG whose rows use filter types 0–4 in turn (PNG spec §9), built by the forward filters. */
function filteredPng(width: number, height: number, colour: number, bpp: number, pixels: Uint8Array): Buffer {
  const stride = width * bpp;
  const raw = Buffer.alloc((stride + 1) * height);
  const at = (x: number, y: number) => (x < 0 || y < 0 ? 0 : pixels[y * stride + x]);
  for (let y = 0; y < height; y++) {
    const type = y % 5;
    raw[y * (stride + 1)] = type;
    for (let x = 0; x < stride; x++) {
      const [a, b, c] = [at(x - bpp, y), at(x, y - 1), at(x - bpp, y - 1)];
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const predicted = [0, a, b, (a + b) >> 1, paeth][type];
      raw[y * (stride + 1) + 1 + x] = (pixels[y * stride + x] - predicted) & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = colour;
  return Buffer.concat([
    encodePng({ width: 1, height: 1, channels: 1, pixels: new Uint8Array(1) }).subarray(0, 8),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('decodePng', () => {
  const noise = (n: number) => Uint8Array.from({ length: n }, (_, k) => (k * 97 + (k >> 3) * 31) & 0xff);

  it('reads back what encodePng wrote, grey and RGB', () => {
    for (const channels of [1, 3] as const) {
      const image = { width: 5, height: 3, channels, pixels: noise(15 * channels) };
      expect(decodePng(encodePng(image))).toEqual(image);
    }
  });

  it('undoes every row filter (none, sub, up, average, Paeth)', () => {
    const pixels = noise(7 * 10 * 3);
    expect(decodePng(filteredPng(7, 10, 2, 3, pixels)).pixels).toEqual(pixels);
  });

  it('composites alpha over black and keeps grey as grey', () => {
    // Grey + alpha: (200, 255) → 200, (200, 0) → 0, (200, 128) → 100.
    const image = decodePng(filteredPng(3, 1, 4, 2, Uint8Array.from([200, 255, 200, 0, 200, 128])));
    expect(image.channels).toBe(1);
    expect([...image.pixels]).toEqual([200, 0, 100]);
  });

  it('says what it cannot read', () => {
    expect(() => decodePng(Buffer.from('not a png'))).toThrow(/not a PNG/);
  });
});
