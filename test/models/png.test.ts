import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, encodePng, imageGrid, scatterPlot, toByte } from '../../src/cli/png';

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
