/**
 * The browser side of the model-alone section. V8 starts WASM on baseline (Liftoff) code and tiers
 * hot functions up in the background, so each timed page first runs the model for `warmMs` (one
 * page at a time) and the figures are the tiered-up steady state. (--no-liftoff would avoid the
 * wait but optimises all of onnxruntime-web up front: minutes of CPU per page here.) How long the
 * app's users wait for tier-up is measured separately as a curve.
 */
import { launchChromium, pageBackend, type PageBackend, type WarmUp } from './browser';
import { nativeBackend } from './native';
import type { Backends } from './model-alone';
import { median } from './stats';

export interface BrowserSide {
  backends: Backends;
  pages: PageBackend[];
  close(): Promise<void>;
}

export async function browserBackends(
  origin: string,
  urlOf: (path: string) => string,
  model: string,
  warmMs: number,
): Promise<BrowserSide> {
  const browser = await launchChromium();
  const open = (bundle: 'wasm' | 'jsep' | 'webgpu', threads: number): Promise<PageBackend> =>
    pageBackend(browser, origin, bundle, threads, urlOf);
  const wasm = [await open('wasm', 1), await open('wasm', 2)];
  const jsep = [await open('jsep', 1), await open('jsep', 2)];
  const gpu = await open('webgpu', 1);
  const gpuInfo = await gpu.info();
  console.log(`warming each WASM page for ${warmMs / 1000} s (V8 tier-up)…`);
  // One page at a time, so each page's background compiles get the CPUs.
  for (const p of [...wasm, ...jsep]) await p.warm(model, warmMs);
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
  return { backends, pages, close };
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
    `WASM tier-up (stock flags, 1 thread, batch 1): first call ${w.times[0].toFixed(0)} ms, ` +
    `calls 2–6 median ${median(firstSecond).toFixed(1)} ms, last 5 median ${median(w.times.slice(-5)).toFixed(1)} ms ` +
    `after ${(w.elapsedMs / 1000).toFixed(0)} s (${w.times.length} calls)`
  );
}
