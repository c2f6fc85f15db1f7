/**
 * Draws a batch of images that lives in a WebGPU buffer straight onto a WebGPU canvas, as the same
 * grid the CPU renderImageGrid (src/ui/render/image-grid.ts) builds: both take the layout
 * (gridColumns, gridSize, the gutter) and the value→byte map (toByte) from src/shared/grid-layout.ts,
 * grey for one channel and RGB from the first three, to the byte.
 *
 * One render pass: a full-screen triangle whose fragment shader finds its pixel's tile and sample,
 * reads the float32 values (CHW, samples one after another) from the storage buffer and writes the
 * bytes as unorm colour. A render pass rather than a compute pass because a colour attachment
 * takes whatever format the canvas is configured with (bgra8unorm, the usual preferred format,
 * cannot be a storage texture without an optional feature, nor a copy target from rgba8unorm).
 *
 * Exactness. toByte computes round((v − lo)/(hi − lo)·255) in float64, half up, clamped, NaN → 0;
 * float32 arithmetic on the GPU would differ wherever the float64 result lies near k + ½. But for
 * fixed lo, hi, toByte is a monotone step function of the float32 input, so it is fully described
 * by 255 thresholds: the least float32 (in the total order of float32 bit patterns) that reaches
 * byte k. The constructor finds them by binary search over bit patterns, calling toByte itself;
 * the shader compares the input's bit pattern (as an order-preserving u32 key, so no float
 * arithmetic, subnormal flushing or ±0 question is involved) against them with an 8-step binary
 * search. The result equals toByte for every float32, NaN and ±∞ included, whatever the range.
 *
 * Handing frames from a Web Worker to the page: render() draws into a canvas you pass, and the
 * intended worker set-up is `canvas.transferControlToOffscreen()` on the page, the OffscreenCanvas
 * posted to the worker once, and render(buffer, offscreen) there every frame. The canvas texture
 * then goes from the worker's GPU queue to the page's compositor with no pixel copy, no per-frame
 * postMessage and no work on the page's main thread. Returning an ImageBitmap instead
 * (OffscreenCanvas.transferToImageBitmap) is also copy-free but costs a postMessage and a
 * transferFromImageBitmap on the main thread every frame; a caller who wants that can still do it
 * with this API: render into an unattached OffscreenCanvas, then transferToImageBitmap() it.
 */
import { chw, gridColumns, gridSize, GUTTER, GUTTER_RGB, toByte } from '../shared/grid-layout';

/** Bytes 0..255 as thresholds[0..255]; thresholds[0] = 0 matches every key. */
const LEVELS = 256;

/**
 * Order-preserving u32 key of a float32 bit pattern: negative floats (sign set) map below positive
 * ones, each in increasing order. −∞ → 0x007fffff, +∞ → 0xff800000; NaNs fall outside.
 */
const KEY_NEG_INF = 0x007fffff;
const KEY_POS_INF = 0xff800000;
/** A threshold no non-NaN key reaches: a byte no float32 maps to. */
const UNREACHABLE = 0xffffffff;

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

function floatOfKey(key: number): number {
  scratchU32[0] = key & 0x80000000 ? key ^ 0x80000000 : ~key;
  return scratchF32[0];
}

/**
 * The 256 thresholds for toByte(·, lo, hi) over float32 keys, and whether keys run reversed
 * (hi < lo makes toByte non-increasing; the shader then flips every key, which makes it
 * non-decreasing again: ~key reverses the order).
 */
export function byteThresholds(
  lo: number,
  hi: number,
): { thresholds: Uint32Array<ArrayBuffer>; flip: number } {
  const flip = hi < lo ? 0xffffffff : 0;
  const byteAt = (key: number) => toByte(floatOfKey((key ^ flip) >>> 0), lo, hi);
  const thresholds = new Uint32Array(LEVELS);
  // ~key maps [KEY_NEG_INF, KEY_POS_INF] onto itself, so one search range serves both directions.
  for (let level = 1; level < LEVELS; level++) {
    if (byteAt(KEY_POS_INF) < level) {
      thresholds.fill(UNREACHABLE, level);
      break;
    }
    let below = Math.max(KEY_NEG_INF, thresholds[level - 1]) - 1; // byteAt(below) < level (or out of range)
    let at = KEY_POS_INF; // byteAt(at) >= level
    while (at - below > 1) {
      const mid = below + Math.floor((at - below) / 2);
      if (byteAt(mid) >= level) at = mid;
      else below = mid;
    }
    thresholds[level] = at;
  }
  return { thresholds, flip };
}

const SHADER = /* wgsl */ `
struct Params { batch: u32, cols: u32, h: u32, w: u32, channels: u32, flip: u32 }
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read> thresholds: array<u32, ${LEVELS}>;
@group(0) @binding(2) var<uniform> prm: Params;

const GUTTER_COLOUR = vec4<f32>(${GUTTER_RGB.map((c) => `${c}.0 / 255.0`).join(', ')}, 1.0);

@vertex
fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
  // One triangle over the whole target: (-1,-1), (3,-1), (-1,3).
  return vec4<f32>(select(-1.0, 3.0, i == 1u), select(-1.0, 3.0, i == 2u), 0.0, 1.0);
}

// toByte of a float32 given as bits: 0 for NaN, else the number of thresholds its key reaches.
fn to_byte(bits: u32) -> u32 {
  if ((bits & 0x7fffffffu) > 0x7f800000u) {
    return 0u;
  }
  let key = select(bits ^ 0x80000000u, ~bits, (bits & 0x80000000u) != 0u) ^ prm.flip;
  var level = 0u;
  for (var step = ${LEVELS / 2}u; step > 0u; step = step >> 1u) {
    if (thresholds[level + step] <= key) {
      level = level + step;
    }
  }
  return level;
}

@fragment
fn fs(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
  // Pixel centres sit at integer + 0.5.
  let x = u32(pos.x);
  let y = u32(pos.y);
  let tx = x / (prm.w + ${GUTTER}u);
  let ty = y / (prm.h + ${GUTTER}u);
  let px = x % (prm.w + ${GUTTER}u);
  let py = y % (prm.h + ${GUTTER}u);
  let tile = ty * prm.cols + tx;
  if (px >= prm.w || py >= prm.h || tx >= prm.cols || tile >= prm.batch) {
    return GUTTER_COLOUR;
  }
  let plane = prm.h * prm.w;
  let i = tile * prm.channels * plane + py * prm.w + px;
  let r = to_byte(src[i]);
  var rgb = vec3<u32>(r, r, r);
  if (prm.channels >= 3u) {
    rgb = vec3<u32>(r, to_byte(src[i + plane]), to_byte(src[i + 2u * plane]));
  }
  return vec4<f32>(vec3<f32>(rgb) / 255.0, 1.0);
}
`;

interface DeviceResources {
  layout: GPUBindGroupLayout;
  pipelineLayout: GPUPipelineLayout;
  module: GPUShaderModule;
  /** One pipeline per canvas format; bind groups fit all of them (explicit layout). */
  pipelines: Map<GPUTextureFormat, GPURenderPipeline>;
}

/** Shader, layouts and pipelines, shared by every renderer on a device. */
const deviceCache = new WeakMap<GPUDevice, DeviceResources>();

function resourcesFor(device: GPUDevice): DeviceResources {
  let res = deviceCache.get(device);
  if (!res) {
    const visibility = GPUShaderStage.FRAGMENT;
    const layout = device.createBindGroupLayout({
      label: 'grid render',
      entries: [
        { binding: 0, visibility, buffer: { type: 'read-only-storage' } },
        { binding: 1, visibility, buffer: { type: 'read-only-storage' } },
        { binding: 2, visibility, buffer: { type: 'uniform' } },
      ],
    });
    res = {
      layout,
      pipelineLayout: device.createPipelineLayout({ label: 'grid render', bindGroupLayouts: [layout] }),
      module: device.createShaderModule({ label: 'grid render', code: SHADER }),
      pipelines: new Map(),
    };
    deviceCache.set(device, res);
  }
  return res;
}

function pipelineFor(device: GPUDevice, format: GPUTextureFormat): GPURenderPipeline {
  const res = resourcesFor(device);
  let pipeline = res.pipelines.get(format);
  if (!pipeline) {
    pipeline = device.createRenderPipeline({
      label: `grid render ${format}`,
      layout: res.pipelineLayout,
      vertex: { module: res.module, entryPoint: 'vs' },
      fragment: { module: res.module, entryPoint: 'fs', targets: [{ format }] },
      primitive: { topology: 'triangle-list' },
    });
    res.pipelines.set(format, pipeline);
  }
  return pipeline;
}

export type GridTarget = OffscreenCanvas | HTMLCanvasElement;

/** How each canvas was last configured here, so renderers sharing a canvas reconfigure only on change. */
const configured = new WeakMap<
  GridTarget,
  { context: GPUCanvasContext; device: GPUDevice; format: GPUTextureFormat; usage: GPUTextureUsageFlags }
>();

export interface GridRendererOptions {
  batch: number;
  /** [channels, height, width] (1 = grey, 3 = RGB; as on the CPU, ≥ 3 uses the first three), or [height, width]. */
  shape: readonly number[];
  /** Values mapped to 0 and 255, exactly as toByte maps them. */
  range: readonly [number, number];
  /** Canvas format (default navigator.gpu.getPreferredCanvasFormat()). */
  format?: GPUTextureFormat;
  /** Canvas texture usage (default RENDER_ATTACHMENT); add COPY_SRC to read frames back. */
  usage?: GPUTextureUsageFlags;
}

export class GridRenderer {
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Size of the whole grid in pixels; render() sizes its target to it. */
  readonly gridWidth: number;
  readonly gridHeight: number;
  readonly format: GPUTextureFormat;
  /** Bytes of float32 input render() reads: batch × C × H × W × 4. */
  readonly inputBytes: number;
  private readonly device: GPUDevice;
  private readonly usage: GPUTextureUsageFlags;
  private readonly params: GPUBuffer;
  private readonly thresholds: GPUBuffer;
  private bound: { buffer: GPUBuffer; group: GPUBindGroup } | undefined;
  private destroyed = false;

  constructor(device: GPUDevice, options: GridRendererOptions) {
    const { batch, shape, range } = options;
    if (shape.length !== 2 && shape.length !== 3) {
      throw new Error(`GridRenderer: shape must be [C, H, W] or [H, W], not [${shape.join(', ')}].`);
    }
    const [channels, height, width] = chw(shape);
    for (const [name, n] of [
      ['batch', batch],
      ['channels', channels],
      ['height', height],
      ['width', width],
    ] as const) {
      if (!Number.isInteger(n) || n < 1)
        throw new Error(`GridRenderer: ${name} must be a whole number ≥ 1, not ${n}.`);
    }
    this.device = device;
    this.batch = batch;
    this.channels = channels;
    this.height = height;
    this.width = width;
    const cols = gridColumns(batch);
    const grid = gridSize(batch, [channels, height, width]);
    this.gridWidth = grid.width;
    this.gridHeight = grid.height;
    const maxSide = device.limits.maxTextureDimension2D;
    if (this.gridWidth > maxSide || this.gridHeight > maxSide) {
      throw new Error(
        `GridRenderer: a ${this.gridWidth} × ${this.gridHeight} grid exceeds this device's ${maxSide}-pixel texture limit.`,
      );
    }
    this.inputBytes = batch * channels * height * width * 4;
    if (this.inputBytes > device.limits.maxStorageBufferBindingSize) {
      throw new Error(
        `GridRenderer: ${this.inputBytes} bytes of input exceed this device's storage binding limit ` +
          `(${device.limits.maxStorageBufferBindingSize} bytes).`,
      );
    }
    this.format = options.format ?? navigator.gpu.getPreferredCanvasFormat();
    this.usage = options.usage ?? GPUTextureUsage.RENDER_ATTACHMENT;

    const { thresholds, flip } = byteThresholds(range[0], range[1]);
    const usage = GPUBufferUsage;
    this.thresholds = device.createBuffer({
      label: 'grid render thresholds',
      size: thresholds.byteLength,
      usage: usage.STORAGE | usage.COPY_DST,
    });
    device.queue.writeBuffer(this.thresholds, 0, thresholds);
    this.params = device.createBuffer({
      label: 'grid render params',
      size: 32,
      usage: usage.UNIFORM | usage.COPY_DST,
    });
    device.queue.writeBuffer(
      this.params,
      0,
      new Uint32Array([batch, cols, height, width, channels, flip, 0, 0]),
    );
    pipelineFor(device, this.format);
  }

  /**
   * Draws the batch × C × H × W float32 values of `buffer` (STORAGE usage; it may be larger, the
   * first inputBytes are read) as the grid on `target`, resized to gridWidth × gridHeight if it is
   * not that size. The target gets a WebGPU context, configured for this device and format when
   * it is not already (it must not hold another kind of context). The frame is submitted; the
   * browser presents it (in a worker, an OffscreenCanvas from transferControlToOffscreen shows it
   * on the page's canvas).
   */
  render(buffer: GPUBuffer, target: GridTarget): void {
    this.checkInput(buffer);
    if (target.width !== this.gridWidth) target.width = this.gridWidth;
    if (target.height !== this.gridHeight) target.height = this.gridHeight;
    this.drawTo(buffer, this.contextFor(target).getCurrentTexture());
  }

  /**
   * What render() does with the canvas's current texture, for any texture: gridWidth ×
   * gridHeight, RENDER_ATTACHMENT usage, a colour format that a render pass can write (a pipeline
   * per format is made on first use).
   */
  drawTo(buffer: GPUBuffer, texture: GPUTexture): void {
    this.checkInput(buffer);
    if (texture.width !== this.gridWidth || texture.height !== this.gridHeight) {
      throw new Error(
        `GridRenderer.drawTo: a ${texture.width} × ${texture.height} texture is not the ` +
          `${this.gridWidth} × ${this.gridHeight} grid.`,
      );
    }
    const encoder = this.device.createCommandEncoder({ label: 'grid render' });
    const pass = encoder.beginRenderPass({
      label: 'grid render',
      colorAttachments: [
        { view: texture.createView(), loadOp: 'clear', clearValue: [0, 0, 0, 1], storeOp: 'store' },
      ],
    });
    pass.setPipeline(pipelineFor(this.device, texture.format));
    pass.setBindGroup(0, this.bindGroupFor(buffer));
    pass.draw(3);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** Destroys the buffers this renderer made; canvases keep their last frame. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.bound = undefined;
    this.params.destroy();
    this.thresholds.destroy();
  }

  private checkInput(buffer: GPUBuffer): void {
    if (this.destroyed) throw new Error('This GridRenderer was destroyed.');
    if (buffer.size < this.inputBytes) {
      throw new Error(
        `GridRenderer: a buffer of ${buffer.size} bytes is smaller than ${this.batch} × ` +
          `[${this.channels}, ${this.height}, ${this.width}] float32 (${this.inputBytes} bytes).`,
      );
    }
    if ((buffer.usage & GPUBufferUsage.STORAGE) === 0) {
      throw new Error('GridRenderer: the buffer needs STORAGE usage.');
    }
  }

  private contextFor(target: GridTarget): GPUCanvasContext {
    const { device, format, usage } = this;
    const known = configured.get(target);
    if (known?.device === device && known.format === format && known.usage === usage) return known.context;
    const context = known?.context ?? (target.getContext('webgpu') as GPUCanvasContext | null);
    if (!context) throw new Error('GridRenderer.render: the target canvas already has a non-WebGPU context.');
    context.configure({ device, format, alphaMode: 'opaque', usage });
    configured.set(target, { context, device, format, usage });
    return context;
  }

  /** The bind group for `buffer`, kept while the same buffer comes back frame after frame. */
  private bindGroupFor(buffer: GPUBuffer): GPUBindGroup {
    if (this.bound?.buffer !== buffer) {
      const group = this.device.createBindGroup({
        label: 'grid render',
        layout: resourcesFor(this.device).layout,
        entries: [
          { binding: 0, resource: { buffer, size: this.inputBytes } },
          { binding: 1, resource: { buffer: this.thresholds } },
          { binding: 2, resource: { buffer: this.params } },
        ],
      });
      this.bound = { buffer, group };
    }
    return this.bound.group;
  }
}
