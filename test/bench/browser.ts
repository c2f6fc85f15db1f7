/**
 * onnxruntime-web backends in headless Chromium: one page per (bundle, threads), each running the
 * network in a module worker (test/bench/page/bench-worker.mjs), like the app's engine worker.
 */
import { chromium, type Browser, type Page } from 'playwright';
import { chromiumArgsWithoutWebGpu } from '../chromium';
import { chromiumArgs, chromiumPath, type SessionOptions, type TimingBudget, type WarmPlan } from './config';
import { median } from './stats';
import type { Backend, TimedRuns } from './backend';

type Bundle = 'wasm' | 'jsep' | 'webgpu';

export interface WorkerInfo {
  bundle: Bundle;
  threads: number;
  crossOriginIsolated: boolean;
  adapter: string | null;
  version: Record<string, string>;
}

type Reply = Record<string, unknown> & { error?: string };

/** Headless Chromium with the project's flags; `webgpu: false` leaves WebGPU off (no adapter). */
export async function launchChromium(extraArgs: readonly string[] = [], webgpu = true): Promise<Browser> {
  const base = webgpu ? chromiumArgs : chromiumArgsWithoutWebGpu;
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: [...base, ...extraArgs] });
}

/** Longest a single page command may take before the browser is presumed gone (a killed browser can hang evaluate). */
const CALL_TIMEOUT_MS = 300_000;

async function call(page: Page, message: Record<string, unknown>): Promise<Reply> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `bench page did not answer "${String(message.op)}" within ${CALL_TIMEOUT_MS / 1000} s (browser killed or hung?)`,
          ),
        ),
      CALL_TIMEOUT_MS,
    );
  });
  const evaluation = page.evaluate(
    (m) => (window as unknown as { benchCall(m: unknown): Promise<Record<string, unknown>> }).benchCall(m),
    message,
  );
  try {
    const reply = await Promise.race([evaluation, timeout]);
    if (typeof reply.error === 'string') throw new Error(reply.error);
    return reply;
  } finally {
    clearTimeout(timer);
  }
}

/** Per-call times while V8 tiers the WASM code up (see warm() in bench-worker.mjs). */
export interface WarmUp {
  times: number[];
  elapsedMs: number;
  /** warmUntilSteady only: each window's median, and whether the times flattened before maxMs. */
  windows?: number[];
  steady?: boolean;
  /** warmUntilSteady only: CPU ms the renderer's ThreadPool threads (V8's compiles) used per window. */
  compileMs?: (number | null)[];
}

/**
 * True when the last `flatWindows` window medians are none of them faster (by `tolerance`) than the
 * best window before them, and the compile threads were quiet in each of those windows (where
 * known): V8 has stopped making the code faster.
 */
export function flattened(
  windows: readonly number[],
  compileMs: readonly (number | null)[],
  plan: WarmPlan,
): boolean {
  if (windows.length <= plan.flatWindows) return false;
  const before = Math.min(...windows.slice(0, -plan.flatWindows));
  const recent = Math.min(...windows.slice(-plan.flatWindows));
  const quiet = compileMs.slice(-plan.flatWindows).every((ms) => ms === null || ms <= plan.quietCompileMs);
  return quiet && recent >= before * (1 - plan.tolerance);
}

export interface PageBackend extends Backend {
  info(): Promise<WorkerInfo>;
  /** Runs the model at batch 1 for maxMs (at least once) and returns each call's time. */
  warm(modelPath: string, maxMs: number): Promise<WarmUp>;
  /**
   * Runs the model at batch 1 in one-second windows until the times flatten (see WarmPlan);
   * `compileCpuMs` reads the CPU ms V8's compile threads have used so far (null where unknown).
   */
  warmUntilSteady(modelPath: string, plan: WarmPlan, compileCpuMs?: () => number | null): Promise<WarmUp>;
  close(): Promise<void>;
}

/**
 * A page whose worker loads `bundle` with `threads` WASM threads. `urlOf` maps a model file on
 * disk to the URL the bench server serves it under. EP "webgpu" is added for the webgpu bundle.
 */
export async function pageBackend(
  browser: Browser,
  origin: string,
  bundle: Bundle,
  threads: number,
  urlOf: (modelPath: string) => string,
): Promise<PageBackend> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${origin}/bench/?bundle=${bundle}&threads=${threads}`);
  await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true);
  const ep = bundle === 'webgpu' ? ['webgpu'] : ['wasm'];
  return {
    label: bundle === 'webgpu' ? 'webgpu' : `${bundle === 'jsep' ? 'jsep' : 'wasm'}${threads}`,
    threads,
    async create(key: string, modelPath: string, options: SessionOptions) {
      const reply = await call(page, {
        op: 'create',
        key,
        url: urlOf(modelPath),
        options: { executionProviders: ep, ...options },
      });
      return { createMs: Number(reply.createMs) };
    },
    async time(key: string, batch: number, budget: TimingBudget): Promise<TimedRuns> {
      const reply = await call(page, { op: 'time', key, batch, ...budget });
      return { times: reply.times as number[] };
    },
    async release(key: string) {
      await call(page, { op: 'release', key });
    },
    async warm(modelPath: string, maxMs: number) {
      await call(page, {
        op: 'create',
        key: 'warm',
        url: urlOf(modelPath),
        options: { executionProviders: ep },
      });
      const reply = await call(page, { op: 'warm', key: 'warm', batch: 1, maxMs });
      await call(page, { op: 'release', key: 'warm' });
      return reply as unknown as WarmUp;
    },
    async warmUntilSteady(modelPath: string, plan: WarmPlan, compileCpuMs = (): number | null => null) {
      await call(page, {
        op: 'create',
        key: 'warm',
        url: urlOf(modelPath),
        options: { executionProviders: ep },
      });
      const times: number[] = [];
      const windows: number[] = [];
      const compileMs: (number | null)[] = [];
      let elapsedMs = 0;
      let steady = false;
      while (elapsedMs < plan.maxMs) {
        const compileBefore = compileCpuMs();
        const reply = (await call(page, {
          op: 'warm',
          key: 'warm',
          batch: 1,
          maxMs: plan.windowMs,
        })) as unknown as WarmUp;
        await new Promise((done) => setTimeout(done, plan.pauseMs));
        const compileAfter = compileCpuMs();
        times.push(...reply.times);
        windows.push(median(reply.times));
        compileMs.push(
          compileBefore === null || compileAfter === null ? null : Math.max(0, compileAfter - compileBefore),
        );
        elapsedMs += reply.elapsedMs + plan.pauseMs;
        if (elapsedMs >= plan.minMs && flattened(windows, compileMs, plan)) {
          steady = true;
          break;
        }
      }
      await call(page, { op: 'release', key: 'warm' });
      return { times, elapsedMs, windows, steady, compileMs };
    },
    async info() {
      return (await call(page, { op: 'info' })) as unknown as WorkerInfo;
    },
    async close() {
      if (errors.length > 0)
        console.warn(`bench page (${bundle}, ${threads} threads) errors: ${errors.join('; ')}`);
      await page.close();
    },
  };
}
