/**
 * `npm run bench -- OUTDIR [--quick] [--skip-app] [--skip-model] [--skip-sweep] [--skip-memory]
 * [--models=ID,…] [--batches=N,…]`: the performance benchmark.
 *
 * 1. The model alone, per shipped image model at batch 1, 16, 64: onnxruntime-node (1, 2 threads)
 *    vs onnxruntime-web WASM in headless Chromium (1, 2 threads, cross-origin isolated; plain and
 *    JSEP builds; one browser backend alive at a time, paired in rounds with native) vs WebGPU,
 *    plus a sweep of session options paired with stock. 2. The app (built site): one step split into model, sampler,
 *    transfer and drawing; page load → first frame, cold and cached; memory after 100 and 10,000
 *    steps. Prints tables and ratio lines; writes every raw figure to OUTDIR/bench.json.
 * Medians of repeated runs after warm-up. A benchmark, not a test: nothing here passes or fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batches as allBatches, warmPlan, type Scope } from './config';
import type { WarmUp, WorkerInfo } from './browser';
import { browserSide, tierUpCurve, tierUpLine, warmLine } from './browser-side';
import { modelAlone, type Cell } from './model-alone';
import { shippedImageModels, standInModel, withFp16Copy, type BenchModel } from './models';
import { modelAloneRatios, modelAloneTable, ratioLine } from './report';
import { median } from './stats';
import { startBenchServer } from './server';
import { appBench, type AppResults } from './app';
import { appReport } from './app-report';
import { residentBench, residentReport, type ResidentResults } from './resident';
import { buildSite } from './site';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Args extends Scope {
  outDir: string;
  skipApp: boolean;
  skipModel: boolean;
  skipMemory: boolean;
  skipResident: boolean;
  /** Image model ids to measure (all shipped ones when null). */
  models: string[] | null;
}

const usage =
  'npm run bench -- OUTDIR [--quick] [--skip-app] [--skip-model] [--skip-sweep] [--skip-memory] ' +
  '[--skip-resident] [--models=ID,…] [--batches=N,…]';

function parseArgs(argv: readonly string[]): Args {
  const options = argv.filter((a) => a.startsWith('--'));
  const flags = new Set(options.filter((a) => !a.includes('=')));
  const values = new Map(
    options
      .filter((a) => a.includes('='))
      .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
  );
  const knownFlags = [
    '--quick',
    '--skip-app',
    '--skip-model',
    '--skip-sweep',
    '--skip-memory',
    '--skip-resident',
  ];
  const knownValues = ['--models', '--batches'];
  const unknown = [
    ...[...flags].filter((f) => !knownFlags.includes(f)),
    ...[...values.keys()].filter((k) => !knownValues.includes(k)),
  ];
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(' ')}; usage: ${usage}`);
  const list = (name: string): string[] | null =>
    values.has(name) ? (values.get(name) ?? '').split(',').filter((v) => v !== '') : null;
  const batches = (list('--batches') ?? allBatches.map(String)).map(Number);
  if (batches.length === 0 || batches.some((b) => !Number.isInteger(b) || b < 1))
    throw new Error(`--batches takes positive integers, e.g. --batches=1,16; usage: ${usage}`);
  const positional = argv.filter((a) => !a.startsWith('--'));
  return {
    outDir: resolve(positional[0] ?? 'out/bench'),
    quick: flags.has('--quick'),
    batches,
    sweep: !flags.has('--skip-sweep'),
    skipApp: flags.has('--skip-app'),
    skipModel: flags.has('--skip-model'),
    skipMemory: flags.has('--skip-memory'),
    skipResident: flags.has('--skip-resident'),
    models: list('--models'),
  };
}

function benchModels(outDir: string, only: string[] | null): BenchModel[] {
  const modelsDir = join(outDir, 'models');
  mkdirSync(modelsDir, { recursive: true });
  const all = shippedImageModels(root);
  const chosen = only === null ? all : all.filter((m) => only.includes(m.id));
  if (only !== null && chosen.length < only.length) {
    const missing = only.filter((id) => !all.some((m) => m.id === id));
    throw new Error(
      `--models: no shipped image model ${missing.join(', ')} (shipped: ${all.map((m) => m.id).join(', ') || 'none'})`,
    );
  }
  const shipped = chosen.map((m) => withFp16Copy(root, modelsDir, m));
  return shipped.length > 0 ? shipped : [standInModel(root, modelsDir)];
}

interface ModelSection {
  cells: Cell[];
  models: BenchModel[];
  workers: WorkerInfo[];
  tierUp: WarmUp | { na: string };
  /** Each WASM page's warm-up before it was timed (browser-side.ts). */
  warmUps: { label: string; model: string; warm: WarmUp }[];
  lines: string[];
}

function modelLines(
  models: BenchModel[],
  cells: Cell[],
  workers: WorkerInfo[],
  tierUp: ModelSection['tierUp'],
  warmUps: ModelSection['warmUps'],
  batches: readonly number[],
): string[] {
  const lines: string[] = [];
  for (const model of models) {
    const mine = cells.filter((c) => c.model === model.id);
    lines.push('', `Model alone — ${model.id} (${model.source}): median ms per call`);
    lines.push(...modelAloneTable(mine, batches), '');
    lines.push(`Speed ratios, ${model.id} (a/b = time(b)/time(a); above 1: a is faster):`);
    lines.push(...modelAloneRatios(mine, batches).map(ratioLine));
  }
  const gpu = workers.find((w) => w.bundle === 'webgpu');
  lines.push(
    '',
    `WebGPU adapter: ${gpu?.adapter ?? 'none'} (SwiftShader is a CPU rasteriser: reported, not optimised for)`,
  );
  lines.push('na' in tierUp ? `WASM tier-up: n/a (${tierUp.na})` : tierUpLine(tierUp));
  const wasm1 = cells.find(
    (c) => c.model === models[0].id && c.backend === 'wasm1' && c.variant === 'default' && c.batch === 1,
  );
  if (!('na' in tierUp) && wasm1?.summary !== undefined) {
    const alone = median(tierUp.times.slice(-5));
    lines.push(
      `Against a page alone: wasm1 b1 ${wasm1.summary.medianMs.toFixed(2)} ms in the rounds above, ` +
        `${alone.toFixed(2)} ms at the end of the tier-up curve (its own browser, earlier): ` +
        `ratio ${(alone / wasm1.summary.medianMs).toFixed(2)}`,
    );
  }
  for (const { label, model, warm } of warmUps)
    lines.push(`Warm-up ${label} (${basename(model)}): ${warmLine(warm)}`);
  const pages = workers.map((w) => `${w.bundle} threads=${w.threads} isolated=${w.crossOriginIsolated}`);
  lines.push(`Browser workers: ${pages.join('; ')}`);
  return lines;
}

async function modelSection(args: Args): Promise<ModelSection> {
  const models = benchModels(args.outDir, args.models);
  const benchModelsDir = join(args.outDir, 'models');
  const server = await startBenchServer(
    [
      { prefix: '/bench/', dir: join(root, 'test', 'bench', 'page') },
      { prefix: '/ort/', dir: join(root, 'node_modules', 'onnxruntime-web', 'dist') },
      { prefix: '/models/', dir: join(root, 'models') },
      { prefix: '/bench-models/', dir: benchModelsDir },
    ],
    'no-store',
  );
  const urlOf = (path: string): string =>
    path.startsWith(benchModelsDir)
      ? `/bench-models/${basename(path)}`
      : `/models/${relative(join(root, 'models'), path)}`;
  try {
    console.log('WASM tier-up curve on stock Chromium flags…');
    const tierUp = await tierUpCurve(
      server.origin,
      urlOf,
      models[0].onnx,
      args.quick ? 10_000 : 25_000,
    ).catch((e: unknown) => ({ na: String(e) }));
    const side = browserSide(server.origin, urlOf, warmPlan(args.quick));
    const cells: Cell[] = [];
    for (const model of models) cells.push(...(await modelAlone(model, side, args)));
    const workers = side.workers();
    const warmUps = side.warmUps();
    const lines = modelLines(models, cells, workers, tierUp, warmUps, args.batches);
    return { cells, models, workers, tierUp, warmUps, lines };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(args.outDir, { recursive: true });
  const started = Date.now();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadavg: loadavg(),
  };
  console.log(
    `bench → ${args.outDir} (${machine.cpus} CPUs, load ${machine.loadavg.map((l) => l.toFixed(1)).join(' ')})`,
  );
  const model = args.skipModel ? null : await modelSection(args);
  const models = model?.models ?? (args.skipApp ? [] : benchModels(args.outDir, args.models));
  const standIn = models.find((m) => m.id.endsWith('-standin')) ?? null;
  const app: AppResults | null = args.skipApp
    ? null
    : await appBench(root, args.outDir, standIn, {
        quick: args.quick,
        batches: args.batches,
        models: args.models,
        memory: !args.skipMemory,
      });
  let resident: ResidentResults | null = null;
  if (!args.skipResident) {
    const siteDir = join(args.outDir, 'site');
    if (args.skipApp) buildSite(root, siteDir); // the app section builds it otherwise
    console.log('GPU-resident vs CPU round trip on WebGPU…');
    const ids = args.models ?? models.filter((m) => !m.id.endsWith('-standin')).map((m) => m.id);
    resident = await residentBench(root, siteDir, ids, args.batches, args.quick);
  }
  const lines = [
    ...(model?.lines ?? []),
    ...(app ? appReport(app) : []),
    ...(resident ? residentReport(resident) : []),
  ];
  const loadEnd = loadavg();
  const fmtLoad = (l: number[]): string => l.map((v) => v.toFixed(2)).join(' ');
  lines.push(
    '',
    `Load average (1, 5, 15 min) on ${machine.cpus} CPUs: ${fmtLoad(machine.loadavg)} at the start, ${fmtLoad(loadEnd)} at the end`,
  );
  console.log(lines.join('\n'));
  const raw = {
    date: new Date().toISOString(),
    argv: process.argv.slice(2),
    machine,
    seconds: (Date.now() - started) / 1000,
    loadavgEnd: loadEnd,
    models: model?.models,
    workers: model?.workers,
    tierUp: model?.tierUp,
    warmUps: model?.warmUps,
    modelAlone: model?.cells,
    app,
    resident,
  };
  writeFileSync(join(args.outDir, 'bench.json'), JSON.stringify(raw, null, 1) + '\n');
  writeFileSync(join(args.outDir, 'bench.txt'), lines.join('\n') + '\n');
  console.log(`\nwrote ${join(args.outDir, 'bench.json')} and bench.txt in ${raw.seconds.toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
