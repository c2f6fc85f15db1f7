/**
 * Sliced-W1 table of every sampler on the ring of eight Gaussians (exact denoiser):
 * sliced W1 to exact samples divided by the floor (exact vs exact at the same N), and NFE, for
 * VP and VE at 50, 200 and 1000 uniform-in-t steps, all at default params (plus pc with per-sample
 * norms). Run: npx tsx scripts/sw-table.ts [N]
 */
import { readFileSync } from 'node:fs';
import {
  MixtureDenoiser,
  mixtureFromAnalytic,
  sampleMixture,
  type AnalyticMixture,
} from '../src/core/mixture';
import { gaussianNoise } from '../src/core/rng';
import { samplers } from '../src/core/samplers/registry';
import { makeSde } from '../src/core/sde';
import type { Params, Sampler, SdeKind } from '../src/core/types';
import { slicedWasserstein1 } from '../src/core/stats';
import { runTrajectory } from '../test/core/samplers-support';

const n = Number(process.argv[2] ?? 2000);
const stepCounts = [50, 200, 1000];
const kinds: SdeKind[] = ['vp', 've'];
const card = JSON.parse(readFileSync('models/ring8.json', 'utf8')) as { analytic: AnalyticMixture };
const mixture = mixtureFromAnalytic(card.analytic, 'ring8');

/** Exact sets averaged for the floor (pairs) and for each sampler's distance (references). */
const sets = 6;
const sw1 = (a: Float32Array, b: Float32Array) => slicedWasserstein1(a, n, b, n, 2);

/** Rows: every sampler at its defaults, plus pc with per-sample corrector norms (biased in 2D). */
const rows: { label: string; sampler: Sampler; params: Params }[] = [
  ...samplers.map((sampler) => ({ label: sampler.id, sampler, params: {} })),
  {
    label: 'pc (stepNorm=sample)',
    sampler: samplers.find((s) => s.id === 'pc') as Sampler,
    params: { stepNorm: 'sample' },
  },
];

async function main(): Promise<void> {
  const header = kinds.flatMap((k) => stepCounts.map((s) => `${k.toUpperCase()} ${s}`));
  const lines = [`| sampler | ${header.join(' | ')} |`, `|---|${header.map(() => '---:').join('|')}|`];
  const cells = new Map<string, string[]>(rows.map((r) => [r.label, []]));
  for (const kind of kinds) {
    const sde = makeSde({ kind });
    const sigmaEnd = sde.sigma(sde.tEnd);
    const truth = (seed: number) => {
      const z = gaussianNoise(seed, 1, 9, 2 * n);
      return sampleMixture(mixture, n, seed).map((v, k) => v + sigmaEnd * z[k]);
    };
    let floor = 0;
    for (let s = 0; s < sets; s++) floor += sw1(truth(10 + 2 * s), truth(11 + 2 * s)) / sets;
    const references = Array.from({ length: sets }, (_, s) => truth(100 + s));
    for (const row of rows) {
      for (const steps of stepCounts) {
        const run = await runTrajectory(row.sampler.id, {
          sde: { kind },
          schedule: 'uniform',
          steps,
          seed: 1,
          batch: n,
          denoiser: new MixtureDenoiser(mixture),
          params: row.params,
        });
        const distance = references.reduce((acc, r) => acc + sw1(run.x, r), 0) / sets;
        const ratio = distance / floor;
        cells.get(row.label)?.push(`${ratio.toFixed(2)} (${run.nfe})`);
        process.stderr.write(`${kind} ${row.label} ${steps}: ${ratio.toFixed(2)} / ${run.nfe} NFE\n`);
      }
    }
  }
  for (const row of rows) lines.push(`| ${row.label} | ${(cells.get(row.label) ?? []).join(' | ')} |`);
  console.log(
    `Ring of 8 Gaussians, N = ${n}, uniform-in-t grid: sliced W1 / floor (NFE); sliced W1 = mean over ${sets} exact ` +
      `reference sets, floor = exact vs exact, mean of ${sets} pairs.\n`,
  );
  console.log(lines.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
