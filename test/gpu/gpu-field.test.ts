/**
 * GpuField against float64 CPU references written here from the Field contract (src/core/field.ts),
 * and its noise against rng.ts gaussianNoise. Runs in the browser project; in CI the only WebGPU
 * adapter is SwiftShader, so sizes stay small except the million-sample noise check.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Coef, Term } from '../../src/core/field';
import {
  BROWNIAN_DEPTH,
  brownianNormals,
  brownianPlan,
  clockIndex,
  clockValue,
} from '../../src/core/brownian';
import { cpuField } from '../../src/core/field-cpu';
import { gaussianNoise, PRIOR_STEP } from '../../src/core/rng';
import { GpuField } from '../../src/gpu/gpu-field';
import { BOX_MULLER_WGSL } from '../../src/gpu/kernels';

let devicePromise: Promise<GPUDevice> | undefined;
const deviceErrors: string[] = [];

/** The test device; a missing adapter fails every test with this message instead of skipping. */
function device(): Promise<GPUDevice> {
  devicePromise ??= (async () => {
    if (!navigator.gpu) {
      throw new Error(
        'navigator.gpu is missing: the GpuField tests need WebGPU (Chromium with --enable-unsafe-webgpu; SwiftShader will do).',
      );
    }
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter)
      throw new Error('navigator.gpu.requestAdapter() found no WebGPU adapter: cannot test GpuField.');
    const { vendor, architecture, description } = adapter.info;
    console.log(
      `GpuField tests on WebGPU adapter: ${[vendor, architecture, description].filter(Boolean).join(' / ')}`,
    );
    const dev = await adapter.requestDevice();
    dev.addEventListener('uncapturederror', (event) => {
      deviceErrors.push((event as GPUUncapturedErrorEvent).error.message);
    });
    return dev;
  })();
  return devicePromise;
}

const fields: GpuField[] = [];
async function field(batch: number, dim: number, maxWorkgroupsPerDimension?: number): Promise<GpuField> {
  const f = new GpuField(await device(), batch, dim, { maxWorkgroupsPerDimension });
  fields.push(f);
  return f;
}

afterEach(async () => {
  for (const f of fields.splice(0)) f.destroy();
  if (devicePromise) await (await devicePromise).queue.onSubmittedWorkDone();
  // WebGPU reports validation errors asynchronously; none may have happened during the test.
  expect(deviceErrors.splice(0)).toEqual([]);
});

/** Deterministic test values (no Math.random): a smooth pattern with varied signs and scales. */
function pattern(length: number, salt: number): Float32Array {
  return Float32Array.from(
    { length },
    (_, k) => Math.sin(k * 0.731 + salt * 1.37) * (1 + ((k * 7 + salt) % 5)),
  );
}

function coefAt(c: Coef, sample: number): number {
  return typeof c === 'number' ? c : c[sample];
}

/** Σ cⱼvⱼ in float64, and Σ|cⱼvⱼ| to scale the tolerance (f32 coefficients and sums). */
function combineReference(terms: readonly Term<Float32Array>[], batch: number, dim: number) {
  const sum = new Float64Array(batch * dim);
  const magnitude = new Float64Array(batch * dim);
  for (const [c, v] of terms) {
    if (c === 0) continue;
    for (let k = 0; k < sum.length; k++) {
      const term = coefAt(c, Math.floor(k / dim)) * v[k];
      sum[k] += term;
      magnitude[k] += Math.abs(term);
    }
  }
  return { sum, magnitude };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
  return worst;
}

describe('GpuField noise', () => {
  it('matches gaussianNoise within 1e-5 over a million samples', async () => {
    // 250 × 4001: a length that is neither a multiple of 4 nor of the workgroup size.
    const f = await field(250, 4001);
    const seed = 20240611;
    const v = f.noise(seed, 17, 2);
    const gpu = await f.read(v);
    const cpu = gaussianNoise(seed, 17, 2, f.batch * f.dim);
    const err = maxAbsDiff(gpu, cpu);
    let extreme = 0;
    for (const x of cpu) extreme = Math.max(extreme, Math.abs(x));
    console.log(
      `GpuField noise: max |gpu − cpu| = ${err.toExponential(3)} over ${cpu.length} samples (max |z| ${extreme.toFixed(3)})`,
    );
    expect(err).toBeLessThan(1e-5);
  });

  it('matches for a seed above 2^32, the prior step, other streams and tiny lengths', async () => {
    const cases: [number, number, number, number, number][] = [
      [2 ** 40 + 5, PRIOR_STEP, 3, 3, 7],
      [0, 0, 0, 1, 1],
      [Number.MAX_SAFE_INTEGER, 123456, 0xffffffff, 2, 5],
    ];
    for (const [seed, step, stream, batch, dim] of cases) {
      const f = await field(batch, dim);
      const gpu = await f.read(f.noise(seed, step, stream));
      expect(maxAbsDiff(gpu, gaussianNoise(seed, step, stream, batch * dim))).toBeLessThan(1e-5);
    }
  });

  it('transforms edge-case words like the float64 Box–Muller formula', async () => {
    const dev = await device();
    const words = [
      0, 1, 2, 3, 1000, 0x3fffffff, 0x40000000, 0x5fffffff, 0x60000000, 0x7ffffffe, 0x7fffffff, 0x80000000,
      0x80000001, 0x9fffffff, 0xa0000000, 0xdfffffff, 0xe0000000, 0xfffffc00, 0xfffffffd, 0xfffffffe,
      0xffffffff,
    ];
    const pairs: [number, number][] = [];
    for (const w0 of words) for (const w1 of words) pairs.push([w0, w1]);
    const code = `${BOX_MULLER_WGSL}
      @group(0) @binding(0) var<storage, read> src: array<vec2<u32>>;
      @group(0) @binding(1) var<storage, read_write> dst: array<vec2<f32>>;
      @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
        if (id.x < arrayLength(&src)) { dst[id.x] = box_muller(src[id.x].x, src[id.x].y); }
      }`;
    const pipeline = dev.createComputePipeline({
      layout: 'auto',
      compute: { module: dev.createShaderModule({ code }), entryPoint: 'main' },
    });
    const size = pairs.length * 8;
    const usage = GPUBufferUsage;
    const src = dev.createBuffer({ size, usage: usage.STORAGE | usage.COPY_DST });
    const dst = dev.createBuffer({ size, usage: usage.STORAGE | usage.COPY_SRC });
    const staging = dev.createBuffer({ size, usage: usage.MAP_READ | usage.COPY_DST });
    dev.queue.writeBuffer(src, 0, Uint32Array.from(pairs.flat()));
    const encoder = dev.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(
      0,
      dev.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: src } },
          { binding: 1, resource: { buffer: dst } },
        ],
      }),
    );
    pass.dispatchWorkgroups(Math.ceil(pairs.length / 64));
    pass.end();
    encoder.copyBufferToBuffer(dst, 0, staging, 0, size);
    dev.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const gpu = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    for (const b of [src, dst, staging]) b.destroy();

    const unit = (w: number) => (w + 0.5) / 2 ** 32;
    let worst = 0;
    pairs.forEach(([w0, w1], k) => {
      const radius = Math.sqrt(-2 * Math.log(unit(w0)));
      const angle = 2 * Math.PI * unit(w1);
      worst = Math.max(
        worst,
        Math.abs(gpu[2 * k] - Math.fround(radius * Math.cos(angle))),
        Math.abs(gpu[2 * k + 1] - Math.fround(radius * Math.sin(angle))),
      );
    });
    console.log(
      `GpuField Box–Muller edge words: max error ${worst.toExponential(3)} over ${pairs.length} pairs`,
    );
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('GpuField combine', () => {
  const batch = 5;
  const dim = 67; // not a multiple of the workgroup size

  async function check(terms: readonly Term<Float32Array>[], maxWorkgroupsPerDimension?: number) {
    const f = await field(batch, dim, maxWorkgroupsPerDimension);
    const uploaded = new Map<Float32Array, GPUBuffer>();
    const gpuTerms = terms.map(([c, v]): Term<GPUBuffer> => {
      let buffer = uploaded.get(v);
      if (!buffer) {
        buffer = f.upload(v);
        uploaded.set(v, buffer);
      }
      return [c, buffer];
    });
    const gpu = await f.read(f.combine(gpuTerms));
    const { sum, magnitude } = combineReference(terms, batch, dim);
    for (let k = 0; k < sum.length; k++) {
      expect(Math.abs(gpu[k] - sum[k])).toBeLessThanOrEqual(1e-6 * magnitude[k] + 1e-30);
    }
    return gpu;
  }

  const vectors = Array.from({ length: 14 }, (_, j) => pattern(batch * dim, j));
  const perSample = (j: number) => Float64Array.from({ length: batch }, (_, s) => 0.3 * (s - 2) + 0.1 * j);

  it('sums scalar terms', async () => {
    await check([
      [1, vectors[0]],
      [-0.25, vectors[1]],
      [3.5e-3, vectors[2]],
    ]);
  });

  it('sums per-sample and mixed coefficients', async () => {
    await check([[perSample(0), vectors[0]]]);
    await check([
      [perSample(1), vectors[1]],
      [0.7, vectors[2]],
      [perSample(3), vectors[3]],
    ]);
  });

  it('handles more terms than one dispatch binds (8 and 14), and the same vector twice', async () => {
    const eight: Term<Float32Array>[] = vectors
      .slice(0, 8)
      .map((v, j) => [j % 2 ? perSample(j) : 1 / (j + 1), v]);
    await check(eight);
    const fourteen: Term<Float32Array>[] = vectors.map((v, j) => [j % 3 ? 0.1 * (j - 6) : perSample(j), v]);
    await check(fourteen);
    await check([
      [0.5, vectors[4]],
      [perSample(2), vectors[4]],
    ]);
  });

  it('skips scalar-zero terms, so a NaN vector times 0 leaves no trace, and all-zero gives zeros', async () => {
    const poisoned = pattern(batch * dim, 9);
    poisoned[3] = Number.NaN;
    const gpu = await check([
      [2, vectors[0]],
      [0, poisoned],
    ]);
    expect(gpu.every(Number.isFinite)).toBe(true);
    const zeros = await check([[0, poisoned]]);
    expect(zeros.every((x) => x === 0)).toBe(true);
  });

  it('spreads work over a 2-D grid when one dimension is too short', async () => {
    // 5 × 67 = 335 elements = 6 workgroups; at most 4 per dimension forces a 4 × 2 grid.
    await check(
      vectors.slice(0, 7).map((v, j): Term<Float32Array> => [perSample(j), v]),
      4,
    );
    const f = await field(batch, dim, 4);
    const length = batch * dim;
    const noise = await f.read(f.noise(9, 1, 1));
    expect(maxAbsDiff(noise, gaussianNoise(9, 1, 1, length))).toBeLessThan(1e-5);
  });

  it('rejects bad input', async () => {
    const f = await field(batch, dim);
    const v = f.upload(vectors[0]);
    expect(() => f.combine([])).toThrow(/at least one term/);
    expect(() => f.combine([[new Float64Array(batch + 1), v]])).toThrow(/per-sample coefficient/);
    expect(() => f.upload(new Float32Array(3))).toThrow(/3 values/);
    const other = await field(batch, dim + 1);
    expect(() => f.combine([[1, other.upload(pattern(batch * (dim + 1), 1))]])).toThrow(
      /not a 5 × 67 vector/,
    );
    f.collect([]);
    expect(() => f.combine([[1, v]])).toThrow(/collected/);
  });
});

describe('GpuField reductions', () => {
  it('norms match the float64 reference', async () => {
    for (const [batch, dim, maxGroups] of [
      [3, 1000, undefined],
      [7, 5, undefined],
      [10, 129, 4],
      [64, 3072, undefined],
    ] as const) {
      const f = await field(batch, dim, maxGroups);
      const values = pattern(batch * dim, batch);
      const norms = await f.norms(f.upload(values));
      expect(norms).toBeInstanceOf(Float64Array);
      expect(norms.length).toBe(batch);
      for (let s = 0; s < batch; s++) {
        let sum = 0;
        for (let k = s * dim; k < (s + 1) * dim; k++) sum += values[k] ** 2;
        expect(Math.abs(norms[s] - Math.sqrt(sum))).toBeLessThanOrEqual(1e-5 * Math.sqrt(sum));
      }
    }
  });

  function errorNormReference(
    e: Float32Array,
    a: Float32Array,
    b: Float32Array,
    batch: number,
    dim: number,
    atol: number,
    rtol: number,
  ) {
    let worst = 0;
    for (let s = 0; s < batch; s++) {
      let sum = 0;
      for (let k = s * dim; k < (s + 1) * dim; k++) {
        sum += (e[k] / (atol + rtol * Math.max(Math.abs(a[k]), Math.abs(b[k])))) ** 2;
      }
      worst = Math.max(worst, Math.sqrt(sum / dim));
    }
    return Number.isFinite(worst) ? worst : Number.POSITIVE_INFINITY;
  }

  it('errorNorm matches the float64 reference and is +∞ for NaN or ∞', async () => {
    const batch = 6;
    const dim = 97;
    const f = await field(batch, dim);
    const e = pattern(batch * dim, 1).map((x) => x * 1e-3);
    const a = pattern(batch * dim, 2);
    const b = pattern(batch * dim, 3);
    const [ge, ga, gb] = [e, a, b].map((v) => f.upload(v));
    for (const [atol, rtol] of [
      [1e-3, 1e-3],
      [1e-5, 0],
      [0.5, 2],
    ]) {
      const want = errorNormReference(e, a, b, batch, dim, atol, rtol);
      const got = await f.errorNorm(ge, ga, gb, atol, rtol);
      expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 * want);
    }
    for (const [target, value] of [
      ['e', Number.NaN],
      ['e', Number.POSITIVE_INFINITY],
      ['e', Number.NEGATIVE_INFINITY],
      ['a', Number.NaN],
      ['b', Number.NaN],
    ] as const) {
      const copies = { e: e.slice(), a: a.slice(), b: b.slice() };
      copies[target][batch * dim - 1] = value;
      const want = errorNormReference(copies.e, copies.a, copies.b, batch, dim, 1e-3, 1e-3);
      expect(want).toBe(Number.POSITIVE_INFINITY);
      const got = await f.errorNorm(f.upload(copies.e), f.upload(copies.a), f.upload(copies.b), 1e-3, 1e-3);
      expect(got, `${value} planted in ${target}`).toBe(Number.POSITIVE_INFINITY);
    }
  });

  it('allFinite finds a planted NaN or ±∞ anywhere, and passes huge finite values', async () => {
    const batch = 4;
    const dim = 33;
    const f = await field(batch, dim, 2);
    const clean = pattern(batch * dim, 5);
    clean[7] = 3.4e38;
    clean[8] = -3.4e38;
    expect(await f.allFinite(f.upload(clean))).toBe(true);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const at of [0, 70, batch * dim - 1]) {
        const planted = clean.slice();
        planted[at] = value;
        expect(await f.allFinite(f.upload(planted)), `${value} at ${at}`).toBe(false);
      }
    }
  });

  it('answers reductions and reads issued together', async () => {
    const f = await field(3, 50);
    const x = pattern(150, 4);
    const y = pattern(150, 8);
    const [gx, gy] = [f.upload(x), f.upload(y)];
    const [nx, ny, rx, ry] = await Promise.all([f.norms(gx), f.norms(gy), f.read(gx), f.read(gy)]);
    expect(Array.from(rx)).toEqual(Array.from(x));
    expect(Array.from(ry)).toEqual(Array.from(y));
    expect(nx[0]).not.toBe(ny[0]);
    expect(nx[0]).toBeCloseTo(Math.hypot(...x.slice(0, 50)), 4);
    expect(ny[2]).toBeCloseTo(Math.hypot(...y.slice(100, 150)), 4);
  });
});

describe('GpuField per-element blend and Brownian increments', () => {
  it('blend is m·a + (1 − m)·b element by element, as on the CPU', async () => {
    const [batch, dim] = [3, 70];
    const f = await field(batch, dim, 2);
    const cpu = cpuField(batch, dim);
    const mask = Float32Array.from({ length: batch * dim }, (_, k) =>
      k % 3 === 0 ? 1 : k % 3 === 1 ? 0 : 0.25,
    );
    const a = pattern(batch * dim, 1);
    const b = pattern(batch * dim, 2);
    const got = await f.read(f.blend(f.upload(mask), f.upload(a), f.upload(b)));
    const want = cpu.blend(mask, a, b);
    got.forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want[k]))));
    // Known elements (m = 1) are a exactly: inpainting keeps known pixels bit for bit.
    for (let k = 0; k < mask.length; k += 3) expect(got[k]).toBe(a[k]);
  });

  it("brownian gives the CPU tree's normals within 1e-5, split or not, tiny or huge intervals", async () => {
    const k = clockIndex;
    const top = 2 ** BROWNIAN_DEPTH;
    // [a, b] as clock points and whether the walk splits: splits at several depths, tree intervals
    // (a leaf [j, j + 1], [2^23, 2^23 + 2^10], the whole clock) where it does not, two units across
    // a high-level boundary, and an empty interval.
    const odd = k(1) | 1;
    const intervals: [string, number, number, boolean][] = [
      ['σ 0.4 → 0.45', k(0.4), k(0.45), true],
      ['σ 0.01 → 80 (huge)', k(0.01), k(80), true],
      ['two units at σ 1', odd, odd + 2, true],
      ['two units across 2^23', 2 ** 23 - 1, 2 ** 23 + 1, true],
      ['one unit at σ 1e-6', k(1e-6), k(1e-6) + 1, false],
      ['[2^23, 2^23 + 2^10]', 2 ** 23, 2 ** 23 + 2 ** 10, false],
      ['[0, 2^22]', 0, 2 ** 22, false],
      ['the whole clock', 0, top, false],
      ['last unit', top - 1, top, false],
      ['empty', k(2), k(2), false],
    ];
    // 3 × 333: a length that is not a multiple of 4 (the last block is partial).
    const f = await field(3, 333);
    const seeds = [9, 2 ** 40 + 3];
    let worst = 0;
    for (const seed of seeds) {
      for (const [name, a, b, split] of intervals) {
        const plan = brownianPlan(a, b);
        expect(plan.split, name).toBe(split);
        const got = await f.read(f.brownian(seed, plan));
        const want = brownianNormals(seed, plan, f.batch * f.dim);
        const err = maxAbsDiff(got, want);
        expect(err, name).toBeLessThan(1e-5);
        worst = Math.max(worst, err);
      }
    }
    console.log(`GpuField brownian: max |gpu − cpu| = ${worst.toExponential(2)} over every plan`);
  });

  it('brownian increments add up on the GPU: [a, b] + [b, c] = [a, c]', async () => {
    const f = await field(2, 257);
    const k = clockIndex;
    for (const [a, b, c] of [
      [k(0.01), k(0.3), k(40)],
      [k(1), k(1.0001), k(1.0002)],
      [k(0.5), k(0.5) + 1, k(0.5) + 2],
    ]) {
      const span = (lo: number, hi: number) => Math.sqrt(clockValue(hi) - clockValue(lo));
      // The normals times √(u_hi − u_lo) are the increments themselves.
      const [ab, bc, ac] = await Promise.all(
        [
          [a, b],
          [b, c],
          [a, c],
        ].map(async ([lo, hi]) => {
          const z = await f.read(f.brownian(4, brownianPlan(lo, hi)));
          return Float64Array.from(z, (v) => v * span(lo, hi));
        }),
      );
      let worst = 0;
      for (let e = 0; e < ab.length; e++) worst = Math.max(worst, Math.abs(ab[e] + bc[e] - ac[e]));
      // float32 normals: a few ulps of the largest increment, far below its size.
      expect(worst).toBeLessThan(1e-5 * span(a, c));
    }
  });
});

describe('GpuField buffers', () => {
  it('collect returns buffers to the pool: 1000 combine + collect cycles make no new buffers', async () => {
    const batch = 2;
    const dim = 40;
    const f = await field(batch, dim);
    const base = pattern(batch * dim, 6);
    const b = f.upload(base);
    let x = f.upload(base);
    const factor = 0.999;
    for (let step = 0; step < 1000; step++) {
      const next = f.combine([
        [factor, x],
        [0, b],
      ]);
      f.collect([b, next]);
      x = next;
      expect(f.liveCount).toBe(2);
      expect(f.buffersCreated).toBeLessThanOrEqual(3);
      expect(f.poolSize).toBeLessThanOrEqual(1);
    }
    const got = await f.read(x);
    const scale = factor ** 1000;
    for (let k = 0; k < base.length; k++) {
      expect(Math.abs(got[k] - base[k] * scale)).toBeLessThanOrEqual(1e-4 * Math.abs(base[k]) + 1e-12);
    }
  });

  it('upload and read round-trip exactly; destroy makes the field unusable', async () => {
    const f = await field(3, 11);
    const values = pattern(33, 7);
    values[4] = Number.NaN;
    values[5] = -0;
    const back = await f.read(f.upload(values));
    expect(Object.is(back[5], -0)).toBe(true);
    expect(Array.from(back)).toEqual(Array.from(values));
    f.destroy();
    expect(() => f.noise(1, 2, 3)).toThrow(/destroyed/);
  });

  it('buffersAlive counts every buffer a field makes and returns to where it was on destroy', async () => {
    const before = GpuField.buffersAlive;
    const f = await field(2, 8);
    // The six scratch and parameter buffers.
    expect(GpuField.buffersAlive).toBe(before + 6);
    const x = f.noise(1, 0, 0);
    const y = f.combine([[2, x]]);
    await Promise.all([f.read(y), f.norms(y)]);
    // Two vectors and one staging buffer per size read back (64 bytes of values, 8 of norms).
    expect(GpuField.buffersAlive).toBe(before + 6 + 2 + 2);
    f.collect([]);
    // Pooled, not destroyed: the pool is counted.
    expect(GpuField.buffersAlive).toBe(before + 10);
    f.destroy();
    expect(GpuField.buffersAlive).toBe(before);
  });
});
