/**
 * `npm run likelihood -- --model M --in IN.json [--probes K] [--seed S] --out OUT.json`: log p of
 * each input through the probability-flow ODE (core/likelihood.ts), written as
 * `{model, sde, nfe, probes, probe, divergence, nll_nats, nll_stderr, bpd?, bpd_stderr?}`.
 *
 * - nll_nats: −log p_ε(x) of each input (native coordinates at t = ε); for 2D models, of each point.
 * - bpd (images only): bits/dim on the 8-bit scale after uniform dequantisation keyed by --seed.
 * - Divergence: exact for analytic mixtures (probes 0); otherwise Hutchinson–Skilling with K fixed
 *   probes (--probe rademacher|gaussian), or 'basis' (finite differences per dimension, for 2D).
 *   The *_stderr fields are the standard error over probes (0 with one probe or exact).
 * - nfe: network evaluations of one ODE solve (each evaluates a whole batch of up to 16 inputs),
 *   averaged over the batches: (1 + 2K) per function evaluation of the RK45 solver.
 *
 * `--grid N` (2D models) writes a log-density map instead (core/density-map.ts):
 * `{model, sde, grid, bounds, nfe, divergence, probes, rtol, logp, logp_exact?, max_abs_gap?}`,
 * logp row-major over N × N cell centres of the card's range, row 0 at the top (y = hi); for an
 * exact mixture also the closed-form log p at σ(ε) and the largest gap to it.
 */
import { writeFileSync } from 'node:fs';
import { denoiserForCard } from '../core/denoiser';
import { cpuField } from '../core/field-cpu';
import type { ProbeKind } from '../core/hutchinson';
import { bitsPerDim, dequantize, exactDivergence, logLikelihood, probeDivergence } from '../core/likelihood';
import { MixtureDenoiser } from '../core/mixture';
import { exactLogDensityMap, odeLogDensityMap } from '../core/density-map';
import type { Denoiser } from '../core/types';
import { LIKELIHOOD_USAGE, parseLikelihoodArgs, type LikelihoodArgs } from './args';
import { runIfMain, type Command } from './command';
import { tolerances } from './encode';
import { readInputs } from './inputs';
import { createCheckedSession, loadCard, manifestIds, sessionNetwork } from './load-model';
import { resolveLabels, resolveSde } from './resolve';

/** Inputs per ODE solve: the adaptive solver's steps follow the hardest input of a batch. */
export const LIKELIHOOD_BATCH = 16;

export interface LikelihoodRecord {
  model: string;
  sde: string;
  nfe: number;
  probes: number;
  probe: ProbeKind | 'exact';
  divergence: 'exact' | 'hutchinson';
  seed: number;
  rtol: number;
  nll_nats: number[];
  nll_stderr: number[];
  bpd?: number[];
  bpd_stderr?: number[];
}

const round = (v: number) => Number(v.toPrecision(8));

/** Every input dequantised, the uniform noise keyed by (seed, element of the inputs laid end to end). */
function dequantizeAll(inputs: Float32Array[], range: [number, number], seed: number): Float32Array[] {
  const dim = inputs[0].length;
  const all = new Float32Array(inputs.length * dim);
  inputs.forEach((x, k) => all.set(x, k * dim));
  const noisy = dequantize(all, range, seed);
  return inputs.map((_, k) => noisy.subarray(k * dim, (k + 1) * dim));
}

export async function likelihoodFile(args: LikelihoodArgs): Promise<LikelihoodRecord> {
  const loaded = loadCard(args.model);
  const { card } = loaded;
  const sde = resolveSde(card, args);
  const tol = tolerances(args.params);
  const inputs = readInputs(args.input, card, '--in');
  const labels = resolveLabels(card, { ...args, n: inputs.length });
  const image = card.task === 'image';
  const data = image ? dequantizeAll(inputs, card.range, args.seed) : inputs;
  const session = card.analytic ? null : await createCheckedSession(loaded);
  const dim = data[0].length;
  const nll: number[] = [];
  const stderr: number[] = [];
  let nfeTotal = 0;
  let batches = 0;
  for (let first = 0; first < data.length; first += LIKELIHOOD_BATCH) {
    const chunk = data.slice(first, first + LIKELIHOOD_BATCH);
    const batch = chunk.length;
    const field = cpuField(batch, dim);
    const chunkLabels = labels?.slice(first, first + batch);
    const denoiser: Denoiser = session
      ? denoiserForCard(
          card,
          sessionNetwork(session, card),
          chunkLabels ? { classLabels: chunkLabels, guidance: args.guidance } : {},
        )
      : denoiserForCard(card);
    const divergence =
      denoiser instanceof MixtureDenoiser
        ? exactDivergence(denoiser, batch)
        : probeDivergence(field, denoiser, { kind: args.probe, count: args.probes, seed: args.seed });
    const x = new Float32Array(batch * dim);
    chunk.forEach((v, k) => x.set(v, k * dim));
    const result = await logLikelihood(field, denoiser, x, divergence, {
      sde,
      solver: { method: 'rk45', ...tol },
    });
    result.logp.forEach((l, b) => {
      nll.push(-l);
      stderr.push(result.stdErr[b]);
    });
    nfeTotal += result.nfe;
    batches += 1;
    if (args.progress) process.stderr.write(`${nll.length}/${data.length} scored, ${result.nfe} NFE\n`);
  }
  const exact = card.analytic !== undefined;
  const record: LikelihoodRecord = {
    model: card.id,
    sde: sde.kind,
    nfe: Math.round(nfeTotal / batches),
    probes: exact ? 0 : args.probe === 'basis' ? dim : args.probes,
    probe: exact ? 'exact' : args.probe,
    divergence: exact ? 'exact' : 'hutchinson',
    seed: args.seed,
    rtol: tol.rtol,
    nll_nats: nll.map(round),
    nll_stderr: stderr.map(round),
  };
  if (image) {
    record.bpd = nll.map((n) => round(bitsPerDim(-n, dim, card.range)));
    record.bpd_stderr = stderr.map((s) => round(s / (dim * Math.LN2)));
  }
  return record;
}

export interface LikelihoodMapRecord {
  model: string;
  sde: string;
  grid: number;
  bounds: [number, number];
  nfe: number;
  divergence: 'exact' | 'hutchinson';
  probes: number;
  rtol: number;
  logp: number[];
  logp_exact?: number[];
  max_abs_gap?: number;
}

/** `--grid N`: log p_ε on an N × N grid over a 2D model's range by the PF-ODE (and exactly). */
export async function likelihoodMapFile(
  args: LikelihoodArgs & { grid: number },
): Promise<LikelihoodMapRecord> {
  const loaded = loadCard(args.model);
  const { card } = loaded;
  if (card.task !== 'points') {
    throw new Error(
      `--grid makes a 2D log-density map, and "${card.id}" is an image model: use --in instead.`,
    );
  }
  const sde = resolveSde(card, args);
  const tol = tolerances(args.params);
  const session = card.analytic ? null : await createCheckedSession(loaded);
  const denoiser: Denoiser = session
    ? denoiserForCard(card, sessionNetwork(session, card))
    : denoiserForCard(card);
  const map = await odeLogDensityMap(denoiser, card.range, args.grid, {
    sde,
    solver: { method: 'rk45', ...tol },
    probes: { kind: args.probe, count: args.probes, seed: args.seed },
  });
  const record: LikelihoodMapRecord = {
    model: card.id,
    sde: sde.kind,
    grid: args.grid,
    bounds: map.bounds,
    nfe: map.nfe,
    divergence: map.exact ? 'exact' : 'hutchinson',
    probes: map.exact ? 0 : args.probe === 'basis' ? 2 : args.probes,
    rtol: tol.rtol,
    logp: Array.from(map.logp, round),
  };
  if (denoiser instanceof MixtureDenoiser) {
    const exact = exactLogDensityMap(denoiser, card.range, args.grid, sde);
    record.logp_exact = Array.from(exact.logp, round);
    record.max_abs_gap = round(Math.max(...map.logp.map((v, k) => Math.abs(v - exact.logp[k]))));
  }
  return record;
}

export const likelihoodCommand: Command<LikelihoodArgs> = {
  parse: parseLikelihoodArgs,
  help: () => `${LIKELIHOOD_USAGE}\nmodels: ${manifestIds().join(', ')}`,
  async run(args) {
    if (args.grid !== null) {
      const map = await likelihoodMapFile({ ...args, grid: args.grid });
      writeFileSync(args.out, JSON.stringify(map) + '\n');
      const gap =
        map.max_abs_gap === undefined ? '' : `, largest gap to the exact map ${map.max_abs_gap} nats`;
      return `wrote ${args.out}: ${map.grid} × ${map.grid} log-density map, ${map.nfe} NFE${gap}`;
    }
    const record = await likelihoodFile(args);
    writeFileSync(args.out, JSON.stringify(record) + '\n');
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const summary = record.bpd
      ? `mean ${mean(record.bpd).toFixed(3)} bits/dim`
      : `mean −log p ${mean(record.nll_nats).toFixed(3)} nats`;
    return `wrote ${args.out}: ${record.nll_nats.length} inputs, ${summary}, ${record.nfe} NFE per solve`;
  },
};

await runIfMain(import.meta.url, likelihoodCommand);
