/**
 * Training speed of the 2D MLP: core's hand-written forward/backward (src/core/mlp) against the same
 * network and recipe in TensorFlow.js (autodiff, Adam), on its pure-JS CPU backend and its WASM
 * backend. TensorFlow.js is not a dependency: install it outside the repository first, e.g.
 *
 *   npm install --no-save --prefix /tmp/tfjs @tensorflow/tfjs @tensorflow/tfjs-backend-wasm
 *   npx tsx scripts/mlp-library-bench.ts --tfjs /tmp/tfjs [--steps 100] [--batch 128]
 *
 * Without --tfjs only the hand-written version is measured. Reports steps per second of wall time
 * and per second of CPU time (the second is steadier on a shared machine).
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Trainer } from '../src/core/mlp/trainer';
import { toyPoints } from '../src/core/toy-data';

function flag(name: string, fallback: string | undefined): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

const steps = Number(flag('steps', '100'));
const batch = Number(flag('batch', '128'));
const tfjsDir = flag('tfjs', undefined);
const [WIDTH, FEATURES, DIM, BLOCKS] = [64, 16, 2, 2];

interface Timing {
  implementation: string;
  stepsPerSecond: number;
  stepsPerCpuSecond: number;
}

async function time(implementation: string, step: () => Promise<unknown> | unknown): Promise<Timing> {
  for (let i = 0; i < 10; i++) await step();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - start) / 1000;
  return {
    implementation,
    stepsPerSecond: Number((steps / seconds).toFixed(1)),
    stepsPerCpuSecond: Number((steps / ((used.user + used.system) / 1e6)).toFixed(1)),
  };
}

/** The few TensorFlow.js calls the benchmark makes (the package's own types are not installed). */
type Tensor = { dispose(): void; dataSync(): Float32Array };
interface Tf {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tidy<T>(f: () => T): T;
  variable(t: Tensor): Tensor;
  randomNormal(shape: number[], mean?: number, std?: number): Tensor;
  randomUniform(shape: number[], lo: number, hi: number): Tensor;
  zeros(shape: number[]): Tensor;
  ones(shape: number[]): Tensor;
  tensor1d(values: number[]): Tensor;
  add(a: Tensor | number, b: Tensor | number): Tensor;
  sub(a: Tensor | number, b: Tensor | number): Tensor;
  mul(a: Tensor | number, b: Tensor | number): Tensor;
  div(a: Tensor, b: Tensor): Tensor;
  matMul(a: Tensor, b: Tensor): Tensor;
  sigmoid(a: Tensor): Tensor;
  sin(a: Tensor): Tensor;
  cos(a: Tensor): Tensor;
  exp(a: Tensor): Tensor;
  sqrt(a: Tensor): Tensor;
  square(a: Tensor): Tensor;
  mean(a: Tensor): Tensor;
  concat(ts: Tensor[], axis: number): Tensor;
  expandDims(a: Tensor, axis: number): Tensor;
  moments(a: Tensor, axis: number, keepDims: boolean): { mean: Tensor; variance: Tensor };
  train: { adam(lr: number): { minimize(f: () => Tensor, returnCost: boolean): Tensor } };
}

/** One training step of the same MLP and loss in TensorFlow.js (random data: speed only). */
function tfjsStep(tf: Tf): () => void {
  const weight = (rows: number, cols: number) =>
    tf.variable(tf.randomNormal([rows, cols], 0, 1 / Math.sqrt(3 * rows)));
  const p = {
    wIn: weight(DIM + FEATURES, WIDTH),
    bIn: tf.variable(tf.zeros([WIDTH])),
    blocks: Array.from({ length: BLOCKS }, () => ({
      gain: tf.variable(tf.ones([WIDTH])),
      bias: tf.variable(tf.zeros([WIDTH])),
      w1: weight(WIDTH, WIDTH),
      b1: tf.variable(tf.zeros([WIDTH])),
      w2: weight(WIDTH, WIDTH),
      b2: tf.variable(tf.zeros([WIDTH])),
    })),
    wOut: weight(WIDTH, DIM),
    bOut: tf.variable(tf.zeros([DIM])),
  };
  const half = FEATURES / 2;
  const freqs = tf.tensor1d(
    Array.from({ length: half }, (_, i) => 1000 * Math.exp((-Math.log(1e4) * i) / half)),
  );
  const silu = (z: Tensor) => tf.mul(z, tf.sigmoid(z));
  const net = (x: Tensor, t: Tensor) => {
    const angles = tf.mul(tf.expandDims(t, 1), tf.expandDims(freqs, 0));
    let h = tf.add(tf.matMul(tf.concat([x, tf.sin(angles), tf.cos(angles)], 1), p.wIn), p.bIn);
    for (const b of p.blocks) {
      const { mean, variance } = tf.moments(h, 1, true);
      const normed = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), b.gain), b.bias);
      h = tf.add(h, tf.add(tf.matMul(silu(tf.add(tf.matMul(normed, b.w1), b.b1)), b.w2), b.b2));
    }
    return tf.add(tf.matMul(silu(h), p.wOut), p.bOut);
  };
  const optimiser = tf.train.adam(5e-3);
  return () => {
    const cost = tf.tidy(() => {
      const x0 = tf.randomNormal([batch, DIM]);
      const t = tf.randomUniform([batch], 1e-5, 1);
      const integral = tf.add(tf.mul(0.1, t), tf.mul(9.95, tf.square(t)));
      const alpha = tf.expandDims(tf.exp(tf.mul(-0.5, integral)), 1);
      const eps = tf.randomNormal([batch, DIM]);
      const xt = tf.add(tf.mul(alpha, x0), tf.mul(tf.sqrt(tf.sub(1, tf.square(alpha))), eps));
      return optimiser.minimize(() => tf.mean(tf.square(tf.sub(net(xt, t), eps))), true);
    });
    cost.dataSync();
    cost.dispose();
  };
}

const results: Timing[] = [];
const trainer = Trainer.create(toyPoints('eight_gaussians', 1500, 1), 2, { batch, steps: 10 * steps });
results.push(await time('hand-written (src/core/mlp)', () => trainer.step(1)));
if (tfjsDir) {
  const load = createRequire(resolve(tfjsDir, 'package.json'));
  const tf = load('@tensorflow/tfjs') as Tf;
  load('@tensorflow/tfjs-backend-wasm');
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    await tf.ready();
    results.push(await time(`TensorFlow.js ${backend}`, tfjsStep(tf)));
  }
}
console.log(JSON.stringify({ batch, steps, results }, null, 1));
