/**
 * Compare mode's cost on the CPU: ms per tick of a 2-pane and a 4-pane comparison against one pane,
 * MNIST at batch 16 through onnxruntime-node (the CLI's loader), all panes on one grid so that
 * every tick is one network call. The figure of merit is the per-sample cost ratio,
 * (ms per tick of K panes / K) / (ms per step of one pane), goal ≤ 1.2. Configurations run in
 * one process tick by tick in rotating order, so load from other processes hits them alike;
 * medians are printed side by side, with the network alone at the same batch sizes for reference.
 * A benchmark, not a test: it prints and never fails.
 * Run: npx tsx scripts/compare-bench.ts [rounds=5] [ticks=12]
 */
import { cpuPanes, type PaneSpec } from '../src/core/pane-batch';
import { createCheckedSession, loadCard, sessionNetwork } from '../src/cli/load-model';
import { gaussianNoise } from '../src/core/rng';

const rounds = Number(process.argv[2] ?? 5);
const ticks = Number(process.argv[3] ?? 12);
const BATCH = 16;
const loaded = loadCard('mnist');
const { card } = loaded;
const dim = card.shape.reduce((a, b) => a * b, 1);
const network = sessionNetwork(await createCheckedSession(loaded), card);

/** Samplers of one network evaluation per step, on one grid: each tick is one batched call. */
const samplerIds = ['euler_maruyama', 'ddim', 'dpmpp_2m', 'reverse_diffusion'];
const pane = (samplerId: string): PaneSpec => ({ samplerId, steps: 200, sde: card.sde, schedule: 'uniform' });
const counts = [1, 2, 4];

/** A fresh comparison of `panes` panes, warmed by two ticks (the first runs allocate). */
async function comparison(panes: number) {
  const batch = cpuPanes(
    { panes: samplerIds.slice(0, panes).map(pane), seed: 7, batch: BATCH, snapshotBudgetBytes: 1 << 22 },
    { network, card, classLabels: 3 },
  );
  for (let k = 0; k < 2; k++) await batch.tick();
  return batch;
}

const x = gaussianNoise(1, 0, 0, 4 * BATCH * dim);
/** One network call at `samples` samples, no sampler around it. */
const callNetwork = (samples: number) =>
  network(
    x.subarray(0, samples * dim),
    new Float32Array(samples).fill(0.5),
    new BigInt64Array(samples).fill(3n),
    samples,
  );

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const tick = new Map<number, number[]>(counts.map((k) => [k, []]));
const net = new Map<number, number[]>(counts.map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  const batches = await Promise.all(counts.map(comparison));
  // Every configuration's k-th tick runs next to the others', in rotating order.
  for (let k = 0; k < ticks; k++) {
    for (let j = 0; j < counts.length; j++) {
      const c = (j + k + r) % counts.length;
      const before = batches[c].networkCalls;
      tick.get(counts[c])?.push(await timed(() => batches[c].tick()));
      if (batches[c].networkCalls !== before + 1) throw new Error('a tick made more than one call');
      net.get(counts[c])?.push(await timed(() => callNetwork(counts[c] * BATCH)));
    }
  }
  const line = counts.map((c) => `${c} pane(s) ${median(tick.get(c) ?? []).toFixed(1)} ms`).join(', ');
  console.log(`after round ${r + 1}, medians so far: ${line}`);
}

const one = median(tick.get(1) ?? []);
const netOne = median(net.get(1) ?? []);
console.log(
  `\nMNIST, batch ${BATCH} per pane, onnxruntime-node (2 threads), medians of ${rounds * ticks} ticks each`,
);
console.log(
  '| panes | ms per tick | ms per pane | per-sample cost vs 1 pane | network alone, ms | its ratio |',
);
console.log('|---:|---:|---:|---:|---:|---:|');
for (const k of counts) {
  const ms = median(tick.get(k) ?? []);
  const netMs = median(net.get(k) ?? []);
  console.log(
    `| ${k} | ${ms.toFixed(1)} | ${(ms / k).toFixed(1)} | ${(ms / k / one).toFixed(2)} | ${netMs.toFixed(1)} | ${(netMs / k / netOne).toFixed(2)} |`,
  );
}
