/**
 * `npm run sample -- --model <id|card.json> --sampler <id> --out FILE.png|FILE.json [...]`: the
 * page's core (card, denoiser, CPU runner, sampler registry) in Node, with onnxruntime-node for
 * networks. Usage mistakes print one line and exit 2; other failures print one line and exit 1.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { denoiserForCard } from '../core/denoiser';
import { CpuRunner } from '../core/cpu-runner';
import { samplerIds } from '../core/samplers/registry';
import type { Denoiser } from '../core/types';
import { failureStatus, parseSampleArgs, USAGE, type SampleArgs } from './args';
import { createCheckedSession, loadCard, manifestIds, sessionNetwork, type LoadedCard } from './load-model';
import { jsonRecord, pngBytes, splitSamples } from './output';
import { resolveLabels, resolveParams, resolveSampler, resolveSde } from './resolve';

/** Snapshots are for rewinding in the page; the CLI keeps only a few. */
const CLI_SNAPSHOT_BUDGET = 4 * 1024 * 1024;

export interface SampleOutcome {
  nfe: number;
  bytes: number;
  seconds: number;
}

async function makeDenoiser(
  loaded: LoadedCard,
  labels: number[] | null,
  guidance?: number,
): Promise<Denoiser> {
  const { card } = loaded;
  const conditioning = labels ? { classLabels: labels, guidance } : {};
  if (card.analytic || card.mlp) return denoiserForCard(card);
  const session = await createCheckedSession(loaded);
  return denoiserForCard(card, sessionNetwork(session, card), conditioning);
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
  const labels = resolveLabels(card, args);
  const sde = resolveSde(card, args);
  const denoiser = await makeDenoiser(loaded, labels, args.guidance);
  const runner = new CpuRunner({
    denoiser,
    sde,
    schedule: args.schedule,
    steps: args.steps,
    samplerId: sampler.id,
    params,
    seed: args.seed,
    batch: args.n,
    denoiseFinal: args.denoiseFinal,
    snapshotBudgetBytes: CLI_SNAPSHOT_BUDGET,
  });
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
  const samples = splitSamples(toDataRange(runner.loop.xTilde, loaded), args.n);
  const head = {
    model: card.id,
    sampler: sampler.id,
    sde: sde.kind,
    steps: args.steps,
    seed: args.seed,
    nfe: runner.loop.nfeTotal,
  };
  const bytes =
    args.format === 'png'
      ? pngBytes(card, samples, labels)
      : Buffer.from(JSON.stringify(jsonRecord(head, card, samples, labels)) + '\n');
  writeFileSync(args.out, bytes);
  return { nfe: runner.loop.nfeTotal, bytes: bytes.length, seconds: (performance.now() - started) / 1000 };
}

/** The command: returns the exit status (0 ok, 1 failure, 2 usage error). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseSampleArgs(argv);
    if (args === 'help') {
      console.log(`${USAGE}\nmodels: ${manifestIds().join(', ')}\nsamplers: ${samplerIds.join(', ')}`);
      return 0;
    }
    const outcome = await sample(args);
    console.log(
      `wrote ${args.out} (${outcome.bytes} bytes): ${args.n} samples, ${outcome.nfe} NFE, ${outcome.seconds.toFixed(1)} s`,
    );
    return 0;
  } catch (err) {
    return failureStatus(err);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
