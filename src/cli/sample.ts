/**
 * `npm run sample -- --model <id|card.json> --sampler <id> --out FILE.png|FILE.json [...]`: the
 * page's core (card, denoiser, CPU runner, sampler registry) in Node, with onnxruntime-node for
 * networks. Usage mistakes print one line and exit 2; other failures print one line and exit 1.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { denoiserForCard } from '../core/denoiser';
import { cpuPanes, type CpuPaneModel, type PaneBatch } from '../core/pane-batch';
import { samplerIds } from '../core/samplers/registry';
import { failureStatus, parseSampleArgs, USAGE, type SampleArgs } from './args';
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
  panes: PaneOutcome[];
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
  const total = Math.max(...jobs.map((job) => job.spec.steps)) + (args.denoiseFinal ? 1 : 0);
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
 * per pane; the panes share the seed, the batch, the prior draw, the Brownian path and every
 * network call.
 */
export async function sample(args: SampleArgs): Promise<SampleOutcome> {
  const started = performance.now();
  const loaded = loadCard(args.model);
  const { card } = loaded;
  const labels = resolveLabels(card, args);
  const jobs = resolvePanes(card, args, labels);
  const model = await paneModel(loaded, labels);
  const batch = cpuPanes(
    {
      panes: jobs.map((job) => job.spec),
      seed: args.seed,
      batch: args.n,
      denoiseFinal: args.denoiseFinal,
      noise: args.noise,
      snapshotBudgetBytes: CLI_SNAPSHOT_BUDGET,
    },
    model,
  );
  await runPanes(batch, jobs, args);
  const panes = jobs.map((job, p): PaneOutcome => {
    const loop = batch.loops[p];
    const samples = splitSamples(toDataRange(loop.xTilde, loaded), args.n);
    const head = {
      model: card.id,
      sampler: job.sampler.id,
      sde: loop.settings.sde.kind,
      steps: job.spec.steps,
      seed: args.seed,
      nfe: loop.nfeTotal,
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
    panes,
  };
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
    const several = outcome.panes.length > 1;
    for (const pane of outcome.panes) {
      const share = several ? `, ${pane.msPerStep.toFixed(1)} ms/step` : '';
      const time = several ? '' : `, ${outcome.seconds.toFixed(1)} s`;
      console.log(
        `wrote ${pane.out} (${pane.bytes} bytes): ${args.n} samples, ${pane.nfe} NFE${share}${time}`,
      );
    }
    if (several) {
      const calls = outcome.calls > 0 ? `, ${outcome.calls} network calls` : '';
      console.log(
        `${outcome.panes.length} panes: ${outcome.nfe} NFE${calls}, ${outcome.seconds.toFixed(1)} s`,
      );
    }
    return 0;
  } catch (err) {
    return failureStatus(err);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
