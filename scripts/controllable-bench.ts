/**
 * Time per controllable-generation feature on onnxruntime-web's WASM build (the page's WASM path,
 * one thread), MNIST at batch 16, beside a plain run of the same sampler and steps. Each feature runs
 * through core's own functions with the settings the page uses (tool-jobs.ts: RK45 at rtol = atol =
 * 1e-4 for encode, decode and likelihood). A benchmark, not a test: it prints and never fails.
 *
 *   nice npx tsx scripts/controllable-bench.ts [steps=50] [rounds=2]
 *
 * Columns: median wall time (ms) over the rounds, NFE (network calls, each on the whole batch; a
 * Hutchinson probe's finite-difference JVP counts its calls), ms per NFE, and the time as a ratio
 * to the plain run. The examples are models/mnist.examples.bin 0 … 15; the interpolation runs
 * between examples 0 and 1 (a batch of 2 to encode, 8 frames to decode), as the page's strip does.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web/wasm';
import { parseCard } from '../src/core/card';
import { denoiserForCard, type NetworkFn } from '../src/core/denoiser';
import { decode, encode, interpolate } from '../src/core/encode';
import { cpuField } from '../src/core/field-cpu';
import { exampleImages } from '../src/core/forward';
import { noisedStart } from '../src/core/inpaint';
import { dequantize, logLikelihood, probeDivergence } from '../src/core/likelihood';
import { SamplingLoop, type LoopOptions } from '../src/core/sampling-loop';
import type { Denoiser, Sigma } from '../src/core/types';

const steps = Number(process.argv[2] ?? 50);
const rounds = Number(process.argv[3] ?? 2);
const BATCH = 16;
const TOL = 1e-4;
const SAMPLER = 'euler_maruyama';

const card = parseCard(JSON.parse(readFileSync('models/mnist.json', 'utf8')), 'mnist');
const dim = card.shape.reduce((a, b) => a * b, 1);
ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create(readFileSync('models/mnist.onnx'));
const output = card.output ?? 'eps';
const network: NetworkFn = async (x, t, y, batch) => {
  const feeds: Record<string, ort.Tensor> = {
    x: new ort.Tensor('float32', x, [batch, ...card.shape]),
    t: new ort.Tensor('float32', t, [batch]),
  };
  if (session.inputNames.includes('y')) {
    feeds.y = new ort.Tensor('int64', y ?? new BigInt64Array(batch).fill(BigInt(card.nullClass ?? 0)), [
      batch,
    ]);
  }
  return (await session.run(feeds))[output].data as Float32Array;
};
const inner = denoiserForCard(card, network);

/** Counts network calls (denoiser calls; the guidance-free model makes one network call each). */
class Counted implements Denoiser {
  calls = 0;
  readonly dim = inner.dim;
  async denoise(x: Float32Array, sigma: Sigma, batch: number): Promise<Float32Array> {
    this.calls += 1;
    return inner.denoise(x, sigma, batch);
  }
}

const bytes = new Uint8Array(readFileSync('models/mnist.examples.bin'));
const examples = exampleImages(bytes, card.examples!.count, dim, card.range, [...Array(BATCH).keys()]);
const bottomMask = Float32Array.from({ length: BATCH * dim }, (_, e) => (e % dim < dim / 2 ? 1 : 0));

const loopOptions = (denoiser: Denoiser): LoopOptions<Float32Array> => ({
  denoiser,
  sde: card.sde,
  schedule: 'uniform',
  steps,
  samplerId: SAMPLER,
  seed: 7,
  batch: BATCH,
  denoiseFinal: true,
  snapshotBudgetBytes: 1 << 22,
});

async function run(loop: SamplingLoop<Float32Array>): Promise<void> {
  while (!loop.done) await loop.step();
}

type Feature = () => Promise<number>; // returns NFE

/** The examples' latent for decode, encoded once outside any timing. */
let latent: Float32Array | null = null;
async function latentOf(): Promise<Float32Array> {
  latent ??= (
    await encode(cpuField(BATCH, dim), inner, examples, card.sde, {
      method: 'ode_rk45',
      rtol: TOL,
      atol: TOL,
    })
  ).latent;
  return latent;
}
const features: [string, Feature][] = [
  [
    `plain run (${SAMPLER}, ${steps} steps)`,
    async () => {
      const d = new Counted();
      await run(new SamplingLoop(cpuField(BATCH, dim), loopOptions(d)));
      return d.calls;
    },
  ],
  [
    'inpainting, bottom half (r = 0)',
    async () => {
      const d = new Counted();
      const field = cpuField(BATCH, dim);
      const loop = new SamplingLoop(field, {
        ...loopOptions(d),
        inpainting: { known: examples, mask: bottomMask, resample: 0 },
      });
      await run(loop);
      return d.calls;
    },
  ],
  [
    'inpainting, RePaint r = 1',
    async () => {
      const d = new Counted();
      const field = cpuField(BATCH, dim);
      const loop = new SamplingLoop(field, {
        ...loopOptions(d),
        inpainting: { known: examples, mask: bottomMask, resample: 1 },
      });
      await run(loop);
      return d.calls;
    },
  ],
  [
    'SDEdit t₀ = 0.5',
    async () => {
      const d = new Counted();
      const field = cpuField(BATCH, dim);
      const loop = new SamplingLoop(field, loopOptions(d));
      const start = noisedStart(field, loop.settings.sde, examples, 0.5, 7);
      loop.startFrom(start.xTilde, start.sigma);
      await run(loop);
      return d.calls;
    },
  ],
  [
    'encode (PF-ODE RK45, 1e-4)',
    async () => {
      const d = new Counted();
      await encode(cpuField(BATCH, dim), d, examples, card.sde, { method: 'ode_rk45', rtol: TOL, atol: TOL });
      return d.calls;
    },
  ],
  [
    'decode (ode_rk45, 1e-4)',
    async () => {
      // The latent is made once, before the timing (see `latentOf`).
      const z = await latentOf();
      const d = new Counted();
      await decode(cpuField(BATCH, dim), d, z, {
        sde: card.sde,
        samplerId: 'ode_rk45',
        steps,
        schedule: 'uniform',
        params: { rtol: TOL, atol: TOL },
      });
      return d.calls;
    },
  ],
  [
    'latent interpolation (pair + 8 frames, RK45 1e-4)',
    async () => {
      const d = new Counted();
      const options = {
        sde: card.sde,
        encoder: { method: 'ode_rk45' as const, rtol: TOL, atol: TOL },
        decoder: {
          samplerId: 'ode_rk45',
          steps,
          schedule: 'uniform' as const,
          params: { rtol: TOL, atol: TOL },
        },
      };
      await interpolate(
        { field: cpuField(2, dim), denoiser: d },
        { field: cpuField(8, dim), denoiser: d },
        examples.slice(0, dim),
        examples.slice(dim, 2 * dim),
        options,
      );
      return d.calls;
    },
  ],
  [
    'likelihood (RK45 1e-4, 1 probe)',
    async () => {
      const d = new Counted();
      const field = cpuField(BATCH, dim);
      const divergence = probeDivergence(field, d, { kind: 'rademacher', count: 1, seed: 7 });
      await logLikelihood(field, d, dequantize(examples, card.range, 7), divergence, {
        sde: card.sde,
        solver: { method: 'rk45', rtol: TOL, atol: TOL },
      });
      return d.calls;
    },
  ],
];

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
// One warm-up call (the first run allocates and compiles).
await network(new Float32Array(BATCH * dim), new Float32Array(BATCH).fill(0.5), null, BATCH);
await latentOf();
const results: { name: string; ms: number; nfe: number }[] = [];
for (const [name, feature] of features) {
  const times: number[] = [];
  let nfe = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    nfe = await feature();
    times.push(performance.now() - t0);
  }
  results.push({ name, ms: median(times), nfe });
  process.stderr.write(`${name}: ${median(times).toFixed(0)} ms\n`);
}
const plain = results[0];
console.log(
  `MNIST, batch ${BATCH}, onnxruntime-web ${ort.env.versions.web ?? ''} WASM, 1 thread, median of ${rounds}`,
);
console.log('feature\tms\tNFE\tms/NFE\t× plain run');
for (const r of results) {
  console.log(
    `${r.name}\t${r.ms.toFixed(0)}\t${r.nfe}\t${(r.ms / r.nfe).toFixed(1)}\t${(r.ms / plain.ms).toFixed(2)}`,
  );
}
