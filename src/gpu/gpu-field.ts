/**
 * The WebGPU backend of Field: vectors are float32 storage buffers that stay on the device; only
 * the per-sample reductions (and read) come back to the CPU. Buffers this field makes are
 * recycled through a pool by collect(), so a sampler loop allocates a handful of buffers in all
 * rather than a few per step.
 *
 * Each operation writes its small parameter buffers with queue.writeBuffer and then submits its
 * own command buffer; both are queue operations, executed in order, so parameter and scratch
 * buffers can be shared between calls, including calls whose results are still being read back.
 */
import type { BrownianOpKind, BrownianPlan } from '../core/brownian';
import { checkCoef, type Field, type Term } from '../core/field';
import { seedKey } from '../core/rng';
import {
  ALL_FINITE_WGSL,
  BLEND_WGSL,
  BROWNIAN_MAX_OPS,
  BROWNIAN_WGSL,
  COMBINE_WGSL,
  ERROR_NORM_WGSL,
  NOISE_WGSL,
  NORMS_WGSL,
  TERMS_PER_PASS,
  WORKGROUP_SIZE,
} from './kernels';

type Kernel = 'combine' | 'noise' | 'brownian' | 'norms' | 'errorNorm' | 'allFinite' | 'blend';

const SOURCES: Record<Kernel, string> = {
  combine: COMBINE_WGSL,
  noise: NOISE_WGSL,
  brownian: BROWNIAN_WGSL,
  norms: NORMS_WGSL,
  errorNorm: ERROR_NORM_WGSL,
  allFinite: ALL_FINITE_WGSL,
  blend: BLEND_WGSL,
};

/** Compiled pipelines, shared by every field on a device. */
const pipelineCache = new WeakMap<GPUDevice, Map<Kernel, GPUComputePipeline>>();

function pipelineFor(device: GPUDevice, kernel: Kernel): GPUComputePipeline {
  let byKernel = pipelineCache.get(device);
  if (!byKernel) {
    byKernel = new Map();
    pipelineCache.set(device, byKernel);
  }
  let pipeline = byKernel.get(kernel);
  if (!pipeline) {
    const module = device.createShaderModule({ label: `field ${kernel}`, code: SOURCES[kernel] });
    pipeline = device.createComputePipeline({
      label: `field ${kernel}`,
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    byKernel.set(kernel, pipeline);
  }
  return pipeline;
}

/** Op codes of BROWNIAN_WGSL. */
const BROWNIAN_OP_CODES: Record<BrownianOpKind, number> = {
  left: 0,
  right: 1,
  split: 2,
  'take-left': 3,
  'take-right': 4,
};
/** Bytes of BROWNIAN_WGSL's plan: a 48-byte header, then 16 bytes per op. */
const BROWNIAN_HEADER_BYTES = 48;
const BROWNIAN_PLAN_BYTES = BROWNIAN_HEADER_BYTES + 16 * BROWNIAN_MAX_OPS;

/**
 * A plan as BROWNIAN_WGSL reads it, with the normaliser folded into the root std and the stds (the
 * walk is linear in them), each rounded once to float32.
 */
function brownianPlanWords(seed: number, plan: BrownianPlan, length: number): ArrayBuffer {
  const ops = [...plan.descent, ...plan.suffix, ...plan.prefix];
  if (ops.length > BROWNIAN_MAX_OPS) {
    throw new Error(`A Brownian plan of ${ops.length} ops exceeds the kernel's ${BROWNIAN_MAX_OPS}.`);
  }
  const bytes = new ArrayBuffer(BROWNIAN_PLAN_BYTES);
  const words = new Uint32Array(bytes);
  const floats = new Float32Array(bytes);
  const scale = plan.normaliser;
  words.set([...seedKey(seed), length, plan.split ? 1 : 0]);
  words.set([plan.descent.length, plan.suffix.length, plan.prefix.length], 4);
  floats[8] = plan.rootStd * scale;
  ops.forEach((op, k) => {
    const at = BROWNIAN_HEADER_BYTES / 4 + 4 * k;
    words[at] = BROWNIAN_OP_CODES[op.kind];
    words[at + 1] = op.node;
    floats[at + 2] = op.weight;
    floats[at + 3] = op.std * scale;
  });
  return bytes;
}

/** The same values viewed over a plain ArrayBuffer, which writeBuffer's typing asks for. */
export function onArrayBuffer(values: Float32Array): Float32Array<ArrayBuffer> {
  const { buffer } = values;
  return buffer instanceof ArrayBuffer
    ? new Float32Array(buffer, values.byteOffset, values.length)
    : Float32Array.from(values);
}

/**
 * GPU buffers that GpuFields have made and not yet destroyed, over every field in this JavaScript
 * realm (the engine worker): vectors live and pooled, scratch and parameter buffers, staging.
 */
let buffersAlive = 0;

export interface GpuFieldOptions {
  /**
   * Largest workgroup count per grid dimension to use (default: the device's
   * maxComputeWorkgroupsPerDimension). Tests lower it to exercise the 2-D grid on small vectors.
   */
  maxWorkgroupsPerDimension?: number;
}

export class GpuField implements Field<GPUBuffer> {
  readonly batch: number;
  readonly dim: number;
  private readonly device: GPUDevice;
  private readonly length: number;
  private readonly bytes: number;
  private readonly maxGroups: number;
  /** Vectors handed out and not yet collected. */
  private readonly live = new Set<GPUBuffer>();
  /** Collected vectors, ready for reuse. */
  private readonly free = new Set<GPUBuffer>();
  /** Idle MAP_READ buffers by size; a mapped one is out of the pool until unmapped. */
  private readonly staging = new Map<number, GPUBuffer[]>();
  /** Scratch and parameter buffers, made once. */
  private readonly coefs: GPUBuffer;
  private readonly coefTable: Float32Array<ArrayBuffer>;
  private readonly params: GPUBuffer;
  private readonly plan: GPUBuffer;
  private readonly sums: GPUBuffer;
  private readonly flag: GPUBuffer;
  private readonly dummy: GPUBuffer;
  private created = 0;
  private destroyed = false;

  constructor(device: GPUDevice, batch: number, dim: number, options: GpuFieldOptions = {}) {
    if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(dim) || dim < 1) {
      throw new Error(`GpuField needs a whole batch and dim ≥ 1, not ${batch} × ${dim}.`);
    }
    this.device = device;
    this.batch = batch;
    this.dim = dim;
    this.length = batch * dim;
    this.bytes = this.length * 4;
    if (this.bytes > device.limits.maxStorageBufferBindingSize) {
      throw new Error(
        `A ${batch} × ${dim} vector (${this.bytes} bytes) exceeds this device's storage binding limit ` +
          `(${device.limits.maxStorageBufferBindingSize} bytes).`,
      );
    }
    this.maxGroups = options.maxWorkgroupsPerDimension ?? device.limits.maxComputeWorkgroupsPerDimension;
    const usage = GPUBufferUsage;
    this.coefTable = new Float32Array(batch * TERMS_PER_PASS * 2);
    this.coefs = this.scratch(
      'field coefficients',
      this.coefTable.byteLength,
      usage.STORAGE | usage.COPY_DST,
    );
    // 32 bytes covers every kernel's parameter struct.
    this.params = this.scratch('field params', 32, usage.UNIFORM | usage.COPY_DST);
    this.plan = this.scratch('field Brownian plan', BROWNIAN_PLAN_BYTES, usage.STORAGE | usage.COPY_DST);
    this.sums = this.scratch('field sums', batch * 4, usage.STORAGE | usage.COPY_SRC);
    this.flag = this.scratch('field flag', 4, usage.STORAGE | usage.COPY_SRC | usage.COPY_DST);
    this.dummy = this.scratch('field unused term', 4, usage.STORAGE);
    for (const kernel of Object.keys(SOURCES) as Kernel[]) pipelineFor(device, kernel);
  }

  /**
   * Buffers every GpuField in this realm has made and not destroyed (vectors live and pooled,
   * scratch, staging). The soak's count of the pool (issue 16): over repeated runs of the same
   * length it returns to the same number, whatever the number of runs or steps before.
   */
  static get buffersAlive(): number {
    return buffersAlive;
  }

  /** Buffers this field has created for vectors (live + pooled); stays flat in a collected loop. */
  get buffersCreated(): number {
    return this.created;
  }

  /** Vectors handed out and not yet collected. */
  get liveCount(): number {
    return this.live.size;
  }

  /** Collected vectors waiting for reuse. */
  get poolSize(): number {
    return this.free.size;
  }

  combine(terms: readonly Term<GPUBuffer>[]): GPUBuffer {
    this.checkAlive();
    if (terms.length === 0) throw new Error('combine needs at least one term.');
    for (const [c, v] of terms) {
      checkCoef(c, this.batch);
      this.checkVector(v, 'combine');
    }
    // As on the CPU, a scalar 0 drops its term, so 0·(NaN vector) does not poison the sum.
    const live = terms.filter(([c]) => c !== 0);
    const out = this.take();
    const pipeline = pipelineFor(this.device, 'combine');
    let first = 0;
    do {
      const chunk = live.slice(first, first + TERMS_PER_PASS);
      const table = this.coefTable;
      table.fill(0);
      // Each coefficient as a float32 pair hi + lo (the kernel sums in double-float).
      chunk.forEach(([c], j) => {
        for (let s = 0; s < this.batch; s++) {
          const value = typeof c === 'number' ? c : c[s];
          const hi = Math.fround(value);
          table[(s * TERMS_PER_PASS + j) * 2] = hi;
          table[(s * TERMS_PER_PASS + j) * 2 + 1] = value - hi;
        }
      });
      this.device.queue.writeBuffer(this.coefs, 0, table);
      this.writeParams(new Uint32Array([this.length, this.dim, chunk.length, first > 0 ? 1 : 0]));
      const entries: GPUBindGroupEntry[] = [
        { binding: 0, resource: { buffer: out } },
        { binding: 1, resource: { buffer: this.coefs } },
        { binding: 2, resource: { buffer: this.params } },
      ];
      for (let j = 0; j < TERMS_PER_PASS; j++) {
        entries.push({ binding: 3 + j, resource: { buffer: j < chunk.length ? chunk[j][1] : this.dummy } });
      }
      this.submit(pipeline, entries, Math.ceil(this.length / WORKGROUP_SIZE));
      first += TERMS_PER_PASS;
    } while (first < live.length);
    return out;
  }

  noise(seed: number, step: number, stream: number): GPUBuffer {
    this.checkAlive();
    const [key0, key1] = seedKey(seed);
    const out = this.take();
    this.writeParams(new Uint32Array([key0, key1, step >>> 0, stream >>> 0, this.length]));
    const blocks = Math.ceil(this.length / 4);
    this.submit(
      pipelineFor(this.device, 'noise'),
      [
        { binding: 0, resource: { buffer: out } },
        { binding: 1, resource: { buffer: this.params } },
      ],
      Math.ceil(blocks / WORKGROUP_SIZE),
    );
    return out;
  }

  /**
   * The Brownian tree's normals, on the device: the plan (a few hundred bytes) is written once and
   * one thread per Philox block walks it for four elements.
   */
  brownian(seed: number, plan: BrownianPlan): GPUBuffer {
    this.checkAlive();
    const out = this.take();
    if (plan.a === plan.b) {
      const encoder = this.device.createCommandEncoder({ label: 'field brownian (empty interval)' });
      encoder.clearBuffer(out);
      this.device.queue.submit([encoder.finish()]);
      return out;
    }
    this.device.queue.writeBuffer(this.plan, 0, brownianPlanWords(seed, plan, this.length));
    this.submit(
      pipelineFor(this.device, 'brownian'),
      [
        { binding: 0, resource: { buffer: out } },
        { binding: 1, resource: { buffer: this.plan } },
      ],
      Math.ceil(Math.ceil(this.length / 4) / WORKGROUP_SIZE),
    );
    return out;
  }

  blend(mask: GPUBuffer, a: GPUBuffer, b: GPUBuffer): GPUBuffer {
    this.checkAlive();
    for (const v of [mask, a, b]) this.checkVector(v, 'blend');
    const out = this.take();
    this.writeParams(new Uint32Array([this.length]));
    this.submit(
      pipelineFor(this.device, 'blend'),
      [out, mask, a, b, this.params].map((buffer, binding) => ({ binding, resource: { buffer } })),
      Math.ceil(this.length / WORKGROUP_SIZE),
    );
    return out;
  }

  async norms(v: GPUBuffer): Promise<Float64Array> {
    this.checkAlive();
    this.checkVector(v, 'norms');
    const sums = await this.reduce('norms', [v], 0, 0);
    return Float64Array.from(sums, (s) => Math.sqrt(s));
  }

  async errorNorm(e: GPUBuffer, a: GPUBuffer, b: GPUBuffer, atol: number, rtol: number): Promise<number> {
    this.checkAlive();
    for (const v of [e, a, b]) this.checkVector(v, 'errorNorm');
    const means = await this.reduce('errorNorm', [e, a, b], atol, rtol);
    let worst = 0;
    for (const m of means) {
      // The kernel marks a sample with a NaN or ∞ input as NaN; f32 overflow shows up as ∞.
      if (!Number.isFinite(m)) return Number.POSITIVE_INFINITY;
      worst = Math.max(worst, Math.sqrt(m));
    }
    return worst;
  }

  async allFinite(v: GPUBuffer): Promise<boolean> {
    this.checkAlive();
    this.checkVector(v, 'allFinite');
    this.writeParams(new Uint32Array([this.length]));
    const encoder = this.device.createCommandEncoder({ label: 'field allFinite' });
    encoder.clearBuffer(this.flag);
    this.encodePass(
      encoder,
      pipelineFor(this.device, 'allFinite'),
      [
        { binding: 0, resource: { buffer: v } },
        { binding: 1, resource: { buffer: this.flag } },
        { binding: 2, resource: { buffer: this.params } },
      ],
      Math.ceil(this.length / WORKGROUP_SIZE),
    );
    const flag = new Uint32Array(await this.readBack(encoder, this.flag, 4));
    return flag[0] === 0;
  }

  upload(values: Float32Array): GPUBuffer {
    this.checkAlive();
    if (values.length !== this.length) {
      throw new Error(`upload: ${values.length} values for ${this.batch} × ${this.dim}.`);
    }
    const out = this.take();
    this.device.queue.writeBuffer(out, 0, onArrayBuffer(values));
    return out;
  }

  /**
   * A new vector holding a copy of batch × dim floats of a buffer this field did not make (an
   * onnxruntime output, which may be larger), starting at `byteOffset`.
   */
  copyOf(src: GPUBuffer, byteOffset = 0): GPUBuffer {
    this.checkAlive();
    if (byteOffset % 4 !== 0 || byteOffset + this.bytes > src.size) {
      throw new Error(
        `copyOf: ${this.bytes} bytes at offset ${byteOffset} do not fit a buffer of ${src.size} bytes.`,
      );
    }
    const out = this.take();
    const encoder = this.device.createCommandEncoder({ label: 'field copyOf' });
    encoder.copyBufferToBuffer(src, byteOffset, out, 0, this.bytes);
    this.device.queue.submit([encoder.finish()]);
    return out;
  }

  /**
   * Copies vectors one after another into `dst` (e.g. a doubled batch for one network call);
   * `dst` must hold vectors.length × batch × dim floats.
   */
  concatInto(dst: GPUBuffer, vectors: readonly GPUBuffer[]): void {
    this.checkAlive();
    if (dst.size < vectors.length * this.bytes) {
      throw new Error(`concatInto: ${vectors.length} vectors do not fit a buffer of ${dst.size} bytes.`);
    }
    const encoder = this.device.createCommandEncoder({ label: 'field concat' });
    vectors.forEach((v, j) => {
      this.checkVector(v, 'concatInto');
      encoder.copyBufferToBuffer(v, 0, dst, j * this.bytes, this.bytes);
    });
    this.device.queue.submit([encoder.finish()]);
  }

  async read(v: GPUBuffer): Promise<Float32Array> {
    this.checkAlive();
    this.checkVector(v, 'read');
    const encoder = this.device.createCommandEncoder({ label: 'field read' });
    return new Float32Array(await this.readBack(encoder, v, this.bytes));
  }

  collect(keep: Iterable<GPUBuffer>): void {
    this.checkAlive();
    const kept = new Set(keep);
    for (const buffer of this.live) {
      if (kept.has(buffer)) continue;
      this.live.delete(buffer);
      this.free.add(buffer);
    }
  }

  /** Destroys every buffer this field made; the field cannot be used afterwards. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const buffer of [...this.live, ...this.free]) drop(buffer);
    this.live.clear();
    this.free.clear();
    for (const list of this.staging.values()) for (const buffer of list) drop(buffer);
    this.staging.clear();
    for (const buffer of [this.coefs, this.params, this.plan, this.sums, this.flag, this.dummy]) {
      drop(buffer);
    }
  }

  /** Every buffer of this field is made here, so buffersAlive counts them all. */
  private makeBuffer(descriptor: GPUBufferDescriptor): GPUBuffer {
    const buffer = this.device.createBuffer(descriptor);
    buffersAlive++;
    return buffer;
  }

  private scratch(label: string, size: number, usage: GPUBufferUsageFlags): GPUBuffer {
    return this.makeBuffer({ label, size, usage });
  }

  /** A vector buffer from the pool, or a new one. */
  private take(): GPUBuffer {
    let buffer: GPUBuffer | undefined;
    for (const pooled of this.free) {
      buffer = pooled;
      this.free.delete(pooled);
      break;
    }
    if (!buffer) {
      const usage = GPUBufferUsage;
      buffer = this.makeBuffer({
        label: `field vector ${this.created}`,
        size: this.bytes,
        usage: usage.STORAGE | usage.COPY_SRC | usage.COPY_DST,
      });
      this.created++;
    }
    this.live.add(buffer);
    return buffer;
  }

  private checkAlive(): void {
    if (this.destroyed) throw new Error('This GpuField was destroyed.');
  }

  private checkVector(v: GPUBuffer, what: string): void {
    if (v.size !== this.bytes) {
      throw new Error(`${what}: a buffer of ${v.size} bytes is not a ${this.batch} × ${this.dim} vector.`);
    }
    // Catches use-after-collect, which would otherwise read another vector's values silently.
    if (this.free.has(v)) throw new Error(`${what}: this vector was collected and may not be used again.`);
  }

  private writeParams(words: Uint32Array<ArrayBuffer>): void {
    this.device.queue.writeBuffer(this.params, 0, words);
  }

  /**
   * Grid for `groups` workgroups: 1-D while it fits the per-dimension limit, else rows of the
   * limit (the kernels skip the overhang of the last row).
   */
  private grid(groups: number): [number, number] {
    const x = Math.max(1, Math.min(groups, this.maxGroups));
    const y = Math.ceil(groups / x);
    if (y > this.maxGroups) throw new Error(`${groups} workgroups do not fit a 2-D grid on this device.`);
    return [x, Math.max(1, y)];
  }

  private encodePass(
    encoder: GPUCommandEncoder,
    pipeline: GPUComputePipeline,
    entries: GPUBindGroupEntry[],
    groups: number,
  ): void {
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y] = this.grid(groups);
    pass.dispatchWorkgroups(x, y);
    pass.end();
  }

  private submit(pipeline: GPUComputePipeline, entries: GPUBindGroupEntry[], groups: number): void {
    const encoder = this.device.createCommandEncoder();
    this.encodePass(encoder, pipeline, entries, groups);
    this.device.queue.submit([encoder.finish()]);
  }

  /** Runs a per-sample reduction (one workgroup per sample) and reads back batch float32s. */
  private async reduce(
    kernel: 'norms' | 'errorNorm',
    inputs: GPUBuffer[],
    atol: number,
    rtol: number,
  ): Promise<Float32Array> {
    const words = new ArrayBuffer(16);
    new Uint32Array(words, 0, 2).set([this.batch, this.dim]);
    new Float32Array(words, 8, 2).set([atol, rtol]);
    this.writeParams(new Uint32Array(words));
    const entries: GPUBindGroupEntry[] = inputs.map((buffer, binding) => ({ binding, resource: { buffer } }));
    entries.push({ binding: inputs.length, resource: { buffer: this.sums } });
    entries.push({ binding: inputs.length + 1, resource: { buffer: this.params } });
    const encoder = this.device.createCommandEncoder({ label: `field ${kernel}` });
    this.encodePass(encoder, pipelineFor(this.device, kernel), entries, this.batch);
    return new Float32Array(await this.readBack(encoder, this.sums, this.batch * 4));
  }

  /** Appends a copy of `src` into a staging buffer, submits, maps, and returns a copy. */
  private async readBack(encoder: GPUCommandEncoder, src: GPUBuffer, size: number): Promise<ArrayBuffer> {
    const idle = this.staging.get(size);
    const staging =
      idle?.pop() ??
      this.makeBuffer({
        label: 'field staging',
        size,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
    encoder.copyBufferToBuffer(src, 0, staging, 0, size);
    this.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ);
      const copy = staging.getMappedRange().slice(0);
      staging.unmap();
      return copy;
    } finally {
      if (this.destroyed) {
        drop(staging);
      } else {
        const list = this.staging.get(size) ?? [];
        list.push(staging);
        this.staging.set(size, list);
      }
    }
  }
}

/** Destroys a buffer a GpuField made (see buffersAlive). */
function drop(buffer: GPUBuffer): void {
  buffer.destroy();
  buffersAlive--;
}
