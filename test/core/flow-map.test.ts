/**
 * The flow map (a grid carried to the latent space and back) and latent interpolation, against the
 * closed-form flow of a Gaussian and the exact mixtures.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCard } from '../../src/core/card';
import { interpolate, latentScale, roundTrip, type RoundTripOptions } from '../../src/core/encode';
import { cpuField } from '../../src/core/field-cpu';
import { checkFlowGrid, flowGrid, flowLine } from '../../src/core/flow-map';
import { MixtureDenoiser, mixtureFromAnalytic, sampleMixture } from '../../src/core/mixture';
import { makeSde } from '../../src/core/sde';
import { asTime, type Denoiser } from '../../src/core/types';
import { gaussianDenoiser } from './samplers-support';

const mixtureOf = (id: string) =>
  new MixtureDenoiser(
    mixtureFromAnalytic(parseCard(JSON.parse(readFileSync(`models/${id}.json`, 'utf8')), id).analytic!, id),
  );

const tight: RoundTripOptions = {
  sde: { kind: 'vp' },
  encoder: { method: 'ode_rk45', rtol: 1e-5, atol: 1e-5 },
  decoder: { samplerId: 'ode_rk45', steps: 10, schedule: 'uniform', params: { rtol: 1e-5, atol: 1e-5 } },
};
const on = (batch: number, denoiser: Denoiser) => ({ field: cpuField(batch, 2), denoiser });

describe('flowGrid', () => {
  it('lays out vertical then horizontal lines over the square, ends included', () => {
    const layout = { lines: 3, perLine: 5 };
    const grid = flowGrid([-2, 2], layout);
    expect(grid).toHaveLength(2 * 3 * 5 * 2);
    // Line 1 is the vertical line x = 0 from y = −2 to 2; line 4 the horizontal line y = 0.
    expect(flowLine(grid, layout, 1)).toEqual([
      [0, -2],
      [0, -1],
      [0, 0],
      [0, 1],
      [0, 2],
    ]);
    expect(flowLine(grid, layout, 4).map(([x, y]) => [x, y])).toEqual([
      [-2, 0],
      [-1, 0],
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    expect(() => checkFlowGrid({ lines: 1, perLine: 5 })).toThrow(/choose 2 to 33/);
    expect(() => checkFlowGrid({ lines: 3, perLine: 1000 })).toThrow(/choose 2 to 129/);
  });
});

describe('the flow map', () => {
  it('of a Gaussian is the closed-form affine map: straight lines stay straight, and come back', async () => {
    const [mean, std] = [
      [0.5, -1],
      [0.3, 1.2],
    ];
    const layout = { lines: 5, perLine: 9 };
    const grid = flowGrid([-3, 3], layout);
    const trip = await roundTrip(on(grid.length / 2, gaussianDenoiser(mean, std)), grid, tight);
    const sde = makeSde({ kind: 'vp' });
    const [low, high] = [sde.sigma(sde.tEnd), sde.sigma(asTime(1))];
    trip.latent.forEach((z, e) => {
      const c2 = std[e % 2] ** 2;
      const x = mean[e % 2] + (grid[e] - mean[e % 2]) * Math.sqrt((c2 + high * high) / (c2 + low * low));
      expect(z).toBeCloseTo(latentScale(sde) * x, 3);
    });
    expect(trip.maxError).toBeLessThan(1e-3);
  });

  it('of ring8 returns the grid where the data lives; the empty centre is squeezed below the tolerance', async () => {
    const ring8 = mixtureOf('ring8');
    const layout = { lines: 9, perLine: 33 };
    const grid = flowGrid([-3, 3], layout);
    const n = grid.length / 2;
    const trip = await roundTrip(on(n, ring8), grid, tight);
    const sde = makeSde({ kind: 'vp' });
    const logp = ring8.logDensity(grid, sde.sigma(sde.tEnd), n);
    let [dense, empty] = [0, 0];
    for (let k = 0; k < n; k++) {
      const error = Math.hypot(trip.decoded[2 * k] - grid[2 * k], trip.decoded[2 * k + 1] - grid[2 * k + 1]);
      if (logp[k] > Math.log(1e-3)) dense = Math.max(dense, error);
      else empty = Math.max(empty, error);
    }
    expect(dense).toBeLessThan(1e-3);
    // (0, 0.75), in the empty centre, maps to within 1e-16 of z = 0 (by symmetry the origin maps to
    // 0 exactly): far inside the solver's atol, so decoding cannot tell such points apart and they
    // come back off their lines (the page and the SDE-vs-ODE lesson say so).
    const k = grid.findIndex((v, e) => e % 2 === 0 && v === 0 && grid[e + 1] === 0.75) / 2;
    expect(k).toBeGreaterThan(0);
    expect(Math.hypot(trip.latent[2 * k], trip.latent[2 * k + 1])).toBeLessThan(1e-16);
    expect(empty).toBeGreaterThan(0.1);
  });
});

describe('latent interpolation', () => {
  it('starts and ends at the two points, every frame on the path of slerp', async () => {
    const ring8 = mixtureOf('ring8');
    const x = sampleMixture(ring8.mixture, 2, 4);
    const [a, b] = [x.slice(0, 2), x.slice(2, 4)];
    const frames = 8;
    const result = await interpolate(on(2, ring8), on(frames, ring8), a, b, tight);
    expect(result.images).toHaveLength(frames * 2);
    expect(result.endError).toBeLessThan(1e-3);
    expect(Math.abs(result.images[0] - a[0])).toBeLessThan(1e-3);
    expect(Math.abs(result.images[14] - b[0])).toBeLessThan(1e-3);
    // Every decoded frame is a point of the model: each encodes back to a latent on the great circle.
    const back = await roundTrip(on(frames, ring8), result.images, tight);
    const [za, zb] = result.ends;
    const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
    const theta = Math.acos((za[0] * zb[0] + za[1] * zb[1]) / (norm(za) * norm(zb)));
    for (let f = 0; f < frames; f++) {
      const z = back.latent.subarray(2 * f, 2 * f + 2);
      const tau = f / (frames - 1);
      const [wa, wb] = [
        Math.sin((1 - tau) * theta) / Math.sin(theta),
        Math.sin(tau * theta) / Math.sin(theta),
      ];
      expect(Math.abs(z[0] - (wa * za[0] + wb * zb[0]))).toBeLessThan(2e-3);
      expect(Math.abs(z[1] - (wa * za[1] + wb * zb[1]))).toBeLessThan(2e-3);
    }
    await expect(interpolate(on(2, ring8), on(4, ring8), a, x, tight)).rejects.toThrow(/two samples of 2/);
  });
});
