import { describe, expect, it } from 'vitest';
import { gridColumns, toByte } from '../../src/shared/grid-layout';
import { renderImageGrid } from '../../src/ui/render/image-grid';

const pixel = (img: { width: number; data: Uint8ClampedArray }, x: number, y: number) =>
  Array.from(img.data.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

describe('image grid', () => {
  it('maps the data range linearly onto bytes and clamps outside it', () => {
    expect(toByte(-1, -1, 1)).toBe(0);
    expect(toByte(1, -1, 1)).toBe(255);
    expect(toByte(0, -1, 1)).toBe(128); // 127.5 rounds up
    expect(toByte(-5, -1, 1)).toBe(0);
    expect(toByte(9, -1, 1)).toBe(255);
    expect(toByte(Number.NaN, -1, 1)).toBe(0);
  });

  it('uses a near-square layout', () => {
    expect([1, 2, 4, 5, 16, 17, 64].map(gridColumns)).toEqual([1, 2, 2, 3, 4, 5, 8]);
  });

  it('places grey tiles row-major with a 1-pixel gutter', () => {
    // three 1×2×2 images: tile b has all pixels = b (range [0, 2]) except its top-left pixel = 2
    const x = new Float32Array([2, 0, 0, 0, 2, 1, 1, 1, 2, 2, 2, 2]);
    const img = renderImageGrid(x, 3, [1, 2, 2], [0, 2]);
    expect([img.width, img.height]).toEqual([5, 5]); // 2 columns, 2 rows of 2 px + gutter
    expect(pixel(img, 0, 0)).toEqual([255, 255, 255, 255]);
    expect(pixel(img, 1, 1)).toEqual([0, 0, 0, 255]);
    expect(pixel(img, 4, 1)).toEqual([128, 128, 128, 255]); // tile 1, bottom-right
    expect(pixel(img, 1, 3)).toEqual([255, 255, 255, 255]); // tile 2
    expect(pixel(img, 2, 0)).toEqual([24, 27, 34, 255]); // gutter
    expect(pixel(img, 4, 4)).toEqual([24, 27, 34, 255]); // empty fourth cell
  });

  it('reads RGB images channel-planar', () => {
    const x = new Float32Array([1, 0, 0.5]); // one 3×1×1 image: R=1, G=0, B=0.5
    const img = renderImageGrid(x, 1, [3, 1, 1], [0, 1]);
    expect(pixel(img, 0, 0)).toEqual([255, 0, 128, 255]);
  });
});
