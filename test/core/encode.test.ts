/**
 * Encoding through the probability-flow ODE and decoding with the ODE samplers, against the
 * closed-form flow of a Gaussian, round trips on the exact mixtures, and the latents' law.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCard } from '../../src/core/card';
import { decode, encode, latentScale, slerp, type EncodeSolver } from '../../src/core/encode';
import { cpuField } from '../../src/core/field-cpu';
import { MixtureDenoiser, mixtureFromAnalytic, sampleMixture } from '../../src/core/mixture';
import { makeSde } from '../../src/core/sde';
import { asTime, type SdeConfig } from '../../src/core/types';
import { gaussianDenoiser } from './samplers-support';

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const mixtureOf = (id: string) =>
  new MixtureDenoiser(mixtureFromAnalytic(parseCard(readJson(`models/${id}.json`), id).analytic!, id));

const tight: EncodeSolver = { method: 'ode_rk45', rtol: 1e-5, atol: 1e-5 };

describe('encode', () => {
  it.each<SdeConfig>([{ kind: 'vp' }, { kind: 've', sigmaMin: 0.01, sigmaMax: 50 }])(
    'follows the exact flow of a Gaussian up to σmax (%o)',
    async (sdeConfig) => {
      const [mean, std] = [
        [0.5, -1],
        [0.3, 1.2],
      ];
      const batch = 8;
      const x = Float32Array.from(
        { length: 2 * batch },
        (_, e) => mean[e % 2] + std[e % 2] * Math.sin(3 * e),
      );
      const field = cpuField(batch, 2);
      const { latent, nfe } = await encode(field, gaussianDenoiser(mean, std), x, sdeConfig, tight);
      const sde = makeSde(sdeConfig);
      const [low, high] = [sde.sigma(sde.tEnd), sde.sigma(asTime(1))];
      latent.forEach((z, e) => {
        const c2 = std[e % 2] ** 2;
        const xT = mean[e % 2] + (x[e] - mean[e % 2]) * Math.sqrt((c2 + high * high) / (c2 + low * low));
        expect(z).toBeCloseTo(latentScale(sde) * xT, 3);
      });
      expect(nfe).toBeGreaterThan(10);
    },
  );

  it('gives latents that look like N(0, I) for data from the model', async () => {
    const mixture = mixtureOf('grid25');
    const batch = 400;
    const x = sampleMixture(mixture.mixture, batch, 6);
    const { latent } = await encode(cpuField(batch, 2), mixture, x, { kind: 'vp' }, tight);
    const values = Array.from(latent);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
  });
});

describe('encode → decode round trip on the exact mixtures', () => {
  it.each(['ring8', 'anisotropic3', 'unequal2', 'grid25'])(
    '%s: RK45 both ways at rtol 1e-5 returns every point within 1e-3',
    async (id) => {
      const mixture = mixtureOf(id);
      const batch = 32;
      const x = sampleMixture(mixture.mixture, batch, 8);
      const sde: SdeConfig = { kind: 'vp' };
      const field = cpuField(batch, 2);
      const encoded = await encode(field, mixture, x, sde, tight);
      const decoded = await decode(field, mixture, encoded.latent, {
        sde,
        samplerId: 'ode_rk45',
        steps: 10,
        schedule: 'uniform',
        params: { rtol: 1e-5, atol: 1e-5 },
      });
      const worst = Math.max(...decoded.xTilde.map((v, e) => Math.abs(v - x[e])));
      expect(worst).toBeLessThan(1e-3);
    },
  );

  it('Heun encoding on a grid is undone by the ode_heun sampler on the same grid', async () => {
    const mixture = mixtureOf('anisotropic3');
    const batch = 32;
    const x = sampleMixture(mixture.mixture, batch, 3);
    const sde: SdeConfig = { kind: 'vp' };
    const field = cpuField(batch, 2);
    const errorAt = async (steps: number) => {
      const encoded = await encode(field, mixture, x, sde, { method: 'ode_heun', steps, schedule: 'logsnr' });
      expect(encoded.nfe).toBe(2 * steps);
      const decoded = await decode(field, mixture, encoded.latent, {
        sde,
        samplerId: 'ode_heun',
        steps,
        schedule: 'logsnr',
      });
      return Math.max(...decoded.xTilde.map((v, e) => Math.abs(v - x[e])));
    };
    const [coarse, fine] = [await errorAt(50), await errorAt(200)];
    expect(fine).toBeLessThan(1e-3);
    // Second order: four times the steps, about a sixteenth of the error.
    expect(fine).toBeLessThan(coarse / 6);
  });
});

describe('slerp', () => {
  it('runs from a to b in 8 frames along the great circle, keeping the norm of equal-norm latents', () => {
    const a = Float32Array.from([3, 0, 4, 0]);
    const b = Float32Array.from([0, 5, 0, 0]);
    const frames = slerp(a, b);
    expect(frames).toHaveLength(8);
    expect(Array.from(frames[0])).toEqual(Array.from(a));
    frames[7].forEach((v, e) => expect(v).toBeCloseTo(b[e], 6));
    for (const f of frames) expect(Math.hypot(...f)).toBeCloseTo(5, 5);
    // Equal angles between consecutive frames.
    const angle = (u: Float32Array, v: Float32Array) =>
      Math.acos(u.reduce((s, x, e) => s + x * v[e], 0) / (Math.hypot(...u) * Math.hypot(...v)));
    for (let f = 1; f < 8; f++) expect(angle(frames[f - 1], frames[f])).toBeCloseTo(Math.PI / 2 / 7, 5);
  });
});
