/**
 * `npm run bench -- OUTDIR [--quick] [--skip-app] [--skip-model]`: the performance benchmark.
 *
 * 1. The model alone, per shipped image model at batch 1, 16, 64: onnxruntime-node (1, 2 threads)
 *    vs onnxruntime-web WASM in headless Chromium (1, 2 threads, cross-origin isolated) vs WebGPU,
 *    plus a sweep of session options. 2. The app (built site): one step split into model, sampler,
 *    transfer and drawing; page load → first frame, cold and cached; memory after 100 and 10,000
 *    steps. Prints tables and ratio lines; writes every raw figure to OUTDIR/bench.json.
 * Medians of repeated runs after warm-up. A benchmark, not a test: nothing here passes or fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batches } from './config';
import { launchChromium, pageBackend, type PageBackend, type WarmUp, type WorkerInfo } from './browser';
import { median } from './stats';
import { nativeBackend } from './native';
import { modelAlone, type Backends, type Cell } from './model-alone';
import { shippedImageModels, standInModel, withFp16Copy, type BenchModel } from './models';
import { modelAloneRatios, modelAloneTable, ratioLine } from './report';
import { startBenchServer } from './server';
import { appBench, appReport, type AppResults } from './app';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Args {
  outDir: string;
  quick: boolean;
  skipApp: boolean;
  skipModel: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const known = ['--quick', '--skip-app', '--skip-model'];
  const unknown = [...flags].filter((f) => !known.includes(f));
  if (unknown.length > 0)
    throw new Error(
      `unknown option ${unknown.join(' ')}; usage: npm run bench -- OUTDIR [${known.join('] [')}]`,
    );
  const positional = argv.filter((a) => !a.startsWith('--'));
  return {
    outDir: resolve(positional[0] ?? 'out/bench'),
    quick: flags.has('--quick'),
    skipApp: flags.has('--skip-app'),
    skipModel: flags.has('--skip-model'),
  };
}

function benchModels(outDir: string): BenchModel[] {
  const modelsDir = join(outDir, 'models');
  mkdirSync(modelsDir, { recursive: true });
  const shipped = shippedImageModels(root).map((m) => withFp16Copy(root, modelsDir, m));
  return shipped.length > 0 ? shipped : [standInModel(root, modelsDir)];
}

interface BrowserSide {
  backends: Backends;
  pages: PageBackend[];
  warmUps: Record<string, WarmUp>;
  close(): Promise<void>;
}

/** Pages for wasm (1, 2 threads), jsep (1, 2) and webgpu; WASM pages warmed until tiered up. */
async function browserBackends(origin: string, outDir: string, warmModel: string): Promise<BrowserSide> {
  const browser = await launchChromium();
  const benchModelsDir = join(outDir, 'models');
  const urlOf = (path: string): string =>
    path.startsWith(benchModelsDir)
      ? `/bench-models/${basename(path)}`
      : `/models/${relative(join(root, 'models'), path)}`;
  const wasm = [
    await pageBackend(browser, origin, 'wasm', 1, urlOf),
    await pageBackend(browser, origin, 'wasm', 2, urlOf),
  ];
  const jsep = [
    await pageBackend(browser, origin, 'jsep', 1, urlOf),
    await pageBackend(browser, origin, 'jsep', 2, urlOf),
  ];
  const gpu = await pageBackend(browser, origin, 'webgpu', 1, urlOf);
  const gpuInfo = await gpu.info();
  console.log('warming WASM pages until V8 has tiered the code up…');
  const warmed = await Promise.all(
    [...wasm, ...jsep].map(async (p) => [p.label, await p.warm(warmModel, 45_000)] as const),
  );
  const warmUps = Object.fromEntries(warmed);
  const pages = [...wasm, ...jsep, gpu];
  const backends: Backends = {
    native: [nativeBackend(1), nativeBackend(2)],
    wasm,
    jsep,
    webgpu: gpuInfo.adapter === null ? null : gpu,
    webgpuNa: gpuInfo.adapter === null ? 'no WebGPU adapter in this browser' : '',
  };
  const close = async (): Promise<void> => {
    for (const p of pages) await p.close();
    await browser.close();
  };
  return { backends, pages, warmUps, close };
}

/** One line per page: first call, steady median and how long the tier-up took. */
function warmUpLines(warmUps: Record<string, WarmUp>): string[] {
  return Object.entries(warmUps).map(([label, w]) => {
    const steady = median(w.times.slice(-5));
    const state = w.stable
      ? `steady after ${(w.elapsedMs / 1000).toFixed(1)} s`
      : `not steady after ${(w.elapsedMs / 1000).toFixed(1)} s`;
    return `${label}: first call ${w.times[0].toFixed(0)} ms, median of first 5 ${median(w.times.slice(0, 5)).toFixed(1)} ms → ${steady.toFixed(1)} ms, ${state} (${w.times.length} calls)`;
  });
}

async function modelSection(
  args: Args,
): Promise<{
  cells: Cell[];
  models: BenchModel[];
  workers: WorkerInfo[];
  warmUps: Record<string, WarmUp>;
  lines: string[];
}> {
  const models = benchModels(args.outDir);
  const server = await startBenchServer(
    [
      { prefix: '/bench/', dir: join(root, 'test', 'bench', 'page') },
      { prefix: '/ort/', dir: join(root, 'node_modules', 'onnxruntime-web', 'dist') },
      { prefix: '/models/', dir: join(root, 'models') },
      { prefix: '/bench-models/', dir: join(args.outDir, 'models') },
    ],
    'no-store',
  );
  const browser = await browserBackends(server.origin, args.outDir, models[0].onnx);
  const cells: Cell[] = [];
  try {
    for (const model of models) cells.push(...(await modelAlone(model, browser.backends, args.quick)));
    const workers = await Promise.all(browser.pages.map((p) => p.info()));
    const lines: string[] = [];
    for (const model of models) {
      const mine = cells.filter((c) => c.model === model.id);
      lines.push(
        '',
        `Model alone — ${model.id} (${model.source}): median ms per call`,
        ...modelAloneTable(mine, batches),
      );
      lines.push(
        '',
        `Speed ratios, ${model.id} (a/b = time(b)/time(a); above 1: a is faster):`,
        ...modelAloneRatios(mine, batches).map(ratioLine),
      );
    }
    const gpu = workers.find((w) => w.bundle === 'webgpu');
    lines.push(
      '',
      `WebGPU adapter: ${gpu?.adapter ?? 'none'} (SwiftShader is a CPU rasteriser: reported, not optimised for)`,
    );
    lines.push(
      'WASM warm-up at batch 1 (V8 runs baseline code until it has tiered up):',
      ...warmUpLines(browser.warmUps),
    );
    lines.push(
      `Browser workers: ${workers.map((w) => `${w.bundle} threads=${w.threads} isolated=${w.crossOriginIsolated}`).join('; ')}`,
    );
    return { cells, models, workers, warmUps: browser.warmUps, lines };
  } finally {
    await browser.close();
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
    loadavg: (await import('node:os')).loadavg(),
  };
  console.log(
    `bench → ${args.outDir} (${machine.cpus} CPUs, load ${machine.loadavg.map((l) => l.toFixed(1)).join(' ')})`,
  );
  const model = args.skipModel ? null : await modelSection(args);
  const app: AppResults | null = args.skipApp ? null : await appBench(root, args.outDir, args.quick);
  const lines = [...(model?.lines ?? []), ...(app ? appReport(app) : [])];
  console.log(lines.join('\n'));
  const raw = {
    date: new Date().toISOString(),
    machine,
    seconds: (Date.now() - started) / 1000,
    models: model?.models,
    workers: model?.workers,
    modelAlone: model?.cells,
    app,
  };
  writeFileSync(join(args.outDir, 'bench.json'), JSON.stringify(raw, null, 1) + '\n');
  writeFileSync(join(args.outDir, 'bench.txt'), lines.join('\n') + '\n');
  console.log(`\nwrote ${join(args.outDir, 'bench.json')} and bench.txt in ${raw.seconds.toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
