/**
 * `npm run encode -- --model M --in IN.json [--sampler ode_rk45|ode_heun] [--steps N] --out LAT.json`:
 * each input carried by the probability-flow ODE from t = ε up to T (core/encode.ts), written as a
 * latent of unit prior variance: `{model, sde, eps, shape, samples, nfe, sampler}`. `npm run sample
 * -- --model M --latents LAT.json --sampler ode_rk45` decodes it. RK45 runs at rtol = atol = 1e-5
 * unless `--param rtol=… --param atol=…` say otherwise; Heun takes the grid of `--steps` and
 * `--schedule`, which decoding with ode_heun should repeat.
 *
 * - `--slerp F`: the samples are F latents along the slerp from the first input's latent to the
 *   second's (`slerp: {frames, from: 0, to: 1}` in the record); decoding them is the interpolation.
 * - `--grid N` (2D models): the inputs are the flow map's grid (core/flow-map.ts), N vertical then N
 *   horizontal lines of 4(N − 1) + 1 points over the card's range (`grid: {lines, perLine, bounds}`
 *   and `points`, the grid itself, in the record); decoding returns the grid.
 */
import { writeFileSync } from 'node:fs';
import { encode, slerp, type EncodeSolver } from '../core/encode';
import { flowGrid } from '../core/flow-map';
import { cpuField } from '../core/field-cpu';
import { makeSde } from '../core/sde';
import { ENCODE_USAGE, parseEncodeArgs, UsageError, type EncodeArgs } from './args';
import { runIfMain, type Command } from './command';
import { readInputs } from './inputs';
import { loadCard, makeDenoiser, manifestIds } from './load-model';
import { resolveLabels, resolveParams, resolveSampler, resolveSde } from './resolve';

/** Tolerance of encodings (and likelihoods) unless --param says otherwise, as score_sde's solver. */
export const TIGHT_TOLERANCE = 1e-5;

/** Rounds to 7 significant digits: float32 latents survive the JSON round trip. */
const compact = (v: number) => Number(v.toPrecision(7));

/** The RK45 tolerances: --param rtol/atol checked against the sampler's ranges, tight by default. */
export function tolerances(params: EncodeArgs['params']): { rtol: number; atol: number } {
  const checked = resolveParams(resolveSampler('ode_rk45'), params);
  const pick = (name: string) => (name in params ? (checked[name] as number) : TIGHT_TOLERANCE);
  return { rtol: pick('rtol'), atol: pick('atol') };
}

function solverOf(args: EncodeArgs): EncodeSolver {
  if (args.sampler === 'ode_rk45') return { method: 'ode_rk45', ...tolerances(args.params) };
  if (Object.keys(args.params).length > 0) {
    throw new UsageError(
      `--param: ode_heun has no parameters; its accuracy is set by --steps and --schedule`,
    );
  }
  return { method: 'ode_heun', steps: args.steps, schedule: args.schedule };
}

export async function encodeFile(args: EncodeArgs): Promise<{ count: number; nfe: number; seconds: number }> {
  const started = performance.now();
  const loaded = loadCard(args.model);
  const { card } = loaded;
  const sde = resolveSde(card, args);
  const solver = solverOf(args);
  const layout = args.grid === null ? null : { lines: args.grid, perLine: 4 * (args.grid - 1) + 1 };
  let inputs: Float32Array[];
  if (layout === null) inputs = readInputs(args.input, card, '--in');
  else if (card.task !== 'points') {
    throw new UsageError(`--grid makes a 2D flow map, and "${card.id}" is an image model: use --in instead.`);
  } else {
    const grid = flowGrid(card.range, layout);
    inputs = Array.from({ length: grid.length / 2 }, (_, k) => grid.slice(2 * k, 2 * k + 2));
  }
  const count = inputs.length;
  if (args.slerp !== null && count < 2) {
    throw new UsageError(
      `--slerp interpolates between the first two inputs, and ${args.input} has ${count}.`,
    );
  }
  const labels = resolveLabels(card, { ...args, n: count });
  if (args.slerp !== null && labels && labels[0] !== labels[1]) {
    throw new UsageError('--slerp between inputs of two classes: give one --class, or none.');
  }
  const denoiser = await makeDenoiser(loaded, labels, args.guidance);
  const field = cpuField(count, denoiser.dim);
  const data = new Float32Array(count * denoiser.dim);
  inputs.forEach((x, k) => data.set(x, k * denoiser.dim));
  const { latent, nfe } = await encode(field, denoiser, data, sde, solver);
  const dim = denoiser.dim;
  let samples = inputs.map((_, k) => latent.subarray(k * dim, (k + 1) * dim));
  if (args.slerp !== null) samples = slerp(samples[0], samples[1], args.slerp);
  const record = {
    model: card.id,
    sde: sde.kind,
    eps: makeSde(sde).tEnd,
    shape: [samples.length, ...card.shape],
    samples: samples.map((z) => Array.from(z, compact)),
    nfe,
    sampler: args.sampler,
    ...(labels ? { labels: args.slerp === null ? labels : samples.map(() => labels[0]) } : {}),
    ...(args.slerp !== null ? { slerp: { frames: args.slerp, from: 0, to: 1 } } : {}),
    ...(layout !== null
      ? { grid: { ...layout, bounds: card.range }, points: inputs.map((p) => Array.from(p, compact)) }
      : {}),
  };
  writeFileSync(args.out, JSON.stringify(record) + '\n');
  return { count: samples.length, nfe, seconds: (performance.now() - started) / 1000 };
}

export const encodeCommand: Command<EncodeArgs> = {
  parse: parseEncodeArgs,
  help: () => `${ENCODE_USAGE}\nmodels: ${manifestIds().join(', ')}`,
  async run(args) {
    const { count, nfe, seconds } = await encodeFile(args);
    return `wrote ${args.out}: ${count} latents, ${nfe} NFE, ${seconds.toFixed(1)} s`;
  },
};

await runIfMain(import.meta.url, encodeCommand);
