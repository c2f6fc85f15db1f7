/**
 * `npm run sample -- --model <id|card.json> --sampler <id> --out FILE.png|FILE.json [...]`: the
 * page's core (card, denoiser, CPU runner, sampler registry) in Node, with onnxruntime-node for
 * networks. Usage mistakes print one line and exit 2; other failures print one line and exit 1.
 *
 * Where a run starts: the prior (default); `--init` data noised to t₀ (`--t0`, SDEdit); `--init`
 * with `--mask`, inpainting by replacement (from the prior, or from t₀ with `--t0`); `--latents`
 * from `npm run encode`, decoded with the (ODE) sampler. With `--init` and `--latents` there is one
 * output per input, in input order.
 */
import { writeFileSync } from 'node:fs';
import { CpuRunner } from '../core/cpu-runner';
import { latentStart } from '../core/encode';
import { noisedStart } from '../core/inpaint';
import { samplerIds } from '../core/samplers/registry';
import type { SamplingLoop } from '../core/sampling-loop';
import { makeSde } from '../core/sde';
import type { Sampler, SdeConfig } from '../core/types';
import { parseSampleArgs, USAGE, UsageError, type SampleArgs } from './args';
import { runIfMain, warn, type Command } from './command';
import { readInputs, readLatents, readMasks } from './inputs';
import { loadCard, makeDenoiser, manifestIds, type LoadedCard } from './load-model';
import { jsonRecord, pngBytes, splitSamples } from './output';
import { resolveLabels, resolveParams, resolveSampler, resolveSde } from './resolve';

/** Snapshots are for rewinding in the page; the CLI keeps only a few. */
const CLI_SNAPSHOT_BUDGET = 4 * 1024 * 1024;

export interface SampleOutcome {
  nfe: number;
  bytes: number;
  seconds: number;
  /** Samples written. */
  count: number;
}

/** Where the run starts, read from --init/--mask/--latents (null: the prior). */
type Start =
  | { kind: 'data'; inputs: Float32Array[]; masks: Float32Array[] | null; t0?: number; resample: number }
  | { kind: 'latents'; latents: Float32Array[]; eps: number };

const flat = (rows: Float32Array[]) => {
  const out = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  rows.reduce((at, r) => (out.set(r, at), at + r.length), 0);
  return out;
};

function readStart(args: SampleArgs, loaded: LoadedCard, sde: SdeConfig, sampler: Sampler): Start | null {
  const { card } = loaded;
  if (args.latents !== undefined) {
    if (sampler.stochastic) {
      warn(`sampler ${sampler.id} is stochastic: the result is a sample near the latent, not its decoding`);
    }
    const file = readLatents(args.latents, card, sde.kind);
    return { kind: 'latents', latents: file.samples.map((s) => Float32Array.from(s)), eps: file.eps };
  }
  if (args.init === undefined) return null;
  if (args.t0 === undefined && args.mask === undefined) {
    throw new UsageError(
      '--init needs --t0 (SDEdit: start from the data noised to t0) or --mask (inpainting)',
    );
  }
  const tEnd = makeSde(sde).tEnd;
  if (args.t0 !== undefined && !(args.t0 > tEnd)) {
    throw new UsageError(`--t0 must be above the grid's end t = ${tEnd}, got ${args.t0}`);
  }
  const inputs = readInputs(args.init, card, '--init');
  const masks = args.mask === undefined ? null : readMasks(args.mask, card, inputs.length);
  return { kind: 'data', inputs, masks, t0: args.t0, resample: args.resample ?? 0 };
}

/** Puts the loop at its start: the latents or the noised data, and the inpainting condition. */
function applyStart(loop: SamplingLoop<Float32Array>, start: Start, sde: SdeConfig, seed: number): void {
  const { field } = loop;
  const process = makeSde(sde);
  if (start.kind === 'latents') {
    const from = latentStart(field, process, field.upload(flat(start.latents)));
    loop.startFrom(from.xTilde, from.sigma);
    return;
  }
  const known = field.upload(flat(start.inputs));
  if (start.masks)
    loop.setInpainting({ known, mask: field.upload(flat(start.masks)), resample: start.resample });
  if (start.t0 !== undefined) {
    const from = noisedStart(field, process, known, start.t0, seed);
    loop.startFrom(from.xTilde, from.sigma);
  }
}

/** Clamp images to the data range (what the network is meant to produce); points stay as they are. */
function toDataRange(x: Float32Array, loaded: LoadedCard): Float32Array {
  const { task, range } = loaded.card;
  return task === 'image' ? x.map((v) => Math.min(range[1], Math.max(range[0], v))) : Float32Array.from(x);
}

/** Runs one sampling job and writes its output file. */
export async function sample(args: SampleArgs): Promise<SampleOutcome> {
  const started = performance.now();
  const loaded = loadCard(args.model);
  const { card } = loaded;
  const sampler = resolveSampler(args.sampler);
  const params = resolveParams(sampler, args.params);
  let sde = resolveSde(card, args);
  const start = readStart(args, loaded, sde, sampler);
  if (start?.kind === 'latents') sde = { ...sde, tEnd: start.eps };
  const count =
    start === null ? args.n : start.kind === 'latents' ? start.latents.length : start.inputs.length;
  if (start !== null && args.nGiven) warn(`--n is ignored: there is one output per input (${count})`);
  const labels = resolveLabels(card, { ...args, n: count });
  const denoiser = await makeDenoiser(loaded, labels, args.guidance);
  const runner = new CpuRunner({
    denoiser,
    sde,
    schedule: args.schedule,
    steps: args.steps,
    samplerId: sampler.id,
    params,
    seed: args.seed,
    batch: count,
    denoiseFinal: args.denoiseFinal,
    snapshotBudgetBytes: CLI_SNAPSHOT_BUDGET,
  });
  if (start) applyStart(runner.loop, start, sde, args.seed);
  const total = args.steps + (args.denoiseFinal ? 1 : 0);
  while (!runner.done) {
    const event = await runner.step();
    if (args.progress && event.i % Math.max(1, Math.round(total / 10)) === 0) {
      process.stderr.write(
        `step ${event.i}/${total}, ${event.nfeTotal} NFE, ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
      );
    }
    if (event.nonFinite) {
      throw new Error(
        `sampler ${sampler.id} diverged at step ${event.i} (σ=${event.sigma.toPrecision(3)}): ` +
          'try more --steps, a smaller step-size parameter, or another sampler',
      );
    }
  }
  const samples = splitSamples(toDataRange(runner.loop.xTilde, loaded), count);
  const head = {
    model: card.id,
    sampler: sampler.id,
    sde: sde.kind,
    steps: args.steps,
    seed: args.seed,
    nfe: runner.loop.nfeTotal,
    ...(start?.kind === 'data' && start.t0 !== undefined ? { t0: start.t0 } : {}),
    ...(start?.kind === 'data' && start.masks ? { resample: start.resample } : {}),
  };
  const bytes =
    args.format === 'png'
      ? pngBytes(card, samples, labels)
      : Buffer.from(JSON.stringify(jsonRecord(head, card, samples, labels)) + '\n');
  writeFileSync(args.out, bytes);
  const seconds = (performance.now() - started) / 1000;
  return { nfe: runner.loop.nfeTotal, bytes: bytes.length, seconds, count };
}

export const sampleCommand: Command<SampleArgs> = {
  parse: parseSampleArgs,
  help: () => `${USAGE}\nmodels: ${manifestIds().join(', ')}\nsamplers: ${samplerIds.join(', ')}`,
  async run(args) {
    const outcome = await sample(args);
    return `wrote ${args.out} (${outcome.bytes} bytes): ${outcome.count} samples, ${outcome.nfe} NFE, ${outcome.seconds.toFixed(1)} s`;
  },
};

await runIfMain(import.meta.url, sampleCommand);
