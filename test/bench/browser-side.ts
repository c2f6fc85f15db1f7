/**
 * The browser side of the model-alone section. Timed pages run with V8's baseline WASM compiler
 * off (--no-liftoff): every function is optimised before the first call, so the figures are the
 * steady state and do not depend on when V8 gets round to tiering up under load. How long the
 * app's users wait for that tier-up is measured separately, on a browser with stock flags.
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
): Promise<BrowserSide> {
  const browser = await launchChromium(['--js-flags=--no-liftoff']);
  const open = (bundle: 'wasm' | 'jsep' | 'webgpu', threads: number): Promise<PageBackend> =>
    pageBackend(browser, origin, bundle, threads, urlOf);
  const wasm = [await open('wasm', 1), await open('wasm', 2)];
  const jsep = [await open('jsep', 1), await open('jsep', 2)];
  const gpu = await open('webgpu', 1);
  const gpuInfo = await gpu.info();
  console.log('compiling onnxruntime-web (optimising compiler only) in each page…');
  // One page at a time: four optimising compiles of the 14–28 MB modules at once starve a 2-core machine.
  for (const p of [...wasm, ...jsep]) await p.warm(model, 0);
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
