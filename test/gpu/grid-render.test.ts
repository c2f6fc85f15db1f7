/**
 * GridRenderer against the CPU renderImageGrid: the same RGBA bytes, exactly, for both canvas
 * formats a browser prefers (rgba8unorm, bgra8unorm). Runs in the browser project on SwiftShader.
 *
 * Two suites. "into a texture" draws with drawTo into a plain GPUTexture and copies it back: the
 * same pipeline, shader and bytes as a canvas frame, and it runs with the project's usual Chromium
 * flags. "on a canvas" goes through render() and a real WebGPU canvas context, read back both as
 * the canvas texture and as the page sees it (drawn into a 2D canvas), plus an OffscreenCanvas
 * frame taken by transferToImageBitmap. Headless Chromium presents a WebGPU canvas only with
 * Vulkan on SwiftShader (test/chromium.ts has the flags); without them getCurrentTexture() loses
 * every WebGPU device of the browser.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { byteThresholds, GridRenderer, type GridTarget } from '../../src/gpu/grid-render';
import { toByte } from '../../src/shared/grid-layout';
import { renderImageGrid } from '../../src/ui/render/image-grid';

let devicePromise: Promise<GPUDevice> | undefined;
const deviceErrors: string[] = [];

/** The test device; a missing adapter fails every test with this message instead of skipping. */
function device(): Promise<GPUDevice> {
  devicePromise ??= (async () => {
    if (!navigator.gpu) {
      throw new Error('navigator.gpu is missing: the GridRenderer tests need WebGPU (SwiftShader will do).');
    }
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) throw new Error('navigator.gpu.requestAdapter() found no WebGPU adapter.');
    const dev = await adapter.requestDevice();
    const { vendor, architecture, description } = adapter.info;
    console.log(`adapter: ${[vendor, architecture, description].filter(Boolean).join(' / ')}`);
    void dev.lost.then((info) => console.log(`DEVICE LOST: ${info.reason} ${info.message}`));
    dev.addEventListener('uncapturederror', (event) => {
      deviceErrors.push((event as GPUUncapturedErrorEvent).error.message);
    });
    return dev;
  })();
  return devicePromise;
}

const owned: { destroy(): void }[] = [];

afterEach(async () => {
  for (const thing of owned.splice(0)) thing.destroy();
  if (devicePromise) await (await devicePromise).queue.onSubmittedWorkDone();
  expect(deviceErrors.splice(0)).toEqual([]);
});

async function storage(size: number, usage = GPUBufferUsage.STORAGE): Promise<GPUBuffer> {
  const buffer = (await device()).createBuffer({ size, usage });
  owned.push(buffer);
  return buffer;
}

async function upload(values: Float32Array<ArrayBuffer>): Promise<GPUBuffer> {
  const dev = await device();
  const buffer = dev.createBuffer({
    size: Math.max(4, values.byteLength),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  dev.queue.writeBuffer(buffer, 0, values);
  owned.push(buffer);
  return buffer;
}

/** The canvas's current texture (the frame render() just drew, until the browser presents it). */
function canvasTexture(canvas: GridTarget): GPUTexture {
  return (canvas.getContext('webgpu') as GPUCanvasContext).getCurrentTexture();
}

/**
 * Starts a copy of the texture into a buffer (for a canvas texture: in the same task as render)
 * and resolves to its RGBA bytes, B and R swapped back for bgra8unorm.
 */
function readTexture(texture: GPUTexture, dev: GPUDevice): Promise<Uint8Array> {
  const { width, height, format } = texture;
  const bytesPerRow = Math.ceil((width * 4) / 256) * 256;
  const staging = dev.createBuffer({
    size: bytesPerRow * height,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = dev.createCommandEncoder();
  encoder.copyTextureToBuffer({ texture }, { buffer: staging, bytesPerRow }, [width, height]);
  dev.queue.submit([encoder.finish()]);
  return staging.mapAsync(GPUMapMode.READ).then(() => {
    const padded = new Uint8Array(staging.getMappedRange());
    const out = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++)
      out.set(padded.subarray(y * bytesPerRow, y * bytesPerRow + width * 4), y * width * 4);
    staging.unmap();
    staging.destroy();
    if (format === 'bgra8unorm') {
      for (let p = 0; p < out.length; p += 4) [out[p], out[p + 2]] = [out[p + 2], out[p]];
    }
    return out;
  });
}

/** What the page sees: the canvas (or a bitmap) drawn into a 2D canvas and read back. */
function readVia2d(source: CanvasImageSource, width: number, height: number): Uint8ClampedArray {
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D context');
  ctx.drawImage(source, 0, 0);
  return ctx.getImageData(0, 0, width, height).data;
}

/** Every byte differing from the CPU grid, described (the first few), or [] when identical. */
function mismatches(
  got: ArrayLike<number>,
  want: { width: number; data: Uint8ClampedArray },
  x?: Float32Array,
) {
  expect(got.length).toBe(want.data.length);
  const out: string[] = [];
  let count = 0;
  for (let k = 0; k < got.length; k++) {
    if (got[k] === want.data[k]) continue;
    count++;
    if (out.length < 8) {
      const p = k >> 2;
      out.push(
        `pixel (${p % want.width}, ${Math.floor(p / want.width)}) channel ${k & 3}: ${got[k]}, CPU ${want.data[k]}`,
      );
    }
  }
  if (count > out.length) out.push(`… ${count} bytes in all${x ? ` (${x.length} inputs)` : ''}`);
  return out;
}

/** Deterministic values in roughly [−1.6, 1.6] (no Math.random). */
function pattern(length: number, salt: number): Float32Array<ArrayBuffer> {
  return Float32Array.from(
    { length },
    (_, k) => 1.6 * Math.sin(k * 0.7311 + salt * 1.37 + Math.cos(k * 0.13)),
  );
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function floatOfBits(bits: number): number {
  u32[0] = bits;
  return f32[0];
}
function bitsOf(v: number): number {
  f32[0] = v;
  return u32[0];
}
/** The float32 `steps` places up (+) or down (−) from v in value order. */
function nudge(v: number, steps: number): number {
  let x = Math.fround(v);
  for (let s = 0; s < Math.abs(steps); s++) {
    const up = steps > 0;
    if (x === 0) {
      x = floatOfBits(up ? 1 : 0x80000001);
      continue;
    }
    const bits = bitsOf(x);
    x = floatOfBits(x > 0 === up ? bits + 1 : bits - 1);
  }
  return x;
}

/** Hard inputs: NaN, ±∞, ±0, subnormals, the extremes, far outside the range. */
const SPECIALS = [
  Number.NaN,
  floatOfBits(0xffc00000), // a negative NaN
  floatOfBits(0x7f800001), // a signalling-pattern NaN
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0,
  -0,
  floatOfBits(1),
  floatOfBits(0x80000001),
  floatOfBits(0x007fffff),
  3.4e38,
  -3.4e38,
  1e9,
  -1e9,
];

/**
 * Values straddling every rounding boundary of toByte for `range`, found independently of the
 * renderer: for each byte k, the float32s around lo + (k − ½)/255·(hi − lo) (the exact half-way
 * points Math.round rounds up), plus the clamping ends, plus SPECIALS.
 */
function boundaryValues(range: readonly [number, number]): number[] {
  const [lo, hi] = range;
  const values = [...SPECIALS];
  for (let k = 0; k <= 256; k++) {
    const centre = lo + ((k - 0.5) / 255) * (hi - lo);
    for (let s = -2; s <= 2; s++) values.push(nudge(centre, s));
  }
  for (const end of [lo, hi]) for (let s = -2; s <= 2; s++) values.push(nudge(end, s));
  return values;
}

interface Case {
  name: string;
  batch: number;
  shape: number[];
  range: [number, number];
  values: Float32Array<ArrayBuffer>;
}

function fill(length: number, salt: number, front: number[]): Float32Array<ArrayBuffer> {
  const x = pattern(length, salt);
  x.set(front.slice(0, length));
  return x;
}

function cases(): Case[] {
  const out: Case[] = [];
  const add = (
    name: string,
    batch: number,
    shape: number[],
    range: [number, number],
    front: number[],
    salt: number,
  ) => {
    const length = batch * shape.reduce((a, b) => a * b, 1);
    out.push({ name, batch, shape, range, values: fill(length, salt, front) });
  };
  add('one grey tile', 1, [1, 5, 7], [0, 1], SPECIALS, 1);
  // 5 tiles: 3 columns, 2 rows, the last cell empty.
  add('RGB, batch 5', 5, [3, 6, 4], [-1, 1], SPECIALS, 2);
  // 7 tiles of a 2-D shape: 3 × 3 grid, two empty cells; an off-centre range.
  add('[H, W] shape, batch 7', 7, [4, 9], [-0.5, 2.5], SPECIALS, 3);
  // 10 RGB tiles in a 4 × 3 grid, every rounding boundary of [−1, 1] inside.
  add('RGB, batch 10, boundaries', 10, [3, 8, 9], [-1, 1], boundaryValues([-1, 1]), 4);
  add('grey boundaries of [0, 1]', 2, [1, 30, 30], [0, 1], boundaryValues([0, 1]), 5);
  add('boundaries of [-3.7, 12.1]', 3, [1, 24, 24], [-3.7, 12.1], boundaryValues([-3.7, 12.1]), 6);
  add('reversed range [1, -1]', 3, [3, 14, 14], [1, -1], boundaryValues([1, -1]), 7);
  add(
    'degenerate range [0.5, 0.5]',
    2,
    [1, 4, 5],
    [0.5, 0.5],
    [...SPECIALS, 0.5, nudge(0.5, 1), nudge(0.5, -1)],
    8,
  );
  // A dense sweep: 65536 evenly spaced float32s over [−1.2, 1.2], one 256 × 256 tile.
  out.push({
    name: 'sweep of [-1.2, 1.2]',
    batch: 1,
    shape: [1, 256, 256],
    range: [-1, 1],
    values: Float32Array.from({ length: 65536 }, (_, k) => -1.2 + (2.4 * k) / 65535),
  });
  return out;
}

const FORMATS: GPUTextureFormat[] = ['rgba8unorm', 'bgra8unorm'];
const READABLE = GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC;

async function texture(format: GPUTextureFormat, width: number, height: number): Promise<GPUTexture> {
  const t = (await device()).createTexture({ format, size: [width, height], usage: READABLE });
  owned.push(t);
  return t;
}

describe('GridRenderer', () => {
  it('thresholds reproduce toByte on every boundary value (CPU check of the table)', () => {
    for (const range of [
      [0, 1],
      [-1, 1],
      [1, -1],
      [-3.7, 12.1],
      [0.5, 0.5],
    ] as [number, number][]) {
      const { thresholds, flip } = byteThresholds(range[0], range[1]);
      expect(thresholds[0]).toBe(0);
      for (let k = 1; k < 256; k++) expect(thresholds[k]).toBeGreaterThanOrEqual(thresholds[k - 1]);
      for (const v of boundaryValues(range)) {
        const bits = bitsOf(v);
        const isNaN = (bits & 0x7fffffff) > 0x7f800000;
        const key = ((bits & 0x80000000 ? ~bits : bits ^ 0x80000000) ^ flip) >>> 0;
        let level = 0;
        while (level < 255 && thresholds[level + 1] <= key) level++;
        expect(isNaN ? 0 : level, `${v} in [${range}]`).toBe(toByte(Math.fround(v), range[0], range[1]));
      }
    }
  });

  for (const format of FORMATS) {
    it(`into a texture: matches renderImageGrid byte for byte (${format})`, async () => {
      const dev = await device();
      for (const c of cases()) {
        const want = renderImageGrid(c.values, c.batch, c.shape, c.range);
        const renderer = new GridRenderer(dev, { batch: c.batch, shape: c.shape, range: c.range, format });
        owned.push(renderer);
        expect([renderer.gridWidth, renderer.gridHeight]).toEqual([want.width, want.height]);
        const target = await texture(format, want.width, want.height);
        renderer.drawTo(await upload(c.values), target);
        expect(mismatches(await readTexture(target, dev), want, c.values), c.name).toEqual([]);
      }
    });
  }

  it('into a texture: frame after frame, from a new buffer or a rewritten one, larger buffers too', async () => {
    const dev = await device();
    const batch = 6;
    const shape = [3, 5, 5];
    const range: [number, number] = [-1, 1];
    const length = batch * 75;
    const renderer = new GridRenderer(dev, { batch, shape, range, format: 'rgba8unorm' });
    owned.push(renderer);
    const target = await texture('rgba8unorm', renderer.gridWidth, renderer.gridHeight);
    const roomy = await upload(new Float32Array(length + 100));
    for (let frame = 0; frame < 4; frame++) {
      const values = pattern(length, 10 + frame);
      values[frame] = Number.NaN;
      // Frames 0 and 2 rewrite one larger buffer in place; 1 and 3 come in new buffers.
      let buffer = roomy;
      if (frame % 2) buffer = await upload(values);
      else dev.queue.writeBuffer(roomy, 0, values);
      renderer.drawTo(buffer, target);
      const got = await readTexture(target, dev);
      expect(mismatches(got, renderImageGrid(values, batch, shape, range)), `frame ${frame}`).toEqual([]);
    }
  });

  it('rejects bad shapes, short buffers, non-storage buffers, wrong-size textures and use after destroy', async () => {
    const dev = await device();
    expect(() => new GridRenderer(dev, { batch: 0, shape: [1, 2, 2], range: [0, 1] })).toThrow(/batch/);
    expect(() => new GridRenderer(dev, { batch: 2, shape: [1, 2, 2.5], range: [0, 1] })).toThrow(/width/);
    expect(() => new GridRenderer(dev, { batch: 2, shape: [1, 1, 2, 2], range: [0, 1] })).toThrow(/shape/);
    expect(() => new GridRenderer(dev, { batch: 1, shape: [1, 1, 1e5], range: [0, 1] })).toThrow(
      /texture limit/,
    );
    const renderer = new GridRenderer(dev, {
      batch: 2,
      shape: [3, 4, 4],
      range: [0, 1],
      format: 'rgba8unorm',
    });
    owned.push(renderer);
    expect([renderer.gridWidth, renderer.gridHeight, renderer.inputBytes]).toEqual([9, 4, 384]);
    const target = await texture('rgba8unorm', 9, 4);
    const short = await storage(380);
    const right = await storage(384);
    const copyOnly = await storage(384, GPUBufferUsage.COPY_DST);
    const taller = await texture('rgba8unorm', 9, 5);
    expect(() => renderer.drawTo(short, target)).toThrow(/smaller than 2 × \[3, 4, 4\]/);
    expect(() => renderer.drawTo(copyOnly, target)).toThrow(/STORAGE/);
    expect(() => renderer.drawTo(right, taller)).toThrow(/not the 9 × 4 grid/);
    const twoD = document.createElement('canvas');
    twoD.getContext('2d');
    expect(() => renderer.render(right, twoD)).toThrow(/non-WebGPU context/);
    renderer.destroy();
    expect(() => renderer.drawTo(right, target)).toThrow(/destroyed/);
    expect(() => renderer.render(right, document.createElement('canvas'))).toThrow(/destroyed/);
  });
});

describe('GridRenderer on a canvas', () => {
  for (const format of FORMATS) {
    it(`matches renderImageGrid byte for byte on an HTML canvas (${format})`, async () => {
      const dev = await device();
      for (const c of cases()) {
        const want = renderImageGrid(c.values, c.batch, c.shape, c.range);
        const renderer = new GridRenderer(dev, {
          batch: c.batch,
          shape: c.shape,
          range: c.range,
          format,
          usage: READABLE,
        });
        owned.push(renderer);
        const canvas = document.createElement('canvas');
        renderer.render(await upload(c.values), canvas);
        expect([canvas.width, canvas.height]).toEqual([want.width, want.height]);
        const texture = readTexture(canvasTexture(canvas), dev);
        const seen = readVia2d(canvas, want.width, want.height);
        expect(mismatches(await texture, want, c.values), `${c.name}: canvas texture`).toEqual([]);
        expect(mismatches(seen, want), `${c.name}: drawn into 2D`).toEqual([]);
      }
    });
  }

  it('draws frame after frame on one canvas, resizing and reconfiguring it as grid and format change', async () => {
    const dev = await device();
    const canvas = document.createElement('canvas');
    for (const [frame, batch] of [3, 3, 8, 2].entries()) {
      const shape = [3, 4, 6];
      const values = pattern(batch * 72, 20 + frame);
      // Alternating formats: each renderer reconfigures the shared canvas for its own.
      const format = FORMATS[frame % 2];
      const renderer = new GridRenderer(dev, { batch, shape, range: [-1, 1], format, usage: READABLE });
      owned.push(renderer);
      renderer.render(await upload(values), canvas);
      const want = renderImageGrid(values, batch, shape, [-1, 1]);
      expect(mismatches(await readTexture(canvasTexture(canvas), dev), want), `frame ${frame}`).toEqual([]);
    }
  });

  it('renders into an OffscreenCanvas whose ImageBitmap (transferToImageBitmap) holds the same bytes', async () => {
    const dev = await device();
    for (const c of cases().slice(1, 4)) {
      const want = renderImageGrid(c.values, c.batch, c.shape, c.range);
      const renderer = new GridRenderer(dev, { batch: c.batch, shape: c.shape, range: c.range });
      owned.push(renderer);
      const canvas = new OffscreenCanvas(1, 1);
      renderer.render(await upload(c.values), canvas);
      const bitmap = canvas.transferToImageBitmap();
      expect([bitmap.width, bitmap.height]).toEqual([want.width, want.height]);
      expect(mismatches(readVia2d(bitmap, want.width, want.height), want), c.name).toEqual([]);
      bitmap.close();
    }
  });
});
