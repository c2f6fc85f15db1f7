/**
 * One ONNX session as a plain function of (x, t, y) → output, after checking that its inputs and
 * outputs are the ones the model card promises. Nothing from onnxruntime leaves this file.
 */
import type * as ort from 'onnxruntime-web';
import type { TensorClass } from './backend';
import { tensorClassOf } from './backend';
import { ModelLoadError } from './fetch-model';

/** What the card says about the graph: input names with their types, and the output name. */
export interface GraphContract {
  modelId: string;
  /** e.g. { x: 'float32[N,1,28,28]', t: 'float32[N]', y: 'int64[N]' }. */
  inputs: Readonly<Record<string, string>>;
  output: string;
  /** Shape of one sample, e.g. [1, 28, 28]. */
  shape: readonly number[];
}

/** Batched network inputs: x is batch × prod(shape), t and y have one entry per sample. */
export interface NetworkInputs {
  x: Float32Array;
  t: Float32Array;
  y: BigInt64Array | null;
  batch: number;
}

export interface OnnxNetwork {
  run(inputs: NetworkInputs): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Checks the session's input/output names against the card; throws a message naming both. */
export function checkContract(session: ort.InferenceSession, contract: GraphContract): void {
  const expected = Object.keys(contract.inputs).sort();
  const actual = [...session.inputNames].sort();
  const problems: string[] = [];
  if (expected.join(',') !== actual.join(',')) {
    problems.push(`inputs are [${actual.join(', ')}] but the card says [${expected.join(', ')}]`);
  }
  if (!session.outputNames.includes(contract.output)) {
    problems.push(`outputs are [${session.outputNames.join(', ')}] but the card says "${contract.output}"`);
  }
  if (problems.length > 0) {
    throw new ModelLoadError(
      contract.modelId,
      `Model "${contract.modelId}": the network does not match its card (${problems.join('; ')}). ` +
        'Export the model again so the .onnx and .json agree.',
    );
  }
}

/**
 * Wraps a checked session; `y` is fed only when the graph has a `y` input. The inputs are made with
 * `Tensor`, which must be the session's own bundle's class (see backend.ts): by default the one
 * createSession recorded for this session.
 */
export function onnxNetwork(
  session: ort.InferenceSession,
  contract: GraphContract,
  Tensor: TensorClass = tensorClassOf(session),
): OnnxNetwork {
  checkContract(session, contract);
  const sampleShape = [...contract.shape];
  const sampleSize = sampleShape.reduce((a, b) => a * b, 1);
  const hasLabels = 'y' in contract.inputs;
  return {
    async run({ x, t, y, batch }) {
      if (x.length !== batch * sampleSize) {
        throw new Error(`network input has ${x.length} values, expected ${batch} × ${sampleSize}`);
      }
      const feeds: Record<string, ort.Tensor> = {
        x: new Tensor('float32', x, [batch, ...sampleShape]),
        t: new Tensor('float32', t, [batch]),
      };
      if (hasLabels) feeds.y = new Tensor('int64', y ?? new BigInt64Array(batch), [batch]);
      const results = await session.run(feeds);
      const output = results[contract.output];
      const data = ((await output.getData()) as Float32Array).slice();
      for (const tensor of Object.values(results)) tensor.dispose();
      return data;
    },
    release: () => session.release(),
  };
}
