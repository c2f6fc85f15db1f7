/**
 * An onnxruntime WebGPU session fed from and read into GpuField vectors.
 *
 * Two ways to call the network:
 * - plain: x is the field's own buffer (or, for a guided call, the doubled batch copied into one
 *   scratch buffer), t and y are small CPU tensors, and the output stays on the GPU (the session
 *   was created with preferredOutputLocation 'gpu-buffer') and is copied into field vectors before
 *   it is released;
 * - captured (onnxruntime's graph capture): a second session per network batch size records its
 *   GPU commands on the first run and replays them afterwards, skipping the per-operator work on
 *   the CPU. A captured graph is bound to its buffers, so it owns fixed input, time, label and
 *   output buffers; a call copies the field vectors in and the output out (GPU-side copies).
 * When a captured session cannot be made or fails, the plain session takes over for good.
 */
import * as ort from 'onnxruntime-web';
import type { GpuNetworkFn } from '../gpu/gpu-denoiser';
import type { GpuField } from '../gpu/gpu-field';
import type { GraphContract } from './onnx-network';

const STORAGE = (): GPUBufferUsageFlags =>
  GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** onnxruntime binds buffers as arrays of vec4: sizes in multiples of 16 bytes. */
const padded = (bytes: number): number => Math.max(16, Math.ceil(bytes / 16) * 16);

/** A graph-captured session for one network batch size, with the buffers its graph is bound to. */
class CapturedGraph {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly x: GPUBuffer,
    readonly t: GPUBuffer,
    readonly y: GPUBuffer | null,
    readonly out: GPUBuffer,
    private readonly feeds: Record<string, ort.Tensor>,
    private readonly fetches: Record<string, ort.Tensor>,
  ) {}

  static async create(
    bytes: Uint8Array,
    contract: GraphContract,
    device: GPUDevice,
    n: number,
  ): Promise<CapturedGraph> {
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['webgpu'],
      graphOptimizationLevel: 'all',
      enableGraphCapture: true,
      preferredOutputLocation: 'gpu-buffer',
    });
    const dims = [n, ...contract.shape];
    const size = n * contract.shape.reduce((a, b) => a * b, 1);
    const make = (label: string, bytes: number) =>
      device.createBuffer({ label, size: padded(bytes), usage: STORAGE() });
    const x = make('captured network x', size * 4);
    const t = make('captured network t', n * 4);
    const y = 'y' in contract.inputs ? make('captured network y', n * 8) : null;
    const out = make('captured network output', size * 4);
    const feeds: Record<string, ort.Tensor> = {
      x: ort.Tensor.fromGpuBuffer(x, { dataType: 'float32', dims }),
      t: ort.Tensor.fromGpuBuffer(t, { dataType: 'float32', dims: [n] }),
    };
    if (y) feeds.y = ort.Tensor.fromGpuBuffer(y, { dataType: 'int64', dims: [n] });
    const fetches = { [contract.output]: ort.Tensor.fromGpuBuffer(out, { dataType: 'float32', dims }) };
    return new CapturedGraph(session, x, t, y, out, feeds, fetches);
  }

  async run(): Promise<void> {
    await this.session.run(this.feeds, this.fetches);
  }

  async release(): Promise<void> {
    for (const buffer of [this.x, this.t, this.y, this.out]) buffer?.destroy();
    await this.session.release();
  }
}

/**
 * The captured graphs of one model, by network batch size (made on first use and kept until the
 * model is released). Null entries mark sizes where capture failed.
 */
export class CapturedGraphs {
  private readonly graphs = new Map<number, Promise<CapturedGraph | null>>();
  private released = false;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly contract: GraphContract,
    private readonly device: GPUDevice,
  ) {}

  get(n: number): Promise<CapturedGraph | null> {
    if (this.released) return Promise.resolve(null);
    let graph = this.graphs.get(n);
    if (!graph) {
      graph = CapturedGraph.create(this.bytes, this.contract, this.device, n).catch((e: unknown) => {
        console.warn(`Graph capture unavailable for "${this.contract.modelId}" at batch ${n}:`, e);
        return null;
      });
      this.graphs.set(n, graph);
    }
    return graph;
  }

  /** Forgets a size whose captured graph failed (the plain session serves it from now on). */
  disable(n: number): void {
    const graph = this.graphs.get(n);
    this.graphs.set(n, Promise.resolve(null));
    void graph?.then((g) => g?.release());
  }

  async release(): Promise<void> {
    this.released = true;
    const graphs = await Promise.all(this.graphs.values());
    this.graphs.clear();
    await Promise.all(graphs.map((g) => g?.release()));
  }
}

export class OrtGpuNetwork {
  /** Scratch input for plain calls on more than one vector. */
  private scratch: GPUBuffer | null = null;
  private readonly sampleShape: number[];
  private readonly hasLabels: boolean;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly contract: GraphContract,
    private readonly field: GpuField,
    private readonly device: GPUDevice,
    private readonly captured: CapturedGraphs | null = null,
  ) {
    this.sampleShape = [...contract.shape];
    this.hasLabels = 'y' in contract.inputs;
  }

  /** The network as the GPU denoiser calls it. */
  get fn(): GpuNetworkFn {
    return (inputs, t, labels) => this.run(inputs, t, labels);
  }

  async run(inputs: readonly GPUBuffer[], t: number, labels: number[] | null): Promise<GPUBuffer[]> {
    const n = inputs.length * this.field.batch;
    const y = this.hasLabels
      ? BigInt64Array.from(labels ?? new Array<number>(n).fill(0), (c) => BigInt(c))
      : null;
    if (labels && labels.length !== n)
      throw new Error(`${labels.length} labels for a network batch of ${n}.`);
    const graph = this.captured ? await this.captured.get(n) : null;
    if (graph) {
      try {
        return await this.runCaptured(graph, inputs, t, y);
      } catch (e) {
        console.warn(
          `Graph capture failed for "${this.contract.modelId}" at batch ${n}; running uncaptured:`,
          e,
        );
        this.captured?.disable(n);
      }
    }
    return this.runPlain(inputs, t, y);
  }

  destroy(): void {
    this.scratch?.destroy();
    this.scratch = null;
  }

  private async runCaptured(
    graph: CapturedGraph,
    inputs: readonly GPUBuffer[],
    t: number,
    y: BigInt64Array<ArrayBuffer> | null,
  ): Promise<GPUBuffer[]> {
    const n = inputs.length * this.field.batch;
    this.field.concatInto(graph.x, inputs);
    this.device.queue.writeBuffer(graph.t, 0, new Float32Array(n).fill(t));
    if (graph.y && y) this.device.queue.writeBuffer(graph.y, 0, y);
    await graph.run();
    const bytes = this.field.batch * this.field.dim * 4;
    return inputs.map((_, j) => this.field.copyOf(graph.out, j * bytes));
  }

  private async runPlain(
    inputs: readonly GPUBuffer[],
    t: number,
    y: BigInt64Array | null,
  ): Promise<GPUBuffer[]> {
    const { batch, dim } = this.field;
    const n = inputs.length * batch;
    const bytes = batch * dim * 4;
    let x: GPUBuffer;
    if (inputs.length === 1) {
      x = inputs[0];
    } else {
      x = this.scratchOf(inputs.length * bytes);
      this.field.concatInto(x, inputs);
    }
    const feeds: Record<string, ort.Tensor> = {
      x: ort.Tensor.fromGpuBuffer(x, { dataType: 'float32', dims: [n, ...this.sampleShape] }),
      t: new ort.Tensor('float32', new Float32Array(n).fill(t), [n]),
    };
    if (y) feeds.y = new ort.Tensor('int64', y, [n]);
    const results = await this.session.run(feeds);
    try {
      const output = results[this.contract.output];
      const count = output.dims.reduce((a, b) => a * b, 1);
      if (output.location !== 'gpu-buffer' || count !== n * dim) {
        throw new Error(
          `Model "${this.contract.modelId}" returned ${count} values (${output.location}) for ${n} × ${dim}: ` +
            'the ONNX file does not match its card; re-export it.',
        );
      }
      return inputs.map((_, j) => this.field.copyOf(output.gpuBuffer, j * bytes));
    } finally {
      for (const tensor of Object.values(results)) tensor.dispose();
    }
  }

  private scratchOf(size: number): GPUBuffer {
    if (!this.scratch || this.scratch.size !== padded(size)) {
      this.scratch?.destroy();
      this.scratch = this.device.createBuffer({
        label: 'network doubled input',
        size: padded(size),
        usage: STORAGE(),
      });
    }
    return this.scratch;
  }
}
