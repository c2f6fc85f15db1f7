/**
 * Probability-flow ODE samplers against the closed-form flow of a Gaussian N(μ, c²):
 * x̃(σ) = μ + (x̃(σ₀) − μ)·√((c² + σ²)/(c² + σ₀²)) (Song et al. 2021, eq. 13, solved exactly).
 */
import { describe, expect, it } from 'vitest';
import { cpuField } from '../../src/core/field-cpu';
import { sigmaGrid } from '../../src/core/grids';
import { tracedCtx } from '../../src/core/trace';
import { getSampler } from '../../src/core/samplers/registry';
import { makeSde } from '../../src/core/sde';
import { priorState } from '../../src/core/step-event';
import type { Params, SdeKind } from '../../src/core/types';
import { gaussianDenoiser, runTrajectory, convergenceSlope } from './samplers-support';

const mean = [0.5, -1, 0, 2];
const std = [0.1, 0.5, 1, 2];
const batch = 64;

interface FlowError {
  maxError: number;
  nfe: number;
}

/** Runs `id` over a log-σ grid of `steps` steps and returns its worst deviation from the exact flow. */
async function flowError(id: string, kind: SdeKind, steps: number, params: Params = {}): Promise<FlowError> {
  const denoiser = gaussianDenoiser(mean, std);
  const sde = { kind };
  const run = await runTrajectory(id, { sde, schedule: 'logsnr', steps, seed: 3, batch, denoiser, params });
  const { start: x0, sigmas } = run;
  const [first, last] = [sigmas[0], sigmas[steps]];
  expect(run.sigma).toBe(last);
  let maxError = 0;
  for (let j = 0; j < x0.length; j++) {
    const k = j % mean.length;
    const c2 = std[k] ** 2;
    const exact = mean[k] + (x0[j] - mean[k]) * Math.sqrt((c2 + last * last) / (c2 + first * first));
    maxError = Math.max(maxError, Math.abs(run.x[j] - exact));
  }
  return { maxError, nfe: run.nfe };
}

const kinds: SdeKind[] = ['vp', 've'];

describe.each(kinds)('probability-flow ODE on %s', (kind) => {
  it.each(['ode_euler', 'ode_heun', 'ode_rk45', 'dpmpp_2m', 'ddim'])(
    '%s follows the exact Gaussian flow',
    async (id) => {
      const { maxError } = await flowError(id, kind, 400);
      // first-order methods at 400 log-σ steps land within ~0.03 of the exact point (std of x̃ up to 2)
      expect(maxError).toBeLessThan(0.05);
    },
  );

  it.each([
    ['ode_euler', 1],
    ['ode_heun', 2],
    ['dpmpp_2m', 2],
  ] as const)('%s converges with order %i', async (id, order) => {
    const steps = [16, 32, 64, 128];
    const errors: number[] = [];
    for (const n of steps) errors.push((await flowError(id, kind, n)).maxError);
    expect(-convergenceSlope(steps, errors)).toBeCloseTo(order, 0);
    expect(Math.abs(-convergenceSlope(steps, errors) - order)).toBeLessThan(0.25);
  });

  it('ode_rk45 meets its tolerance with far fewer evaluations than Euler at the same accuracy', async () => {
    const rtol = 1e-3;
    const rk45 = await flowError('ode_rk45', kind, 10, { rtol, atol: 1e-3 });
    // global error a small multiple of the local tolerance (|x̃| ≤ ~6 here)
    expect(rk45.maxError).toBeLessThan(10 * rtol);
    // Euler's error is ≈ C/N: find C from one run, then check the N it needs
    const euler = await flowError('ode_euler', kind, 256);
    const eulerStepsNeeded = (euler.maxError * 256) / rk45.maxError;
    expect(eulerStepsNeeded).toBeGreaterThan(20 * rk45.nfe);
    const check = await flowError('ode_euler', kind, Math.round(eulerStepsNeeded / 4));
    expect(check.maxError).toBeGreaterThan(rk45.maxError);
  });

  it('ode_rk45 reaches the final grid σ in fewer calls than the grid has steps', async () => {
    const run = await runTrajectory('ode_rk45', {
      sde: { kind },
      schedule: 'uniform',
      steps: 1000,
      seed: 5,
      batch,
      denoiser: gaussianDenoiser(mean, std),
    });
    expect(run.sigma).toBe(run.sigmas[1000]);
    expect(run.steps).toBeLessThan(40);
    for (const r of run.reports) expect(r.info.errorNorm).toBeLessThanOrEqual(1);
  });
});

describe('first-order equivalences', () => {
  it.each(kinds)('ddim with η = 0 equals ode_euler, step by step (%s)', async (kind) => {
    const denoiser = gaussianDenoiser(mean, std);
    const opts = { sde: { kind }, schedule: 'karras', steps: 20, seed: 9, batch, denoiser } as const;
    const ddim = await runTrajectory('ddim', { ...opts, params: { eta: 0 } });
    const euler = await runTrajectory('ode_euler', opts);
    expect(ddim.reports.length).toBe(20);
    ddim.reports.forEach((r, i) => {
      const e = euler.reports[i].xTilde;
      r.xTilde.forEach((v, j) => expect(Math.abs(v - e[j])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(e[j]))));
    });
  });

  it.each(kinds)('dpmpp_2m with no history takes exactly the ddim η = 0 step (%s)', async (kind) => {
    const sde = makeSde({ kind });
    const sigmas = sigmaGrid(sde, 'logsnr', 10);
    const field = cpuField(batch, mean.length);
    const x = priorState(field, sde, 11, sigmas[0]).xTilde;
    const denoiser = gaussianDenoiser(mean, std);
    const state = { i: 0, sigma: sigmas[2], xTilde: x };
    const { ctx } = tracedCtx({
      sde,
      sigmaNext: sigmas[3],
      sigmas,
      params: { eta: 0 },
      history: [],
      field,
      denoise: (xs: Float32Array, s: (typeof sigmas)[number]) => denoiser.denoise(xs, s, batch),
      noise: () => new Float32Array(x.length),
      increment: () => new Float32Array(x.length),
    });
    const dpm = await getSampler('dpmpp_2m').step(state, ctx);
    const ddim = await getSampler('ddim').step(state, ctx);
    expect(dpm.info?.order).toBe(1);
    dpm.xTilde.forEach((v, j) =>
      expect(Math.abs(v - ddim.xTilde[j])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))),
    );
  });
});
