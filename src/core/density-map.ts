/**
 * Log-density maps of a 2D model on a grid (issue 13, Likelihood): log p_ε(x) at the centre of each
 * cell of a cells × cells grid over [lo, hi]², row 0 at the top (y = hi), as the 2D view lays out
 * its heat maps (`marginalDensityGrid`, forward.ts).
 *
 * - `odeLogDensityMap`: by the probability-flow ODE and the instantaneous change of variables
 *   (Song et al. 2021, eq. 39; likelihood.ts), every grid point one sample of one solve: the exact
 *   divergence of a mixture, or Hutchinson–Skilling probes (finite-difference JVPs) for a network.
 * - `exactLogDensityMap`: the closed form of a Gaussian mixture at the same noise level,
 *   log p_ε(x) = log p̃_σmin(x/s) − d·ln s with p̃_σ = Σ π_k N(μ_k, Σ_k + σ²I), σmin = σ(ε).
 *
 * The ODE map is the model's own density at t = ε, so on an exact mixture it must match the closed
 * form up to the solver's tolerance (and the prior's mismatch at σmax): test/core/density-map.test.ts.
 */
import type { FieldAndDenoiser } from './encode';
import { cpuField } from './field-cpu';
import { marginalLogDensity } from './forward';
import type { DivergenceMethod } from './hutchinson';
import { exactDivergence, logLikelihood, probeDivergence, type ProbeOptions } from './likelihood';
import { MixtureDenoiser } from './mixture';
import type { FlowSolver } from './pf-ode';
import { makeSde } from './sde';
import type { Denoiser, SdeConfig } from './types';

/** The cell centres of the map, cells² points × 2 (x, y), row 0 at the top. */
export function mapPoints(bounds: readonly [number, number], cells: number): Float32Array {
  const [lo, hi] = bounds;
  const step = (hi - lo) / cells;
  const points = new Float32Array(cells * cells * 2);
  for (let r = 0; r < cells; r++) {
    for (let c = 0; c < cells; c++) {
      points[2 * (r * cells + c)] = lo + (c + 0.5) * step;
      points[2 * (r * cells + c) + 1] = hi - (r + 0.5) * step;
    }
  }
  return points;
}

export interface DensityMap {
  bounds: [number, number];
  cells: number;
  /** log p_ε at each cell centre (nats), cells², row 0 at the top. */
  logp: Float64Array;
  /** Standard error over the probes per cell (0 for an exact divergence). */
  stdErr: Float64Array;
  /** Network evaluations of the solve (0 for the closed form). */
  nfe: number;
  /** Whether the divergence was exact (a mixture) rather than estimated by probes. */
  exact: boolean;
}

export interface OdeMapOptions {
  sde: SdeConfig;
  /**
   * The exact mixture behind `denoiser` when it is wrapped (e.g. to count calls): its divergence is
   * then exact. A bare MixtureDenoiser is recognised without it.
   */
  mixture?: MixtureDenoiser;
  solver?: FlowSolver;
  /** Probes for a network's divergence (ignored for an exact mixture). */
  probes?: ProbeOptions;
}

function checkGrid(denoiser: { dim: number }, cells: number): void {
  if (denoiser.dim !== 2) throw new Error(`A log-density map needs a 2D model, not ${denoiser.dim}D.`);
  if (!Number.isInteger(cells) || cells < 2 || cells > 128) {
    throw new Error(`A map of ${cells} cells per side cannot be made: choose 2 to 128.`);
  }
}

/** log p_ε on the grid by the PF-ODE on the CPU: one solve with every cell centre a sample. */
export async function odeLogDensityMap(
  denoiser: Denoiser,
  bounds: readonly [number, number],
  cells: number,
  options: OdeMapOptions,
): Promise<DensityMap> {
  checkGrid(denoiser, cells);
  const n = cells * cells;
  const field = cpuField(n, 2);
  const mixture = options.mixture ?? (denoiser instanceof MixtureDenoiser ? denoiser : null);
  const exact = mixture ? exactDivergence(mixture, n) : undefined;
  return odeLogDensityMapOn({ field, denoiser }, bounds, cells, { ...options, exact });
}

/**
 * The same on any field of batch cells² (CPU arrays or GPU buffers), with Hutchinson probes unless
 * `exact` gives the divergence in closed form (an exact mixture). The field is collected after every step of the solve: it must hold no run.
 */
export async function odeLogDensityMapOn<V>(
  on: FieldAndDenoiser<V>,
  bounds: readonly [number, number],
  cells: number,
  options: Omit<OdeMapOptions, 'mixture'> & { exact?: DivergenceMethod<V> },
): Promise<DensityMap> {
  const { field, denoiser } = on;
  checkGrid(denoiser, cells);
  if (field.batch !== cells * cells) {
    throw new Error(
      `A map of ${cells}² cells needs a field of ${cells * cells} samples, not ${field.batch}.`,
    );
  }
  const divergence =
    options.exact ??
    probeDivergence(field, denoiser, options.probes ?? { kind: 'rademacher', count: 1, seed: 0 });
  const x = field.upload(mapPoints(bounds, cells));
  const result = await logLikelihood(field, denoiser, x, divergence, {
    sde: options.sde,
    solver: options.solver,
    retain: () => [x],
  });
  return {
    bounds: [bounds[0], bounds[1]],
    cells,
    logp: result.logp,
    stdErr: result.stdErr,
    nfe: result.nfe,
    exact: options.exact !== undefined,
  };
}

/** log p_ε on the grid in closed form for an exact mixture, at σ(ε) of `sde`. */
export function exactLogDensityMap(
  mixture: MixtureDenoiser,
  bounds: readonly [number, number],
  cells: number,
  sdeConfig: SdeConfig,
): DensityMap {
  checkGrid(mixture, cells);
  const sde = makeSde(sdeConfig);
  const logp = marginalLogDensity(
    mixture,
    sde.sigma(sde.tEnd),
    sde.scale(sde.tEnd),
    mapPoints(bounds, cells),
    cells * cells,
  );
  return {
    bounds: [bounds[0], bounds[1]],
    cells,
    logp,
    stdErr: new Float64Array(logp.length),
    nfe: 0,
    exact: true,
  };
}
