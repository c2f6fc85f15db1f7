/**
 * The point of the Brownian tree: one seed is one Brownian path whatever the step count, so
 * Euler–Maruyama runs on finer grids converge to one sample path (strong convergence), at the
 * scheme's strong order (1 for the reverse SDE's additive noise, in x̃ = x₀ + W(σ²) coordinates).
 * With step-keyed noise the endpoints of different grids are unrelated draws.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCard } from '../../src/core/card';
import { CpuRunner, type NoiseKeying } from '../../src/core/cpu-runner';
import { denoiserForCard } from '../../src/core/denoiser';
import { convergenceSlope } from './samplers-support';

const card = parseCard(JSON.parse(readFileSync('models/ring8.json', 'utf8')), 'models/ring8.json');
const denoiser = denoiserForCard(card);
const BATCH = 200;

async function endpoint(
  steps: number,
  noise: NoiseKeying,
  samplerId = 'euler_maruyama',
): Promise<Float32Array> {
  const runner = new CpuRunner({
    denoiser,
    sde: { kind: 've' },
    schedule: 'uniform',
    steps,
    samplerId,
    seed: 20,
    batch: BATCH,
    noise,
  });
  while (!runner.done) await runner.step();
  return runner.loop.xTilde;
}

function medianDistance(a: Float32Array, b: Float32Array): number {
  const d: number[] = [];
  for (let k = 0; k < BATCH; k++) d.push(Math.hypot(a[2 * k] - b[2 * k], a[2 * k + 1] - b[2 * k + 1]));
  d.sort((x, y) => x - y);
  return (d[BATCH / 2 - 1] + d[BATCH / 2]) / 2;
}

describe('Euler–Maruyama on one Brownian path', () => {
  it('converges strongly, at order about 1, to the 6400-step path of the same seed', async () => {
    const reference = await endpoint(6400, 'brownian');
    const grid = [50, 200, 800];
    const errors: number[] = [];
    for (const steps of grid) errors.push(medianDistance(await endpoint(steps, 'brownian'), reference));
    const order = -convergenceSlope(grid, errors);
    console.log(
      `strong convergence: median |x_N − x_6400| = ${errors.map((e) => e.toFixed(4)).join(', ')} at N = ${grid.join(', ')}; fitted order ${order.toFixed(2)}`,
    );
    expect(errors[0]).toBeGreaterThan(errors[1]);
    expect(errors[1]).toBeGreaterThan(errors[2]);
    expect(order).toBeGreaterThan(0.7);
    expect(order).toBeLessThan(1.4);
  });

  it('with step-keyed noise the grids do not converge to one path', async () => {
    const reference = await endpoint(6400, 'step');
    const errors: number[] = [];
    for (const steps of [200, 800]) errors.push(medianDistance(await endpoint(steps, 'step'), reference));
    // Unrelated draws from the ring: distances of the order of the ring's size, not shrinking.
    expect(Math.min(...errors)).toBeGreaterThan(0.5);
  });
});
