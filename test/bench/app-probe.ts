/** Reading what page/app-probe.js recorded in the app page, and the page's main-thread time. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright';

export interface ProbedFrame {
  i: number;
  runId: number;
  batch: number;
  done: boolean;
  modelMs?: number;
  otherMs?: number;
  postedAt: number | null;
  arrivedAt: number;
}

export interface ProbeRecord {
  frames: ProbedFrame[];
  acks: { i: number; at: number }[];
  events: ({ type: string; at: number } & Record<string, unknown>)[];
  firstFrameAt: number | null;
  firstPaintAt: number | null;
  timeOrigin: number;
}

export async function addProbe(context: BrowserContext, root: string): Promise<void> {
  await context.addInitScript({
    content: readFileSync(join(root, 'test', 'bench', 'page', 'app-probe.js'), 'utf8'),
  });
}

export async function readProbe(page: Page): Promise<ProbeRecord> {
  return page.evaluate(() => {
    const probe = (window as unknown as { __bench: Omit<ProbeRecord, 'timeOrigin'> }).__bench;
    return { ...probe, timeOrigin: performance.timeOrigin };
  });
}

/** Frames recorded so far (cheap to poll). */
export async function frameCount(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __bench: { frames: unknown[] } }).__bench.frames.length);
}

/** Cumulative main-thread busy time of the page's renderer (CDP Performance.TaskDuration), in ms. */
export async function mainThreadMs(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
}

/** The first error event the engine sent, if any (its message says what went wrong). */
export function engineError(record: ProbeRecord): string | null {
  const error = record.events.find((e) => e.type === 'error');
  return error ? String(error.message) : null;
}
