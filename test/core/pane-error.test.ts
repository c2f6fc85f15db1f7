/**
 * Compare mode's pieces for exact mixtures: the denoiser gate (panes stepping together share one
 * release per evaluation, each pane's x̂₀ exactly what the denoiser gives it alone) and the error
 * plot's distance (an exact sampler sits in the floor band; a crude one sits above it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { denoiserGate } from '../../src/core/call-gate';
import { cpuField } from '../../src/core/field-cpu';
import { mixtureFromAnalytic, MixtureDenoiser, sampleMixture } from '../../src/core/mixture';
import { paneLoops, PaneBatch } from '../../src/core/pane-batch';
import { ERROR_PARTICLES, exactReference, marginalError, samplingFloor } from '../../src/core/pane-error';
import { sdeForModel } from '../../src/core/sde';
import { asSigma } from '../../src/core/types';

const card = JSON.parse(readFileSync('models/ring8.json', 'utf8')) as {
  analytic: Parameters<typeof mixtureFromAnalytic>[0];
};
const mixture = mixtureFromAnalytic(card.analytic, 'ring8');
const vp = sdeForModel('vp', { kind: 'vp' });

describe('denoiserGate', () => {
  it('panes on one grid share each evaluation, and get what the denoiser gives them alone', async () => {
    const exact = new MixtureDenoiser(mixture);
    const shared = denoiserGate(exact);
    const options = {
      panes: [
        { samplerId: 'euler_maruyama', steps: 8, sde: vp, schedule: 'uniform' as const },
        { samplerId: 'ode_heun', steps: 8, sde: vp, schedule: 'uniform' as const },
      ],
      seed: 3,
      batch: 32,
    };
    const loops = paneLoops(
      options,
      () => cpuField(32, 2),
      (_, p) => shared.forPane(p),
    );
    const batch = new PaneBatch(loops, shared.gate);
    await batch.run();
    const nfe = loops.map((l) => l.nfeTotal);
    expect(nfe[1]).toBeGreaterThan(nfe[0]);
    expect(shared.gate.stats.calls).toBe(Math.max(...nfe));
    // Alone, each pane gives the same endpoint bit for bit.
    const alone = paneLoops(
      options,
      () => cpuField(32, 2),
      () => exact,
    );
    for (const [p, loop] of alone.entries()) {
      while (!loop.done) await loop.step();
      expect(await loop.field.read(loop.xTilde)).toEqual(await loops[p].field.read(loops[p].xTilde));
    }
  });

  it('requests at different σ in one release go out as one call per σ', async () => {
    const seen: number[] = [];
    const shared = denoiserGate({
      dim: 2,
      denoise: async (x, sigma, batch) => {
        seen.push(sigma);
        return x.slice(0, batch * 2).map((v) => v * sigma);
      },
    });
    [0, 1].forEach((p) => shared.gate.enter(p));
    const [a, b] = await Promise.all([
      shared.forPane(0).denoise(Float32Array.of(1, 1), asSigma(2), 1),
      shared.forPane(1).denoise(Float32Array.of(1, 1), asSigma(3), 1),
    ]);
    expect(Array.from(a)).toEqual([2, 2]);
    expect(Array.from(b)).toEqual([3, 3]);
    expect(seen).toEqual([2, 3]);
    expect(shared.gate.stats.calls).toBe(1);
  });
});

describe('the error plot', () => {
  const n = ERROR_PARTICLES;
  const ref = exactReference(mixture, n, 5);
  const floor = samplingFloor(mixture, ref, 5);

  it('exact samples land in the floor band; the reference is a pure function of the seed', () => {
    expect(floor.low).toBeGreaterThan(0);
    expect(floor.high).toBeGreaterThanOrEqual(floor.low);
    const exact = sampleMixture(mixture, n, 12345);
    const d = marginalError(ref, exact, n, 1, 0);
    expect(d).toBeLessThan(floor.high * 1.5);
    expect(exactReference(mixture, n, 5)).toEqual(ref);
    expect(exactReference(mixture, n, 6).x0).not.toEqual(ref.x0);
  });

  it('the exact marginal at σ matches noised exact samples, and un-noised ones are far from it', () => {
    const sigma = 0.8;
    const x0 = sampleMixture(mixture, n, 777);
    const noisy = new Float32Array(x0.length);
    const z = exactReference(mixture, n, 778).noise;
    for (let e = 0; e < noisy.length; e++) noisy[e] = 0.5 * (x0[e] + sigma * z[e]);
    expect(marginalError(ref, noisy, n, 0.5, sigma)).toBeLessThan(floor.high * 1.5);
    expect(marginalError(ref, x0, n, 0.5, sigma)).toBeGreaterThan(3 * floor.high);
  });
});
