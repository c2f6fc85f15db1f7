/**
 * Controllable generation on GPU-resident vectors against the CPU path: inpainting (with RePaint
 * resampling, from an SDEdit start) through the sampling loop, and the PF-ODE likelihood with
 * Hutchinson probes, on GpuField and on cpuField with the same exact mixture behind both. The known
 * values must come out exactly on the GPU too; the rest agrees to float32 accuracy.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Field } from '../../src/core/field';
import { cpuField } from '../../src/core/field-cpu';
import { noisedStart } from '../../src/core/inpaint';
import { logLikelihood, probeDivergence } from '../../src/core/likelihood';
import { odeLogDensityMapOn } from '../../src/core/density-map';
import { roundTrip } from '../../src/core/encode';
import { flowGrid } from '../../src/core/flow-map';
import { MixtureDenoiser, sampleMixture } from '../../src/core/mixture';
import { SamplingLoop } from '../../src/core/sampling-loop';
import { makeSde } from '../../src/core/sde';
import type { Denoiser, Sigma } from '../../src/core/types';
import { GpuField } from '../../src/gpu/gpu-field';

const mixture = new MixtureDenoiser({
  dim: 2,
  weights: [0.5, 0.5],
  means: [Float64Array.from([-1, 0.5]), Float64Array.from([1, -0.5])],
  covs: [
    { kind: 'full', matrix: Float64Array.from([0.2, 0.1, 0.1, 0.3]) },
    { kind: 'diag', diag: Float64Array.from([0.1, 0.05]) },
  ],
});
const batch = 8;
const known = sampleMixture(mixture.mixture, batch, 3);
const mask = Float32Array.from({ length: 2 * batch }, (_, e) => (e % 2 === 0 ? 1 : 0));

let gpuField: GpuField | undefined;
async function gpu(): Promise<GpuField> {
  if (!navigator.gpu)
    throw new Error('navigator.gpu is missing: these tests need WebGPU (SwiftShader will do).');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  gpuField ??= new GpuField(await adapter.requestDevice(), batch, 2);
  return gpuField;
}
const others: GpuField[] = [];
/** Another GPU field on a device of its own, `size` samples of 2. */
async function gpuOf(size: number): Promise<GpuField> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  const field = new GpuField(await adapter.requestDevice(), size, 2);
  others.push(field);
  return field;
}
afterAll(() => [gpuField, ...others].forEach((f) => f?.destroy()));

/** The exact mixture on any field: read back, denoise on the CPU, upload (one NFE per call). */
function onField<V>(field: Field<V>): Denoiser<V> {
  return {
    dim: 2,
    denoise: async (x: V, sigma: Sigma) =>
      field.upload(await mixture.denoise(await field.read(x), sigma, field.batch)),
  };
}

async function inpaint<V>(field: Field<V>): Promise<Float32Array> {
  const loop = new SamplingLoop(field, {
    denoiser: onField(field),
    sde: { kind: 'vp' },
    schedule: 'uniform',
    steps: 8,
    samplerId: 'euler_maruyama',
    seed: 5,
    batch,
    denoiseFinal: true,
    inpainting: { known: field.upload(known), mask: field.upload(mask), resample: 2 },
  });
  const start = noisedStart(field, makeSde({ kind: 'vp' }), field.upload(known), 0.6, 5);
  loop.startFrom(start.xTilde, start.sigma);
  while (!loop.done) await loop.step();
  return field.read(loop.xTilde);
}

async function likelihood<V>(field: Field<V>): Promise<Float64Array> {
  const denoiser = onField(field);
  const probes = probeDivergence(field, denoiser, { kind: 'rademacher', count: 2, seed: 1 });
  const x = field.upload(known);
  const result = await logLikelihood(field, denoiser, x, probes, {
    sde: { kind: 'vp' },
    solver: { method: 'rk45', rtol: 1e-4, atol: 1e-4 },
    retain: () => [x],
  });
  return result.logp;
}

/** A flow-map grid and the mixture's own samples, encoded and decoded on any field. */
async function flowMap<V>(field: Field<V>) {
  return roundTrip({ field, denoiser: onField(field) }, flowPoints, {
    sde: { kind: 'vp' },
    encoder: { method: 'ode_rk45', rtol: 1e-4, atol: 1e-4 },
    decoder: { samplerId: 'ode_rk45', steps: 10, schedule: 'uniform', params: { rtol: 1e-4, atol: 1e-4 } },
  });
}
// Four grid points (the corners of line 0 and line 1), then four of the mixture's own samples.
const flowPoints = Float32Array.from([
  ...flowGrid([-2, 2], { lines: 2, perLine: 2 }).slice(0, 8),
  ...known.slice(0, 8),
]);

describe('controllable generation on GPU-resident vectors', () => {
  it('inpainting keeps the known values exactly and matches the CPU path', async () => {
    const [onGpu, onCpu] = [await inpaint(await gpu()), await inpaint(cpuField(batch, 2))];
    onGpu.forEach((v, e) => {
      if (mask[e] === 1) expect(v).toBe(known[e]);
      else expect(Math.abs(v - onCpu[e])).toBeLessThan(1e-3);
    });
  });

  it('the flow map (encode and decode of a grid) matches the CPU path', async () => {
    const [onGpu, onCpu] = [await flowMap(await gpu()), await flowMap(cpuField(batch, 2))];
    onGpu.latent.forEach((z, e) => expect(Math.abs(z - onCpu.latent[e])).toBeLessThan(1e-3));
    onGpu.decoded.forEach((x, e) => expect(Math.abs(x - onCpu.decoded[e])).toBeLessThan(1e-3));
    // The mixture's own samples come back.
    for (let e = 8; e < 16; e++) expect(Math.abs(onGpu.decoded[e] - flowPoints[e])).toBeLessThan(1e-2);
  });

  it('the log-density map with Hutchinson probes matches the CPU path', async () => {
    const map = async <V>(field: Field<V>) =>
      (
        await odeLogDensityMapOn({ field, denoiser: onField(field) }, [-2, 2], 2, {
          sde: { kind: 'vp' },
          solver: { method: 'rk45', rtol: 1e-4, atol: 1e-4 },
          probes: { kind: 'rademacher', count: 2, seed: 3 },
        })
      ).logp;
    const [onGpu, onCpu] = [await map(await gpuOf(4)), await map(cpuField(4, 2))];
    onGpu.forEach((l, k) => expect(Math.abs(l - onCpu[k])).toBeLessThan(0.01));
  });

  it('the likelihood with Hutchinson probes matches the CPU path', async () => {
    const [onGpu, onCpu] = [await likelihood(await gpu()), await likelihood(cpuField(batch, 2))];
    onGpu.forEach((l, b) => expect(Math.abs(l - onCpu[b])).toBeLessThan(0.01));
  });
});
