/**
 * Section 2, the app on its built site: per image model, page load → first frame (cold: a fresh
 * browser profile; cached: the same profile again) and one step split at batch 1, 16, 64; then
 * memory after 100, 5,000 and 10,000 steps on an analytic 2D model in runs of 100 steps (the
 * network is too slow for 10,000 steps within the run time on two cores). Chromium runs without WebGPU here (see appBench).
 * Anything that cannot be measured becomes "n/a (why)".
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright';
import { launchChromium } from './browser';
import { addProbe } from './app-probe';
import {
  appUrl,
  measureStepSplit,
  openAndWaitFirstFrame,
  playAndMeasureMemory,
  type FirstFrame,
  type Memory,
  type StepSplit,
} from './app-measure';
import type { BenchModel } from './models';
import { addStandIn, buildSite } from './site';
import { startBenchServer } from './server';

export interface AppModelResult {
  model: string;
  firstFrameCold: FirstFrame | { na: string };
  firstFrameCached: FirstFrame | { na: string };
  steps: (StepSplit | { batch: number; na: string })[];
}

export interface AppResults {
  na?: string;
  models: AppModelResult[];
  memoryModel?: string;
  memory: Memory[] | { na: string };
}

const message = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 240);

/** Image model ids in the built site's models/ (cards with task "image"). */
function siteImageModels(siteDir: string): string[] {
  const dir = join(siteDir, 'models');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'manifest.json')
    .map(
      (f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { id?: string; task?: string; onnx?: string },
    )
    .filter((c) => c.task === 'image' && typeof c.onnx === 'string' && typeof c.id === 'string')
    .map((c) => c.id as string);
}

const stepLimits = (batch: number, quick: boolean) => {
  const s = quick ? 0.5 : 1;
  if (batch === 1) return { minFrames: 60 * s, minMs: 8000 * s, maxMs: 20_000 * s };
  if (batch === 16) return { minFrames: 20 * s, minMs: 5000 * s, maxMs: 20_000 * s };
  return { minFrames: 8 * s, minMs: 0, maxMs: 25_000 * s };
};

async function measureModel(
  browser: Browser,
  root: string,
  origin: string,
  id: string,
  quick: boolean,
  batches: readonly number[],
): Promise<AppModelResult> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await addProbe(context, root);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const url = (batch: number): string => appUrl(origin, { model: id, batch, steps: 1000, speed: 120 });
  const result: AppModelResult = {
    model: id,
    firstFrameCold: { na: '' },
    firstFrameCached: { na: '' },
    steps: [],
  };
  console.log(`  app: ${id} first frame (cold, then cached)`);
  result.firstFrameCold = await openAndWaitFirstFrame(page, url(1), 120_000).catch((e: unknown) => ({
    na: message(e),
  }));
  result.firstFrameCached = await openAndWaitFirstFrame(page, url(1), 120_000).catch((e: unknown) => ({
    na: message(e),
  }));
  for (const batch of batches) {
    console.log(`  app: ${id} step split at batch ${batch}`);
    try {
      await openAndWaitFirstFrame(page, url(batch), 120_000);
      result.steps.push(await measureStepSplit(page, context, batch, stepLimits(batch, quick)));
    } catch (e) {
      result.steps.push({ batch, na: message(e) });
    }
  }
  await context.close();
  return result;
}

/** Steps per run in the memory measurement (Reset + Play at each end). */
export const MEMORY_RUN_STEPS = 100;

async function measureMemoryRun(
  browser: Browser,
  root: string,
  origin: string,
  modelId: string,
  quick: boolean,
): Promise<Memory[] | { na: string }> {
  const context = await browser.newContext();
  await addProbe(context, root);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const last = quick ? 2000 : 10_000;
  console.log(`  app: memory on ${modelId}, after 100, ${last / 2} and ${last} steps`);
  try {
    // Runs of MEMORY_RUN_STEPS steps, so every checkpoint falls at the end of a run: the page then
    // holds the same run state each time (frame log, worker snapshots) and a difference is growth.
    await openAndWaitFirstFrame(
      page,
      appUrl(origin, { model: modelId, batch: 16, steps: MEMORY_RUN_STEPS, speed: 120 }),
      60_000,
    );
    return await playAndMeasureMemory(page, [100, last / 2, last], 300_000, true);
  } catch (e) {
    return { na: message(e) };
  } finally {
    await context.close();
  }
}

export interface AppScope {
  quick: boolean;
  batches: readonly number[];
  /** Image model ids to measure (every one in the built site when null). */
  models: readonly string[] | null;
  /** Run the memory measurement (10,000 steps on an analytic model). */
  memory: boolean;
}

export async function appBench(
  root: string,
  outDir: string,
  standIn: BenchModel | null,
  scope: AppScope,
): Promise<AppResults> {
  const { quick } = scope;
  const siteDir = join(outDir, 'site');
  console.log('app: building the site into', siteDir);
  try {
    buildSite(root, siteDir);
  } catch (e) {
    return { na: message(e), models: [], memory: { na: 'site not built' } };
  }
  if (siteImageModels(siteDir).length === 0 && standIn !== null) addStandIn(siteDir, standIn);
  const manifest = JSON.parse(readFileSync(join(siteDir, 'models', 'manifest.json'), 'utf8')) as {
    models: string[];
  };
  const analytic = manifest.models.find((id) => !siteImageModels(siteDir).includes(id));
  const server = await startBenchServer([{ prefix: '/', dir: siteDir }], 'etag');
  // WebGPU off: this machine's only adapter is SwiftShader (a CPU rasteriser, ~100× slower than
  // WASM), which the app would pick; with no adapter the app runs what a GPU-less user gets: WASM.
  // Frames at the headless default of 60 Hz, as on a display: --disable-frame-rate-limit (with
  // --disable-gpu-vsync) made the GPU process's compositor tick in a busy loop (1.15 of the two
  // cores while anything animates) and froze the page for 10–20 s at a time, which is what held
  // the memory run to ~15 steps/s.
  const flags = ['--enable-blink-features=ForceEagerMeasureMemory', '--js-flags=--expose-gc'];
  const browser = await launchChromium(flags, false);
  try {
    const models: AppModelResult[] = [];
    const ids = siteImageModels(siteDir).filter(
      (id) => scope.models === null || scope.models.includes(id) || id.endsWith('-standin'),
    );
    for (const id of ids)
      models.push(await measureModel(browser, root, server.origin, id, quick, scope.batches));
    const memory = !scope.memory
      ? { na: 'skipped (--skip-memory)' }
      : analytic
        ? await measureMemoryRun(browser, root, server.origin, analytic, quick)
        : { na: 'no analytic model in the manifest' };
    return { models, memoryModel: analytic, memory };
  } finally {
    await browser.close();
    await server.close();
  }
}
