/**
 * `npm run encode -- --model M --in IN.json [--sampler ode_rk45|ode_heun] [--steps N] --out LAT.json`:
 * each input carried by the probability-flow ODE from t = ε up to T (core/encode.ts), written as a
 * latent of unit prior variance: `{model, sde, eps, shape, samples, nfe, sampler}`. `npm run sample
 * -- --model M --latents LAT.json --sampler ode_rk45` decodes it. RK45 runs at rtol = atol = 1e-5
 * unless `--param rtol=… --param atol=…` say otherwise; Heun takes the grid of `--steps` and
 * `--schedule`, which decoding with ode_heun should repeat.
 */
import { writeFileSync } from 'node:fs';
import { encode, type EncodeSolver } from '../core/encode';
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
  const inputs = readInputs(args.input, card, '--in');
  const count = inputs.length;
  const labels = resolveLabels(card, { ...args, n: count });
  const denoiser = await makeDenoiser(loaded, labels, args.guidance);
  const field = cpuField(count, denoiser.dim);
  const data = new Float32Array(count * denoiser.dim);
  inputs.forEach((x, k) => data.set(x, k * denoiser.dim));
  const { latent, nfe } = await encode(field, denoiser, data, sde, solver);
  const dim = denoiser.dim;
  const record = {
    model: card.id,
    sde: sde.kind,
    eps: makeSde(sde).tEnd,
    shape: [count, ...card.shape],
    samples: inputs.map((_, k) => Array.from(latent.subarray(k * dim, (k + 1) * dim), compact)),
    nfe,
    sampler: args.sampler,
    ...(labels ? { labels } : {}),
  };
  writeFileSync(args.out, JSON.stringify(record) + '\n');
  return { count, nfe, seconds: (performance.now() - started) / 1000 };
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
