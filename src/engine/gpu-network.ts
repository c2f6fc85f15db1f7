/**
 * An onnxruntime WebGPU session fed from and read into GpuField vectors: the input x is the
 * field's own buffer (or, for a guided call, the doubled batch copied into one scratch buffer), t
 * and y are small CPU tensors, and the output stays on the GPU (the session was created with
 * preferredOutputLocation 'gpu-buffer') and is copied into field vectors before it is released.
 */
import * as ort from 'onnxruntime-web';
import type { GpuNetworkFn } from '../gpu/gpu-denoiser';
import type { GpuField } from '../gpu/gpu-field';
import type { GraphContract } from './onnx-network';

export class OrtGpuNetwork {
  /** Scratch input for calls on more than one vector, by byte size. */
  private scratch: GPUBuffer | null = null;
  private readonly sampleShape: number[];
  private readonly hasLabels: boolean;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly contract: GraphContract,
    private readonly field: GpuField,
    private readonly device: GPUDevice,
  ) {
    this.sampleShape = [...contract.shape];
    this.hasLabels = 'y' in contract.inputs;
  }

  /** The network as the GPU denoiser calls it. */
  get fn(): GpuNetworkFn {
    return (inputs, t, labels) => this.run(inputs, t, labels);
  }

  async run(inputs: readonly GPUBuffer[], t: number, labels: number[] | null): Promise<GPUBuffer[]> {
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
    if (this.hasLabels) {
      const y = labels ? BigInt64Array.from(labels, (c) => BigInt(c)) : new BigInt64Array(n);
      if (y.length !== n) throw new Error(`${y.length} labels for a network batch of ${n}.`);
      feeds.y = new ort.Tensor('int64', y, [n]);
    }
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

  destroy(): void {
    this.scratch?.destroy();
    this.scratch = null;
  }

  private scratchOf(size: number): GPUBuffer {
    if (!this.scratch || this.scratch.size !== size) {
      this.scratch?.destroy();
      const usage = GPUBufferUsage;
      this.scratch = this.device.createBuffer({
        label: 'network doubled input',
        size,
        usage: usage.STORAGE | usage.COPY_SRC | usage.COPY_DST,
      });
    }
    return this.scratch;
  }
}
