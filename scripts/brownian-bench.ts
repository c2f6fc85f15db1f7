/**
 * Per-step cost of the Brownian tree's normals on the CPU for a batch of 16 MNIST images
 * (12,544 elements), without and with the node cache (brownian.ts nodeNormalsCache), measured side
 * by side in alternating rounds so that load from other processes hits both alike. A benchmark,
 * not a test: it prints, and checks only that both give the same bits.
 * Run: npx tsx scripts/brownian-bench.ts [steps=100] [rounds=5]
 */
import {
  brownianNormals,
  brownianPlan,
  clockIndex,
  nodeNormalsCache,
  type NodeNormals,
} from '../src/core/brownian';
import { sigmaGrid } from '../src/core/grids';
import { brownianNodeNoise } from '../src/core/rng';
import { makeSde } from '../src/core/sde';

const COUNT = 16 * 784;
const steps = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 5);
const sigmas = sigmaGrid(makeSde({ kind: 'vp' }), 'uniform', steps);
const plans = sigmas.slice(1).map((next, i) => brownianPlan(clockIndex(next), clockIndex(sigmas[i])));

/** One pass over the grid, as a run does it; returns ms per step and the last step's normals. */
function pass(seed: number, nodes: NodeNormals): { ms: number; last: Float32Array } {
  const start = performance.now();
  let last = new Float32Array(0);
  for (const plan of plans) last = brownianNormals(seed, plan, COUNT, nodes);
  return { ms: (performance.now() - start) / plans.length, last };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const plain: number[] = [];
const cached: number[] = [];
for (let r = 0; r < rounds; r++) {
  // A fresh seed and a fresh cache per round: nothing carries over between rounds.
  const seed = 1000 + r;
  const a = pass(seed, brownianNodeNoise);
  const b = pass(seed, nodeNormalsCache());
  if (a.last.some((v, k) => !Object.is(v, b.last[k]))) throw new Error('the cache changed the numbers');
  plain.push(a.ms);
  cached.push(b.ms);
  console.log(
    `round ${r + 1}: ${a.ms.toFixed(2)} ms/step plain, ${b.ms.toFixed(2)} ms/step cached, ratio ${(b.ms / a.ms).toFixed(2)}`,
  );
}
const [p, c] = [median(plain), median(cached)];
console.log(
  `${COUNT} elements, VP uniform ${steps} steps, median of ${rounds}: plain ${p.toFixed(2)} ms/step, ` +
    `cached ${c.toFixed(2)} ms/step, cached/plain ${(c / p).toFixed(2)}`,
);
