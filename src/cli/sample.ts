/**
 * `npm run sample -- --model <id|card.json> --sampler <id> --out FILE.png|FILE.json [...]`: the
 * page's core (card, denoiser, CPU panes, sampler registry) in Node, with onnxruntime-node for
 * networks. Usage mistakes print one line and exit 2; other failures print one line and exit 1.
 *
 * Where a run starts: the prior (default); `--init` data noised to t₀ (`--t0`, SDEdit); `--init`
 * with `--mask`, inpainting by replacement (from the prior, or from t₀ with `--t0`); `--latents`
 * from `npm run encode`, decoded with the (ODE) sampler. With `--init` and `--latents` there is one
 * output per input, in input order. Every pane of --compare / --sweep-steps starts the same way.
 */
import { writeFileSync } from 'node:fs';
import { denoiserForCard } from '../core/denoiser';
import { latentStart } from '../core/encode';
import { noisedStart } from '../core/inpaint';
import { cpuPanes, type CpuPaneModel, type PaneBatch } from '../core/pane-batch';
import { samplerIds } from '../core/samplers/registry';
import type { SamplingLoop } from '../core/sampling-loop';
import { parseSampleArgs, USAGE, UsageError, type SampleArgs } from './args';
import { runCommand, runIfMain, warn, type Command } from './command';
import { readInputs, readLatents, readMasks } from './inputs';
import { createCheckedSession, loadCard, manifestIds, sessionNetwork, type LoadedCard } from './load-model';
import { jsonRecord, pngBytes, splitSamples } from './output';
import { resolveLabels, resolvePanes, type PaneJob } from './resolve';

/** Snapshots are for rewinding in the page; the CLI keeps only a few. */
const CLI_SNAPSHOT_BUDGET = 4 * 1024 * 1024;

/** One pane's file and figures. */
export interface PaneOutcome {
  out: string;
  sampler: string;
  steps: number;
  nfe: number;
  bytes: number;
  /** Its share of the network time per step (ms; exact mixtures: its own time per step). */
  msPerStep: number;
}

export interface SampleOutcome {
  /** NFE over every pane. */
  nfe: number;
  /** Bytes written over every file. */
  bytes: number;
  seconds: number;
  /** Network calls made (with a network: fewer than nfe when panes shared them). */
  calls: number;
  /** Samples written per file. */
  count: number;
  panes: PaneOutcome[];
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

/** Reads --init/--mask/--latents; `sdeKinds` are the panes' SDEs (a latent fits one SDE only). */
function readStart(args: SampleArgs, loaded: LoadedCard, sdeKinds: readonly string[]): Start | null {
  const { card } = loaded;
  if (args.latents !== undefined) {
    const files = [...new Set(sdeKinds)].map((kind) => readLatents(args.latents as string, card, kind));
    const file = files[0];
    return { kind: 'latents', latents: file.samples.map((s) => Float32Array.from(s)), eps: file.eps };
  }
  if (args.init === undefined) return null;
  if (args.t0 === undefined && args.mask === undefined) {
    throw new UsageError(
      '--init needs --t0 (SDEdit: start from the data noised to t0) or --mask (inpainting)',
    );
  }
  const inputs = readInputs(args.init, card, '--init');
  const masks = args.mask === undefined ? null : readMasks(args.mask, card, inputs.length);
  return { kind: 'data', inputs, masks, t0: args.t0, resample: args.resample ?? 0 };
}

/** Puts a loop at its start: the latents or the noised data, and the inpainting condition. */
function applyStart(loop: SamplingLoop<Float32Array>, start: Start, seed: number): void {
  const { field } = loop;
  const process = loop.settings.sde;
  if (start.kind === 'latents') {
    const from = latentStart(field, process, field.upload(flat(start.latents)));
    loop.startFrom(from.xTilde, from.sigma);
    return;
  }
  const known = field.upload(flat(start.inputs));
  if (start.masks)
    loop.setInpainting({ known, mask: field.upload(flat(start.masks)), resample: start.resample });
  if (start.t0 !== undefined) {
    if (!(start.t0 > process.tEnd)) {
      throw new UsageError(`--t0 must be above the grid's end t = ${process.tEnd}, got ${start.t0}`);
    }
    const from = noisedStart(field, process, known, start.t0, seed);
    loop.startFrom(from.xTilde, from.sigma);
  }
}

/** Where the panes' x̂₀ comes from: the exact mixture, or the network through onnxruntime-node. */
async function paneModel(loaded: LoadedCard, labels: number[] | null): Promise<CpuPaneModel> {
  const { card } = loaded;
  if (card.analytic || card.mlp) return { denoiser: denoiserForCard(card) };
  const session = await createCheckedSession(loaded);
  return { network: sessionNetwork(session, card), card, classLabels: labels ?? undefined };
}

/** Clamp images to the data range (what the network is meant to produce); points stay as they are. */
function toDataRange(x: Float32Array, loaded: LoadedCard): Float32Array {
  const { task, range } = loaded.card;
  return task === 'image' ? x.map((v) => Math.min(range[1], Math.max(range[0], v))) : Float32Array.from(x);
}

/** Ticks the panes to the end, stopping at a diverged state and printing progress if asked. */
async function runPanes(batch: PaneBatch<Float32Array>, jobs: PaneJob[], args: SampleArgs): Promise<void> {
  const started = performance.now();
  const total = Math.max(...batch.loops.map((loop) => loop.stepTotal)) + (args.denoiseFinal ? 1 : 0);
  const every = Math.max(1, Math.round(total / 10));
  let shown = 0;
  await batch.run((tick) => {
    tick.panes.forEach((pane, p) => {
      const last = pane.reports.at(-1);
      if (last && !last.xTilde.every(Number.isFinite)) {
        throw new Error(
          `sampler ${jobs[p].sampler.id} diverged at step ${last.i} (σ=${last.sigma.toPrecision(3)}): ` +
            'try more --steps, a smaller step-size parameter, or another sampler',
        );
      }
    });
    const furthest = Math.max(...batch.loops.map((loop) => loop.framesSoFar));
    if (args.progress && furthest >= shown + every) {
      shown = furthest;
      const nfe = batch.loops.reduce((n, loop) => n + loop.nfeTotal, 0);
      process.stderr.write(
        `step ${furthest}/${total}, ${nfe} NFE, ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
      );
    }
  });
}

/**
 * Runs one sampling job and writes its output file, or, with --compare or --sweep-steps, one file
 * per pane; the panes share the seed, the batch, the prior draw (or the start), the Brownian path
 * and every network call.
 */
export async function sample(args: SampleArgs): Promise<SampleOutcome> {
  const started = performance.now();
  const loaded = loadCard(args.model);
  const { card } = loaded;
  // The panes as the flags give them, to read the start against their SDEs (labels come after:
  // the start fixes the count).
  const draft = resolvePanes(card, args, args.classLabel === undefined ? null : []);
  const start = readStart(
    args,
    loaded,
    draft.map((job) => job.spec.sde.kind),
  );
  const count =
    start === null ? args.n : start.kind === 'latents' ? start.latents.length : start.inputs.length;
  if (start !== null && args.nGiven) warn(`--n is ignored: there is one output per input (${count})`);
  const counted = { ...args, n: count };
  const labels = resolveLabels(card, counted);
  const jobs = resolvePanes(card, counted, labels).map((job): PaneJob => {
    if (start?.kind !== 'latents') return job;
    if (job.sampler.stochastic) {
      warn(
        `sampler ${job.sampler.id} is stochastic: the result is a sample near the latent, not its decoding`,
      );
    }
    // A decoding ends where the encoder started, at t = ε.
    return { ...job, spec: { ...job.spec, sde: { ...job.spec.sde, tEnd: start.eps } } };
  });
  const model = await paneModel(loaded, labels);
  const batch = cpuPanes(
    {
      panes: jobs.map((job) => job.spec),
      seed: args.seed,
      batch: count,
      denoiseFinal: args.denoiseFinal,
      noise: args.noise,
      snapshotBudgetBytes: CLI_SNAPSHOT_BUDGET,
    },
    model,
  );
  if (start) batch.loops.forEach((loop) => applyStart(loop, start, args.seed));
  await runPanes(batch, jobs, args);
  const panes = jobs.map((job, p): PaneOutcome => {
    const loop = batch.loops[p];
    const samples = splitSamples(toDataRange(loop.xTilde, loaded), count);
    const head = {
      model: card.id,
      sampler: job.sampler.id,
      sde: loop.settings.sde.kind,
      steps: job.spec.steps,
      seed: args.seed,
      nfe: loop.nfeTotal,
      ...(start?.kind === 'data' && start.t0 !== undefined ? { t0: start.t0 } : {}),
      ...(start?.kind === 'data' && start.masks ? { resample: start.resample } : {}),
    };
    const bytes =
      args.format === 'png'
        ? pngBytes(card, samples, labels)
        : Buffer.from(JSON.stringify(jsonRecord(head, card, samples, labels)) + '\n');
    writeFileSync(job.out, bytes);
    const stats = batch.paneStats(p);
    return {
      out: job.out,
      sampler: job.sampler.id,
      steps: job.spec.steps,
      nfe: loop.nfeTotal,
      bytes: bytes.length,
      msPerStep: stats.msPerStep,
    };
  });
  return {
    nfe: panes.reduce((n, pane) => n + pane.nfe, 0),
    bytes: panes.reduce((n, pane) => n + pane.bytes, 0),
    seconds: (performance.now() - started) / 1000,
    calls: batch.networkCalls,
    count,
    panes,
  };
}

export const sampleCommand: Command<SampleArgs> = {
  parse: parseSampleArgs,
  help: () => `${USAGE}\nmodels: ${manifestIds().join(', ')}\nsamplers: ${samplerIds.join(', ')}`,
  async run(args) {
    const outcome = await sample(args);
    const several = outcome.panes.length > 1;
    const lines = outcome.panes.map((pane) => {
      const share = several ? `, ${pane.msPerStep.toFixed(1)} ms/step` : '';
      const time = several ? '' : `, ${outcome.seconds.toFixed(1)} s`;
      return `wrote ${pane.out} (${pane.bytes} bytes): ${outcome.count} samples, ${pane.nfe} NFE${share}${time}`;
    });
    if (several) {
      const calls = outcome.calls > 0 ? `, ${outcome.calls} network calls` : '';
      lines.push(
        `${outcome.panes.length} panes: ${outcome.nfe} NFE${calls}, ${outcome.seconds.toFixed(1)} s`,
      );
    }
    return lines.join('\n');
  },
};

/** The command: returns the exit status (0 ok, 1 failure, 2 usage error). */
export function main(argv: readonly string[]): Promise<number> {
  return runCommand(sampleCommand, argv);
}

await runIfMain(import.meta.url, sampleCommand);
