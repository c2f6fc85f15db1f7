/**
 * The browser side of the model-alone section: one browser backend alive at a time. Each
 * (bundle, threads) gets its own fresh Chromium with one page, is warmed until V8 has tiered its
 * WASM code up, is timed (against native, then its session variants) and is closed before the next
 * one starts, so no other page's background compiles or thread pool share the two cores with it.
 *
 * Warming: V8 starts WASM on baseline (Liftoff) code and tiers hot functions up in the background;
 * that takes 2 s on an idle machine and half a minute or more under load, so a fixed warm-up time
 * either wastes time or times baseline code. Each page runs batch 1 in one-second windows until the
 * times stop improving (config.ts warmPlan). (--no-liftoff would avoid the wait but optimises all of
 * onnxruntime-web up front: minutes of CPU per page here.) How long the app's users wait for
 * tier-up is measured separately as a curve.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { launchChromium, pageBackend, type PageBackend, type WarmUp, type WorkerInfo } from './browser';
import type { WarmPlan } from './config';
import { median } from './stats';

/** /proc/PID/stat fields after the command name: ppid is [1], utime [11], stime [12] (clock ticks). */
function statFields(path: string): { comm: string; fields: string[] } {
  const raw = readFileSync(path, 'utf8');
  const close = raw.lastIndexOf(')');
  return { comm: raw.slice(raw.indexOf('(') + 1, close), fields: raw.slice(close + 2).split(' ') };
}

/**
 * CPU ms used so far by the ThreadPool threads (where V8 runs its background WASM compiles) of the
 * Chromium renderers this process started, from /proc (clock ticks of 10 ms); null where /proc
 * cannot be read (not Linux). One browser is open at a time while pages warm, so these are its.
 */
export function rendererCompileCpuMs(): number | null {
  try {
    const parent = new Map<number, number>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        parent.set(Number(name), Number(statFields(`/proc/${name}/stat`).fields[1]));
      } catch {
        // gone since listed
      }
    }
    const mine = (pid: number): boolean => {
      for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p))
        if (p === process.pid) return true;
      return false;
    };
    let ticks = 0;
    for (const pid of parent.keys()) {
      if (pid === process.pid || !mine(pid)) continue;
      try {
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
        for (const tid of readdirSync(`/proc/${pid}/task`)) {
          const { comm, fields } = statFields(`/proc/${pid}/task/${tid}/stat`);
          if (comm.startsWith('ThreadPool')) ticks += Number(fields[11]) + Number(fields[12]);
        }
      } catch {
        // gone since listed
      }
    }
    return ticks * 10;
  } catch {
    return null;
  }
}

export type PageBundle = 'wasm' | 'jsep' | 'webgpu';

/** The WASM backends, in the order they are timed: the app's build first. */
export const wasmPages: readonly { bundle: 'wasm' | 'jsep'; threads: number }[] = [
  { bundle: 'wasm', threads: 1 },
  { bundle: 'wasm', threads: 2 },
  { bundle: 'jsep', threads: 1 },
  { bundle: 'jsep', threads: 2 },
];

export interface OpenPage {
  backend: PageBackend;
  info: WorkerInfo;
  /** The warm-up (null for the WebGPU page, which is not warmed). */
  warm: WarmUp | null;
}

/** Opens pages, each in a browser of its own, and remembers what each worker said about itself. */
export interface BrowserSide {
  /**
   * Launches Chromium with one page for (bundle, threads), warms it on `model` until steady (WASM pages), runs
   * `body` and closes the browser whatever happens.
   */
  withPage<T>(
    bundle: PageBundle,
    threads: number,
    model: string,
    body: (page: OpenPage) => Promise<T>,
  ): Promise<T>;
  /** Every page's worker info so far, for the report. */
  workers(): WorkerInfo[];
  /** Every WASM page's warm-up so far (label, e.g. "wasm1", and the warm-up), for the report. */
  warmUps(): { label: string; model: string; warm: WarmUp }[];
}

export function browserSide(origin: string, urlOf: (path: string) => string, plan: WarmPlan): BrowserSide {
  const seen: WorkerInfo[] = [];
  const warmed: { label: string; model: string; warm: WarmUp }[] = [];
  return {
    async withPage(bundle, threads, model, body) {
      const browser = await launchChromium();
      try {
        const backend = await pageBackend(browser, origin, bundle, threads, urlOf);
        try {
          const info = await backend.info();
          seen.push(info);
          let warm: WarmUp | null = null;
          if (bundle !== 'webgpu') {
            warm = await backend.warmUntilSteady(model, plan, rendererCompileCpuMs);
            warmed.push({ label: backend.label, model, warm });
            console.log(`  ${backend.label.padEnd(8)} ${warmLine(warm)}`);
          }
          return await body({ backend, info, warm });
        } finally {
          await backend.close();
        }
      } finally {
        await browser.close();
      }
    },
    workers: () => [...seen],
    warmUps: () => [...warmed],
  };
}

/** "warmed 12 s (10 windows, steady): batch-1 window median 41.0 → 8.6 ms; compile CPU 420 → 0 ms/window" */
export function warmLine(w: WarmUp): string {
  const windows = w.windows ?? [];
  const first = windows[0] ?? w.times[0];
  const last = windows[windows.length - 1] ?? w.times[w.times.length - 1];
  const compile = (w.compileMs ?? []).filter((ms): ms is number => ms !== null);
  const compileText =
    compile.length > 0
      ? `; V8 compile-thread CPU ${compile[0].toFixed(0)} → ${compile[compile.length - 1].toFixed(0)} ms/window`
      : '';
  return (
    `warmed ${(w.elapsedMs / 1000).toFixed(0)} s (${windows.length} windows, ` +
    `${w.steady === false ? 'NOT steady at the cap' : 'steady'}): batch-1 window median ` +
    `${first.toFixed(1)} → ${last.toFixed(1)} ms${compileText}`
  );
}

/** Batch-1 call times on stock Chromium flags over `ms`: baseline code first, then tiered up. */
export async function tierUpCurve(
  origin: string,
  urlOf: (path: string) => string,
  model: string,
  ms: number,
): Promise<WarmUp> {
  const browser = await launchChromium();
  try {
    const page = await pageBackend(browser, origin, 'wasm', 1, urlOf);
    return await page.warm(model, ms);
  } finally {
    await browser.close();
  }
}

export function tierUpLine(w: WarmUp): string {
  const firstSecond = w.times.slice(1, 6);
  return (
    `WASM tier-up (stock flags, 1 thread, batch 1, a page alone): first call ${w.times[0].toFixed(0)} ms, ` +
    `calls 2–6 median ${median(firstSecond).toFixed(1)} ms, last 5 median ${median(w.times.slice(-5)).toFixed(1)} ms ` +
    `after ${(w.elapsedMs / 1000).toFixed(0)} s (${w.times.length} calls)`
  );
}
