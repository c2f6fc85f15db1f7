import { describe, expect, it } from 'vitest';
import { parseCard, type ModelCard } from '../../src/core/card';
import { MlpCompute, mlpNetwork } from '../../src/core/mlp/network';
import {
  decodeWeights,
  encodeWeights,
  mlpLayout,
  mlpParamCount,
  type MlpArchitecture,
} from '../../src/core/mlp/spec';
import {
  CpuTrainerBackend,
  initialParams,
  TRAIN_DEFAULTS,
  Trainer,
  type OptimiserState,
} from '../../src/core/mlp/trainer';
import { gaussianNoise } from '../../src/core/rng';
import { toyPoints } from '../../src/core/toy-data';

const tiny: MlpArchitecture = {
  kind: 'residual-mlp',
  dim: 2,
  width: 5,
  blocks: 2,
  activation: 'silu',
  timeEmbedding: { kind: 'sinusoidal', features: 4, scale: 3, maxPeriod: 10 },
};

/** Weights with every tensor non-trivial (LayerNorm gains away from 1, biases away from 0). */
function randomParams(arch: MlpArchitecture, seed: number): Float64Array {
  const noise = gaussianNoise(seed, 0, 0, mlpParamCount(arch));
  return initialParams(arch, seed).map((p, i) => p + 0.3 * noise[i]);
}

const silu = (z: number) => z / (1 + Math.exp(-z));

/** The network exactly as spec.ts documents it, one sample at a time, written independently. */
function referenceForward(arch: MlpArchitecture, p: Float64Array, x: number[], t: number): number[] {
  const layout = mlpLayout(arch);
  const { width, dim } = arch;
  const { features, scale, maxPeriod } = arch.timeEmbedding;
  const half = features / 2;
  const freqs = Array.from({ length: half }, (_, i) => maxPeriod ** (-i / half));
  const input = [
    ...x,
    ...freqs.map((f) => Math.sin(scale * t * f)),
    ...freqs.map((f) => Math.cos(scale * t * f)),
  ];
  const dense = (w: number, b: number, v: number[], outputs: number) =>
    Array.from({ length: outputs }, (_, o) =>
      v.reduce((s, vi, i) => s + vi * p[w + o * v.length + i], p[b + o]),
    );
  let h = dense(layout.wIn, layout.bIn, input, width);
  for (const block of layout.blocks) {
    const mean = h.reduce((a, b) => a + b, 0) / width;
    const variance = h.reduce((a, b) => a + (b - mean) ** 2, 0) / width;
    const normed = h.map(
      (v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * p[block.gain + i] + p[block.bias + i],
    );
    const inner = dense(block.w1, block.b1, normed, width).map(silu);
    const r = dense(block.w2, block.b2, inner, width);
    h = h.map((v, i) => v + r[i]);
  }
  return dense(layout.wOut, layout.bOut, h.map(silu), dim);
}

describe('the hand-written MLP', () => {
  const batch = 3;
  const x = Float64Array.from(gaussianNoise(5, 0, 0, batch * 2));
  const t = Float64Array.from([0.02, 0.4, 0.97]);

  it('computes the documented architecture (checked against a plain per-sample version)', () => {
    const params = randomParams(tiny, 1);
    const out = new Float64Array(batch * 2);
    new MlpCompute(tiny, batch).forward(params, x, t, batch, out);
    for (let b = 0; b < batch; b++) {
      const expected = referenceForward(tiny, params, [x[2 * b], x[2 * b + 1]], t[b]);
      expect(out[2 * b]).toBeCloseTo(expected[0], 12);
      expect(out[2 * b + 1]).toBeCloseTo(expected[1], 12);
    }
  });

  it('backward equals central finite differences for every parameter (float64)', () => {
    const params = randomParams(tiny, 2);
    const compute = new MlpCompute(tiny, batch);
    const weights = Float64Array.from(gaussianNoise(6, 0, 0, batch * 2));
    const out = new Float64Array(batch * 2);
    const objective = (p: Float64Array) => {
      compute.forward(p, x, t, batch, out);
      return out.reduce((s, v, e) => s + v * weights[e], 0);
    };
    objective(params);
    const gradient = new Float64Array(params.length);
    compute.backward(params, weights, batch, gradient);
    const h = 1e-5;
    let worst = 0;
    for (let i = 0; i < params.length; i++) {
      const p = params.slice();
      p[i] += h;
      const up = objective(p);
      p[i] -= 2 * h;
      const down = objective(p);
      const numeric = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - gradient[i]) / Math.max(1, Math.abs(numeric)));
    }
    expect(gradient.some((g) => g === 0)).toBe(false);
    expect(worst).toBeLessThan(1e-7);
  });

  it('the training loss gradient (mean squared error to the noise) matches finite differences', () => {
    const params = randomParams(tiny, 3);
    const state: OptimiserState = {
      params,
      adamM: new Float64Array(params.length),
      adamV: new Float64Array(params.length),
      ema: params.slice(),
    };
    const backend = new CpuTrainerBackend(tiny, batch, state);
    const data = { input: x, t, target: Float64Array.from(gaussianNoise(7, 0, 0, batch * 2)), size: batch };
    const gradient = new Float64Array(params.length);
    backend.lossAndGradient(params, data, gradient);
    const scratch = new Float64Array(params.length);
    const h = 1e-5;
    for (let i = 0; i < params.length; i += 7) {
      const p = params.slice();
      p[i] += h;
      const up = backend.lossAndGradient(p, data, scratch);
      p[i] -= 2 * h;
      const down = backend.lossAndGradient(p, data, scratch);
      expect(Math.abs((up - down) / (2 * h) - gradient[i])).toBeLessThan(1e-7);
    }
  });

  it('as a NetworkFn gives the same outputs in float32, in chunks of any size', async () => {
    const params = randomParams(tiny, 4);
    const network = mlpNetwork({ ...tiny, params: Float32Array.from(params) });
    const n = 1100;
    const xs = gaussianNoise(8, 0, 0, n * 2);
    const ts = Float32Array.from({ length: n }, (_, k) => (k + 0.5) / n);
    const all = await network(xs, ts, null, n);
    const one = await network(xs.subarray(2 * 700, 2 * 701), ts.subarray(700, 701), null, 1);
    expect(one[0]).toBe(all[1400]);
    expect(one[1]).toBe(all[1401]);
  });
});

describe('weights in a card', () => {
  it('base64 float32 round-trips every value bit for bit', () => {
    const values = Float32Array.from([
      0,
      -0,
      1.5,
      -3.25e-38,
      1e-45,
      3.4e38,
      Math.PI,
      ...gaussianNoise(1, 0, 0, 99),
    ]);
    const back = decodeWeights(encodeWeights(values));
    expect(back).not.toBeNull();
    expect(new Uint32Array((back as Float32Array).buffer)).toEqual(new Uint32Array(values.buffer));
    expect(decodeWeights('not base64!')).toBeNull();
    expect(decodeWeights('AAA=')).toBeNull();
  });
});

describe('Trainer', () => {
  const points = toyPoints('eight_gaussians', 500, 1);
  const small = { width: 16, blocks: 1, timeFeatures: 8, batch: 32, steps: 40, warmup: 5 };

  it('is a pure function of its options however the steps are split, stopped and resumed', async () => {
    const whole = Trainer.create(points, 2, small);
    const wholeLosses = await whole.step(30);
    const split = Trainer.create(points, 2, small);
    const first = await split.step(11);
    const saved = await split.state();
    await split.step(5); // trained further after the state was taken: the state must not change
    const resumed = Trainer.resume(points, saved);
    const rest = await resumed.step(19);
    expect([...first, ...rest]).toEqual([...wholeLosses]);
    expect((await resumed.model()).params).toEqual((await whole.model()).params);
    expect(resumed.stepsDone).toBe(30);
    const other = Trainer.create(points, 2, { ...small, seed: 1 });
    expect((await other.step(30))[29]).not.toBe(wholeLosses[29]);
  });

  it('learns: the denoising loss falls well below its untrained value of about 1', async () => {
    const trainer = Trainer.create(points, 2, { ...small, steps: 400, batch: 128 });
    const early = await trainer.step(20);
    await trainer.step(380);
    const start = early.reduce((a, b) => a + b, 0) / 20;
    expect(start).toBeGreaterThan(0.7);
    expect(trainer.recentLoss as number).toBeLessThan(0.6 * start);
  });

  it('warms the learning rate up linearly, then decays it by a cosine to lrFinal', () => {
    const trainer = Trainer.create(points, 2, { ...small, steps: 100, warmup: 10, lr: 1e-3, lrFinal: 1e-5 });
    expect(trainer.lrAt(0)).toBeCloseTo(1e-4, 12);
    expect(trainer.lrAt(9)).toBeCloseTo(1e-3, 12);
    expect(trainer.lrAt(55)).toBeCloseTo((1e-3 + 1e-5) / 2, 12);
    expect(trainer.lrAt(100)).toBeCloseTo(1e-5, 12);
    expect(trainer.lrAt(500)).toBeCloseTo(1e-5, 12);
  });

  it('snapshots a card that parseCard accepts, with the EMA weights in float32', async () => {
    const trainer = Trainer.create(points, 2, small);
    await trainer.step(10);
    const card = await trainer.snapshot({ id: 'ring_drawing', title: 'My ring' });
    const parsed = parseCard(JSON.parse(JSON.stringify(card)), 'ring_drawing.json');
    expect(parsed.mlp?.width).toBe(16);
    expect(parsed.parameterization).toBe('eps');
    expect(parsed.sde).toEqual({ kind: 'vp', betaMin: 0.1, betaMax: 20 });
    expect(decodeWeights(parsed.mlp?.weights as string)).toEqual((await trainer.model()).params);
    expect(parsed.train?.steps).toBe(10);
  });

  it('the defaults stay under 20k parameters', () => {
    const trainer = Trainer.create(points, 2);
    expect(trainer.options).toEqual(TRAIN_DEFAULTS);
    expect(mlpParamCount(trainer.architecture)).toBeLessThan(20_000);
  });

  it('refuses bad options and data, naming what is wrong', () => {
    expect(() => Trainer.create(points, 2, { steps: 0 })).toThrow(/option steps = 0/);
    expect(() => Trainer.create(points, 2, { width: 400, blocks: 4 })).toThrow(/width.*200000.*CPU/);
    expect(() => Trainer.create(points, 2, { timeFeatures: 5 })).toThrow(/timeFeatures = 5.*even/);
    expect(() => Trainer.create([0, 0, 1], 2)).toThrow(/at least one 2-D point/);
    expect(() => Trainer.create([0, 0, 1, 300], 2)).toThrow(
      /point 1 \(coordinate 1\) is 300, beyond ±20.*rescale/,
    );
  });
});

describe('parseCard and the "mlp" block', () => {
  async function goodCard(): Promise<ModelCard> {
    const trainer = Trainer.create(toyPoints('two_moons', 50, 2), 2, {
      width: 8,
      blocks: 1,
      timeFeatures: 4,
    });
    return JSON.parse(JSON.stringify(await trainer.snapshot({ id: 'moons', title: 'Moons' }))) as ModelCard;
  }
  const withMlp = (card: ModelCard, patch: Record<string, unknown>) => ({
    ...card,
    mlp: { ...card.mlp, ...patch },
  });

  it('accepts a card with no ONNX file when it has an mlp', async () => {
    const card = parseCard(await goodCard(), 'moons.json');
    expect(card.onnx).toBeUndefined();
    expect(card.mlp?.kind).toBe('residual-mlp');
  });

  it.each([
    [
      { weights: 'AAAAAAAAAAA=' },
      /moons\.json → mlp: field "weights" holds 2 numbers, but width 8, 1 blocks and 4 time features need \d+/,
    ],
    [{ weights: '%%%' }, /field "weights" must be base64/],
    [{ dim: 3 }, /field "dim" must equal the card's data dimension 2/],
    [{ width: 300, blocks: 2 }, /field "width" and blocks give \d+ parameters, over the 200000.*ONNX/],
    [{ activation: 'relu' }, /field "activation" must be one of "silu"/],
    [
      { timeEmbedding: { kind: 'sinusoidal', features: 3, scale: 1000, maxPeriod: 1e4 } },
      /features" must be an even/,
    ],
  ])('refuses %j with a message naming the field', async (patch, message) => {
    const broken = withMlp(await goodCard(), patch);
    expect(() => parseCard(broken, 'moons.json')).toThrow(message);
  });

  it('refuses a card that has both an mlp and an ONNX file', async () => {
    const both = { ...(await goodCard()), onnx: 'x.onnx' };
    expect(() => parseCard(both, 'moons.json')).toThrow(/field "mlp" cannot be combined with "onnx"/);
  });
});
