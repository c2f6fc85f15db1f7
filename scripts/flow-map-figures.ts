/**
 * Figures of the 2D flow map (issue 13) on the exact mixtures: a grid of lines over the card's range
 * (9 + 9 lines of 33 points) encoded through the PF-ODE and decoded again, at the page's tolerance
 * (1e-4) and the CLI's (1e-5). For each it prints the largest round-trip error where the data lives
 * (p_ε > 1e-3), the largest elsewhere, how many points miss their place by more than 1e-2, the NFE,
 * and for ring8 how close points on the line x = 0 inside the ring come to z = 0.
 *
 *   npx tsx scripts/flow-map-figures.ts
 */
import { readFileSync } from 'node:fs';
import { parseCard } from '../src/core/card';
import { roundTrip } from '../src/core/encode';
import { cpuField } from '../src/core/field-cpu';
import { flowGrid } from '../src/core/flow-map';
import { MixtureDenoiser, mixtureFromAnalytic } from '../src/core/mixture';
import { makeSde } from '../src/core/sde';

const layout = { lines: 9, perLine: 33 };
const sde = makeSde({ kind: 'vp' });
console.log('model\ttol\tmax error (p > 1e-3)\tmax error (elsewhere)\toff by > 1e-2\tNFE encode + decode');
for (const id of ['ring8', 'grid25', 'anisotropic3']) {
  const card = parseCard(JSON.parse(readFileSync(`models/${id}.json`, 'utf8')), id);
  const mixture = new MixtureDenoiser(mixtureFromAnalytic(card.analytic!, id));
  const grid = flowGrid(card.range, layout);
  const n = grid.length / 2;
  const logp = mixture.logDensity(grid, sde.sigma(sde.tEnd), n);
  for (const tol of [1e-4, 1e-5]) {
    const trip = await roundTrip({ field: cpuField(n, 2), denoiser: mixture }, grid, {
      sde: { kind: 'vp' },
      encoder: { method: 'ode_rk45', rtol: tol, atol: tol },
      decoder: { samplerId: 'ode_rk45', steps: 10, schedule: 'uniform', params: { rtol: tol, atol: tol } },
    });
    let [dense, empty, off] = [0, 0, 0];
    for (let k = 0; k < n; k++) {
      const error = Math.hypot(trip.decoded[2 * k] - grid[2 * k], trip.decoded[2 * k + 1] - grid[2 * k + 1]);
      if (logp[k] > Math.log(1e-3)) dense = Math.max(dense, error);
      else empty = Math.max(empty, error);
      if (error > 1e-2) off += 1;
    }
    console.log(
      `${id}\t${tol}\t${dense.toExponential(2)}\t${empty.toFixed(3)}\t${off} of ${n}\t${trip.nfeEncode} + ${trip.nfeDecode}`,
    );
    if (id !== 'ring8') continue;
    const near = [0.1875, 0.375, 0.75, 1.125].map((y) => {
      const k = [...Array(n).keys()].find((j) => grid[2 * j] === 0 && grid[2 * j + 1] === y)!;
      return `(0, ${y}) → |z| ${Math.hypot(trip.latent[2 * k], trip.latent[2 * k + 1]).toExponential(1)}`;
    });
    console.log(`  ${near.join(', ')}`);
  }
}
