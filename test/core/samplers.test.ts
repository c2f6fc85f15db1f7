/**
 * Every sampler against exact distributions, on VP and VE: two 2D Gaussian mixtures (exact denoiser,
 * exact moments and samples from core/mixture.ts and core/stats.ts) and a 784-dimensional diagonal
 * Gaussian; plus registry checks. Seeds are fixed, so every number here is reproducible.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sigmaGrid } from '../../src/core/grids';
import {
  MixtureDenoiser,
  mixtureFromAnalytic,
  sampleMixture,
  type AnalyticMixture,
} from '../../src/core/mixture';
import { gaussianNoise } from '../../src/core/rng';
import { getSampler, samplerIds, samplers } from '../../src/core/samplers/registry';
import { makeSde } from '../../src/core/sde';
import {
  covariance,
  mean,
  mixtureMoments,
  momentStandardErrors,
  slicedWasserstein1,
} from '../../src/core/stats';
import type { NoiseKeying } from '../../src/core/sampling-loop';
import type { Params, SdeKind } from '../../src/core/types';
import { annealedLangevinLaw, coordinateMoments, gaussianDenoiser, runTrajectory } from './samplers-support';

/** Every paper a sampler may cite, by the author–year key it is cited with. */
const bibliography: Readonly<Record<string, string>> = {
  'Ho et al. 2020': 'Denoising Diffusion Probabilistic Models',
  'Song & Ermon 2019': 'Generative Modeling by Estimating Gradients of the Data Distribution',
  'Song et al. 2021': 'Score-Based Generative Modeling through Stochastic Differential Equations',
  'Song, Meng & Ermon 2021': 'Denoising Diffusion Implicit Models',
  'Karras et al. 2022': 'Elucidating the Design Space of Diffusion-Based Generative Models',
  'Lu et al. 2022': 'DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic Models',
  'Dormand & Prince 1980': 'A family of embedded Runge–Kutta formulae',
};

/** The papers a citation names: each part between semicolons starts with "Authors YEAR". */
function papersIn(cite: string): string[] {
  return cite.split(';').map((part) => /^\s*(.+? \d{4})\b/.exec(part)?.[1] ?? part.trim());
}

/** The README's sampler table: each id (a row may list several) → that row's reference cell. */
function readmeSamplerTable(): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of readFileSync('README.md', 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length !== 5 || !cells[1].startsWith('`')) continue;
    for (const [, id] of cells[1].matchAll(/`([^`]+)`/g)) table.set(id, cells[3]);
  }
  return table;
}

describe('registry', () => {
  const readme = readmeSamplerTable();

  it('finds every sampler by id and names a bad id with the valid ones', () => {
    for (const id of samplerIds) expect(getSampler(id).id).toBe(id);
    expect(new Set(samplerIds).size).toBe(samplers.length);
    expect(() => getSampler('euler_maruyamma')).toThrow(/"euler_maruyamma".*euler_maruyama.*dpmpp_2m/);
  });

  it("has exactly the ids of the README's sampler table (links use them)", () => {
    expect([...samplerIds].sort()).toEqual([...readme.keys()].sort());
  });

  it.each(samplers.map((s) => [s.id, s] as const))(
    '%s cites known papers, among them the one the README gives for it',
    (id, sampler) => {
      const cited = papersIn(sampler.cite);
      for (const paper of cited) expect(Object.keys(bibliography)).toContain(paper);
      const listed = papersIn(readme.get(id) ?? '');
      for (const paper of listed) expect(Object.keys(bibliography)).toContain(paper);
      expect(listed.filter((paper) => cited.includes(paper))).not.toEqual([]);
    },
  );

  it.each(samplers.map((s) => [s.id, s] as const))(
    '%s declares uniquely named params whose defaults are within their own range or choices',
    (_id, sampler) => {
      const names = sampler.params.map((p) => p.name);
      expect(new Set(names).size).toBe(names.length);
      for (const p of sampler.params) {
        if (p.kind === 'number' || p.kind === 'int') {
          expect(p.min).toBeLessThan(p.max);
          expect(p.default).toBeGreaterThanOrEqual(p.min);
          expect(p.default).toBeLessThanOrEqual(p.max);
          if (p.kind === 'int') expect(Number.isInteger(p.default)).toBe(true);
        } else if (p.kind === 'choice') {
          expect(p.choices).toContain(p.default);
          expect(new Set(p.choices).size).toBe(p.choices.length);
        }
      }
    },
  );
});

/**
 * Steps (uniform in log σ) and params per sampler, sized so that the discretisation bias, measured
 * on this Gaussian at batch 4096, stays below about a third of the tolerances below (first-order
 * SDE samplers: bias ∝ 1/steps, about 1–2% in variance at these counts).
 */
const plans: Record<string, { steps: number; params?: Params; highDim?: Params }> = {
  euler_maruyama: { steps: 400 },
  reverse_diffusion: { steps: 800 },
  ancestral: { steps: 800 },
  // Song's r = 0.16 sets one ε from all coordinates, too large for the narrowest ones of the 784-D
  // Gaussian (+10% variance there: the corrector's own bias); at r = 0.08 the bias is below 1%.
  pc: { steps: 600, highDim: { snr: 0.08 } },
  annealed_langevin: { steps: 300 },
  ode_euler: { steps: 400 },
  ode_heun: { steps: 50 },
  ode_rk45: { steps: 30 },
  ddim: { steps: 800, params: { eta: 0.5 } },
  dpmpp_2m: { steps: 50 },
};

const kinds: SdeKind[] = ['vp', 've'];

function loadMixture(name: string) {
  const card = JSON.parse(readFileSync(`models/${name}.json`, 'utf8')) as { analytic: AnalyticMixture };
  return mixtureFromAnalytic(card.analytic, name);
}

function runPlan(
  id: string,
  kind: SdeKind,
  seed: number,
  batch: number,
  denoiser: MixtureDenoiser | ReturnType<typeof gaussianDenoiser>,
  params?: Params,
  noise: NoiseKeying = 'brownian',
) {
  return runTrajectory(id, {
    noise,
    sde: { kind },
    schedule: 'logsnr',
    steps: plans[id].steps,
    seed,
    batch,
    denoiser,
    params: params ?? plans[id].params,
  });
}

/** 2D sample size; SW floor and sampler SW both average over this many independent exact sets. */
const N = 2000;
const SETS = 6;

describe.each(['ring8', 'unequal2'])('2D mixture %s', (name) => {
  const mixture = loadMixture(name);
  const exact = mixtureMoments(mixture);
  describe.each(kinds)('on %s', (kind) => {
    const sde = makeSde({ kind });
    const sigmaEnd = sde.sigma(sde.tEnd);
    /** Exact samples of p at the last grid σ: data plus σ_end noise. */
    const truth = (seed: number) => {
      const z = gaussianNoise(seed, 1, 9, 2 * N);
      return sampleMixture(mixture, N, seed).map((v, k) => v + sigmaEnd * z[k]);
    };
    const references = Array.from({ length: SETS }, (_, s) => truth(100 + s));
    let floor = 0;
    const sw1 = (a: Float32Array, b: Float32Array) => slicedWasserstein1(a, N, b, N, 2);
    for (let s = 0; s < SETS; s++) floor += sw1(truth(10 + 2 * s), truth(11 + 2 * s)) / SETS;

    it.each(samplerIds)('%s matches the exact mean, covariance and sliced Wasserstein', async (id) => {
      const run = await runPlan(id, kind, 1, N, new MixtureDenoiser(mixture));
      const m = mean(run.x, N, 2);
      const c = covariance(run.x, N, 2);
      const se = momentStandardErrors(run.x, N, 2);
      for (let j = 0; j < 2; j++) expect(Math.abs(m[j] - exact.mean[j])).toBeLessThan(4.5 * se.mean[j]);
      for (const e of [0, 1, 3]) {
        const target = exact.cov[e] + (e === 1 ? 0 : sigmaEnd ** 2);
        expect(Math.abs(c[e] - target)).toBeLessThan(4.5 * se.cov[e]);
      }
      const sw = references.reduce((acc, r) => acc + sw1(run.x, r), 0) / SETS;
      expect(sw).toBeLessThan(1.5 * floor);
    });
  });
});

/**
 * 784-D N(μ, diag(c²)) with 28 widths c from 0.1 to 1, batch 32: per coordinate, the sample mean and
 * variance; across coordinates, the mean of squared mean z-scores (exactly 1 ± √(2/784) for a correct
 * law) and the mean variance ratio, overall and in four groups of widths (narrowest first), each
 * within 5 standard errors of 1.
 */
describe.each(kinds)('784-dimensional diagonal Gaussian on %s', (kind) => {
  const dim = 784;
  const batch = 32;
  const groups = 4;
  const mu = Array.from({ length: dim }, (_, k) => 0.5 * Math.sin(k));
  const std = Array.from({ length: dim }, (_, k) => 0.1 + (0.9 * (k % 28)) / 27);
  const groupOf = (k: number) => Math.floor(((k % 28) * groups) / 28);
  const sde = makeSde({ kind });
  const sigmaEnd = sde.sigma(sde.tEnd);

  /** Exact law: data plus σ_end noise, or for annealed Langevin the exact law of Alg. 1 on this Gaussian. */
  function target(id: string, params: Params = {}) {
    if (id !== 'annealed_langevin') return { mean: mu, variance: std.map((c) => c * c + sigmaEnd ** 2) };
    const sigmas = sigmaGrid(sde, 'logsnr', plans[id].steps);
    return annealedLangevinLaw(
      sde,
      sigmas,
      mu,
      std,
      Number(params.epsilon ?? 2e-5),
      Number(params.steps ?? 5),
    );
  }

  it.each(samplerIds)('%s matches the coordinate means and variances', async (id) => {
    const params = { ...plans[id].params, ...plans[id].highDim };
    // Step-keyed noise here: the law does not depend on where the unit normals come from, the
    // Brownian path's own laws are tested in 2D above and in brownian.test.ts, and at 25,088
    // elements a step the tree's walk would cost this file minutes of CPU.
    const run = await runPlan(id, kind, 2, batch, gaussianDenoiser(mu, std), params, 'step');
    const law = target(id, params);
    const sample = coordinateMoments(run.x, batch, dim);
    let meanZ2 = 0;
    const ratio = new Float64Array(groups);
    for (let k = 0; k < dim; k++) {
      meanZ2 += (sample.mean[k] - law.mean[k]) ** 2 / (law.variance[k] / batch) / dim;
      ratio[groupOf(k)] += sample.variance[k] / law.variance[k] / (dim / groups);
    }
    expect(Math.abs(meanZ2 - 1)).toBeLessThan(5 * Math.sqrt(2 / dim));
    const groupSe = Math.sqrt(2 / ((batch - 1) * (dim / groups)));
    for (const r of ratio) expect(Math.abs(r - 1)).toBeLessThan(5 * groupSe);
    const overall = ratio.reduce((a, r) => a + r, 0) / groups;
    expect(Math.abs(overall - 1)).toBeLessThan((5 * groupSe) / Math.sqrt(groups));
  });

  it('annealed Langevin at these settings is itself within 10% of the target variance', () => {
    const law = target('annealed_langevin');
    law.variance.forEach((v, k) => expect(Math.abs(v / (std[k] ** 2 + sigmaEnd ** 2) - 1)).toBeLessThan(0.1));
  });
});
