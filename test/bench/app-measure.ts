/**
 * The app measurements on one page of the built site: page load → first frame, one step split into
 * model / sampler / transfer / drawing, and memory after N steps. The page is driven like a user
 * would (URL hash settings, the Play / Pause / Reset buttons); page/app-probe.js records events.
 */
import type { BrowserContext, Page } from 'playwright';
import { engineError, frameCount, mainThreadMs, readProbe, type ProbedFrame } from './app-probe';
import { median } from './stats';

export interface FirstFrame {
  /** Navigation start → first frame event on the page, and → the paint after it (ms). */
  frameMs: number;
  paintMs: number;
  /** Navigation start → the engine's "ready" (model loaded and checked). */
  readyMs: number | null;
  backend: string | null;
}

export interface StepSplit {
  batch: number;
  frames: number;
  modelMs: number;
  samplerMs: number;
  transferMs: number | null;
  /** Page main-thread busy time per frame (event handling, React, canvas drawing, layout). */
  drawMs: number;
  /** Share of a step that is not the network: (sampler + transfer + drawing) / total. */
  nonNetworkShare: number;
}

export interface Memory {
  steps: number;
  pageHeapBytes: number | null;
  /** performance.measureUserAgentSpecificMemory(): whole page incl. its workers, and the workers alone. */
  uaTotalBytes: number | null;
  uaWorkerBytes: number | null;
  /** The page's DOM nodes and JS event listeners (CDP Memory.getDOMCounters): a leak shows here first. */
  domNodes: number | null;
  jsEventListeners: number | null;
}

export const appUrl = (origin: string, settings: Record<string, string | number>): string =>
  `${origin}/#${Object.entries(settings)
    .map(([k, v]) => `${k}=${v}`)
    .join('&')}`;

/** Opens `url` freshly (via about:blank, so a hash-only change still reloads) and waits for the first paint. */
export async function openAndWaitFirstFrame(page: Page, url: string, timeoutMs: number): Promise<FirstFrame> {
  // 'commit': the clock is the page's own navigation start; waiting for "load" adds nothing here.
  await page.goto('about:blank', { waitUntil: 'commit', timeout: timeoutMs });
  await page.goto(url, { waitUntil: 'commit', timeout: timeoutMs });
  try {
    await page.waitForFunction(
      () =>
        ((window as unknown as { __bench?: { firstPaintAt: number | null } }).__bench?.firstPaintAt ??
          null) !== null,
      null,
      { timeout: timeoutMs, polling: 100 },
    );
  } catch {
    const record = await readProbe(page);
    throw new Error(engineError(record) ?? `no frame within ${timeoutMs / 1000} s of loading ${url}`);
  }
  const r = await readProbe(page);
  const ready = r.events.find((e) => e.type === 'ready');
  const backend = r.events.find((e) => e.type === 'backend');
  return {
    frameMs: (r.firstFrameAt as number) - r.timeOrigin,
    paintMs: (r.firstPaintAt as number) - r.timeOrigin,
    readyMs: ready ? ready.at - r.timeOrigin : null,
    backend: backend ? `${String(backend.ep)} ${String(backend.threads)} thread(s)` : null,
  };
}

const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

/** Plays until `minFrames` steps and `minMs` have passed (or `maxMs`), then pauses; splits the later half. */
export async function measureStepSplit(
  page: Page,
  context: BrowserContext,
  batch: number,
  limits: { minFrames: number; minMs: number; maxMs: number },
): Promise<StepSplit> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const before = await frameCount(page);
  const busy0 = await mainThreadMs(cdp);
  const start = Date.now();
  await button(page, 'Play').click();
  for (;;) {
    await page.waitForTimeout(250);
    const n = (await frameCount(page)) - before;
    const elapsed = Date.now() - start;
    if (elapsed > limits.maxMs || (n >= limits.minFrames && elapsed >= limits.minMs)) break;
  }
  const busy1 = await mainThreadMs(cdp);
  await button(page, 'Pause').click();
  const record = await readProbe(page);
  const played = record.frames.slice(before).filter((f) => f.i > 0 && f.modelMs !== undefined);
  if (played.length === 0) throw new Error(engineError(record) ?? 'no step was played');
  const later = played.slice(Math.floor(played.length / 2));
  return splitOf(batch, later, (busy1 - busy0) / played.length);
}

function splitOf(batch: number, frames: readonly ProbedFrame[], drawMs: number): StepSplit {
  const modelMs = median(frames.map((f) => f.modelMs ?? 0));
  const samplerMs = median(frames.map((f) => f.otherMs ?? 0));
  const stamped = frames.filter((f) => f.postedAt !== null);
  const transferMs =
    stamped.length > 0 ? median(stamped.map((f) => f.arrivedAt - (f.postedAt as number))) : null;
  const rest = samplerMs + (transferMs ?? 0) + drawMs;
  return {
    batch,
    frames: frames.length,
    modelMs,
    samplerMs,
    transferMs,
    drawMs,
    nonNetworkShare: rest / (modelMs + rest),
  };
}

/** Page heap and measureUserAgentSpecificMemory (page + workers), after a forced GC where exposed. */
export async function measureMemory(page: Page, steps: number): Promise<Memory> {
  const figures = await page.evaluate(async () => {
    const w = window as unknown as { gc?: () => void };
    w.gc?.();
    const perf = performance as unknown as {
      memory?: { usedJSHeapSize: number };
      measureUserAgentSpecificMemory?: () => Promise<{
        bytes: number;
        breakdown: { bytes: number; attribution: { scope: string }[] }[];
      }>;
    };
    let ua: { total: number; workers: number } | null = null;
    if (perf.measureUserAgentSpecificMemory && crossOriginIsolated) {
      const timeout = new Promise<null>((done) => setTimeout(() => done(null), 30_000));
      const m = await Promise.race([perf.measureUserAgentSpecificMemory(), timeout]);
      if (m) {
        const workers = m.breakdown.filter((b) =>
          b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope'),
        );
        ua = { total: m.bytes, workers: workers.reduce((s, b) => s + b.bytes, 0) };
      }
    }
    return { heap: perf.memory?.usedJSHeapSize ?? null, ua };
  });
  const dom = await domCounters(page);
  return {
    steps,
    pageHeapBytes: figures.heap,
    uaTotalBytes: figures.ua?.total ?? null,
    uaWorkerBytes: figures.ua?.workers ?? null,
    domNodes: dom?.nodes ?? null,
    jsEventListeners: dom?.jsEventListeners ?? null,
  };
}

async function domCounters(page: Page): Promise<{ nodes: number; jsEventListeners: number } | null> {
  try {
    const cdp = await page.context().newCDPSession(page);
    const counters = (await cdp.send('Memory.getDOMCounters')) as { nodes: number; jsEventListeners: number };
    await cdp.detach();
    return counters;
  } catch {
    return null;
  }
}

/**
 * Steps played since the probe started (frames after step 0, over every run). The probe's records
 * are drained as they are counted (all but the last frame, which lastFrameDone reads), so over a
 * 10,000-step run the bench's own bookkeeping does not grow the page's memory it measures.
 */
async function stepsPlayed(page: Page): Promise<number> {
  return page.evaluate(() => {
    const probe = (
      window as unknown as { __bench: { frames: { i: number }[]; acks: unknown[]; drainedSteps?: number } }
    ).__bench;
    const older = probe.frames.splice(0, Math.max(0, probe.frames.length - 1));
    probe.acks.length = 0;
    probe.drainedSteps = (probe.drainedSteps ?? 0) + older.filter((f) => f.i > 0).length;
    return probe.drainedSteps + probe.frames.filter((f) => f.i > 0).length;
  });
}

async function lastFrameDone(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const frames = (window as unknown as { __bench: { frames: { done: boolean }[] } }).__bench.frames;
    return frames.length > 0 && frames[frames.length - 1].done;
  });
}

/**
 * Plays (Reset + Play at each end of trajectory) until `target` steps; pauses at each checkpoint to
 * measure. With `atRunEnd`, a checkpoint waits for the run it falls in to finish, so every
 * measurement sees the same run state (a finished run: its whole frame log and snapshots).
 */
export async function playAndMeasureMemory(
  page: Page,
  checkpoints: readonly number[],
  maxMs: number,
  atRunEnd = false,
): Promise<Memory[]> {
  const out: Memory[] = [];
  const start = Date.now();
  await button(page, 'Play').click();
  for (const target of checkpoints) {
    for (;;) {
      await page.waitForTimeout(200);
      const played = await stepsPlayed(page);
      const done = await lastFrameDone(page);
      if (played >= target && (!atRunEnd || done)) break;
      if (Date.now() - start > maxMs)
        throw new Error(`only ${played} of ${target} steps in ${maxMs / 1000} s`);
      if (done) {
        await button(page, 'Reset').click();
        await page.waitForTimeout(50);
        await button(page, 'Play').click();
      }
    }
    // A finished run has paused itself (and its Pause button is disabled).
    if (!(await lastFrameDone(page)))
      await button(page, 'Pause')
        .click()
        .catch(() => undefined);
    out.push(await measureMemory(page, await stepsPlayed(page)));
    // Play resumes a paused run and starts a finished one afresh.
    if (target !== checkpoints[checkpoints.length - 1])
      await button(page, 'Play')
        .click()
        .catch(() => undefined);
  }
  return out;
}
