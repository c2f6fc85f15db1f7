/**
 * `npx tsx test/bench/app-profile.ts OUTDIR [--no-build] [--seconds=N] [--speed=S] [--scenarios=mnist:1,ring8:16]
 * [--flags=bench|unlimited|none|'FLAGS'] [--no-trace] [--no-profile]`:
 * where the app page's main-thread time per frame goes. Builds the site unminified (function names
 * survive) into OUTDIR/site, opens each scenario in the bench's Chromium (same flags as the app
 * bench), plays for N seconds at the top speed and prints: steps/s, main-thread busy ms per frame
 * (CDP Performance.TaskDuration, as the bench's "drawing"), the trace's top-level main-thread
 * events by kind (script, style/layout, paint, GC), and the JS functions with the most self time
 * (CDP Profiler). Also the worker's idle time per step (from the probe's post and ack times).
 * A diagnostic, not a test.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './browser';
import { addProbe, frameCount, mainThreadMs, readProbe } from './app-probe';
import { appUrl, openAndWaitFirstFrame, playAndMeasureMemory } from './app-measure';
import { startBenchServer } from './server';
import { median, quantile } from './stats';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface TraceEvent {
  name: string;
  ph: string;
  dur?: number;
  tid: number;
  pid: number;
  ts: number;
  args?: { name?: string; data?: Record<string, unknown> };
}

function topSelf(nodes: ProfileNode[], samples: number[], intervalMs: number, n: number): string[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  for (const id of samples) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.split('/').pop() ?? '';
    const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + intervalMs);
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${v.toFixed(0).padStart(7)} ms  ${k}`);
}

/** Top-level complete events on the renderer main thread, summed by name. */
function traceSummary(events: TraceEvent[], frames: number): string[] {
  const threadName = new Map<string, string>();
  for (const e of events)
    if (e.ph === 'M' && e.name === 'thread_name') threadName.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
  const mains = [...threadName.entries()].filter(([, name]) => name === 'CrRendererMain').map(([k]) => k);
  const lines: string[] = [];
  for (const main of mains) {
    const own = events
      .filter((e) => `${e.pid}:${e.tid}` === main && e.ph === 'X' && e.dur !== undefined)
      .sort((a, b) => a.ts - b.ts);
    const sums = new Map<string, number>();
    const depthEnd: number[] = [];
    for (const e of own) {
      while (depthEnd.length > 0 && depthEnd[depthEnd.length - 1] <= e.ts) depthEnd.pop();
      const key = depthEnd.length === 0 ? `[top] ${e.name}` : depthEnd.length === 1 ? `  ${e.name}` : null;
      if (key !== null) sums.set(key, (sums.get(key) ?? 0) + (e.dur as number) / 1000);
      depthEnd.push(e.ts + (e.dur as number));
    }
    const total = [...sums.entries()].filter(([k]) => k.startsWith('[top]')).reduce((a, [, b]) => a + b, 0);
    if (total < 1) continue;
    lines.push(`  renderer main ${main}: ${(total / frames).toFixed(2)} ms/frame inside tasks, by kind:`);
    for (const [name, ms] of [...sums.entries()].sort((a, b) => b[1] - a[1]).slice(0, 24))
      lines.push(`    ${(ms / frames).toFixed(3).padStart(8)} ms/frame  ${name}`);
  }
  return lines;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const outDir = resolve(argv.find((a) => !a.startsWith('--')) ?? 'out/profile');
  const value = (name: string): string | undefined =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const seconds = Number(value('seconds') ?? 10);
  const speed = Number(value('speed') ?? 120);
  const withTrace = !argv.includes('--no-trace');
  const withProfile = !argv.includes('--no-profile');
  const scenarios = (value('scenarios') ?? 'mnist:1,mnist:16,ring8:16').split(',').map((s) => {
    const [model, batch] = s.split(':');
    return { model, batch: Number(batch) };
  });
  const siteDir = join(outDir, 'site');
  mkdirSync(outDir, { recursive: true });
  if (!argv.includes('--no-build')) {
    console.log('building (unminified) into', siteDir);
    execFileSync(
      'npx',
      ['vite', 'build', '--outDir', siteDir, '--emptyOutDir', '--minify', 'false', '--logLevel', 'error'],
      { cwd: root, stdio: 'inherit' },
    );
  }
  const server = await startBenchServer([{ prefix: '/', dir: siteDir }], 'etag');
  // 'bench': the app bench's flags (app.ts); 'unlimited': the frame-rate flags it used to add.
  const benchFlags = ['--enable-blink-features=ForceEagerMeasureMemory', '--js-flags=--expose-gc'];
  const flagsValue = value('flags') ?? 'bench';
  const flags =
    flagsValue === 'bench'
      ? benchFlags
      : flagsValue === 'unlimited'
        ? ['--disable-frame-rate-limit', '--disable-gpu-vsync', ...benchFlags]
        : flagsValue === 'none'
          ? []
          : flagsValue.split(' ').filter((f) => f.length > 0);
  console.log('extra Chromium flags:', flags.join(' ') || '(none)');
  const browser = await launchChromium(flags, false);
  const report: string[] = [];
  try {
    if (argv.includes('--memory')) {
      // The app bench's memory run (app.ts), with the figures printed as they come.
      const context = await browser.newContext();
      await addProbe(context, root);
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await openAndWaitFirstFrame(
        page,
        appUrl(server.origin, { model: 'ring8', batch: 16, steps: Number(value('steps') ?? 100), speed }),
        60_000,
      );
      const t0 = Date.now();
      const checkpoints = (value('checkpoints') ?? '100,10000').split(',').map(Number);
      const memory = [];
      const cdp = await context.newCDPSession(page);
      for (const checkpoint of checkpoints) {
        memory.push(...(await playAndMeasureMemory(page, [checkpoint], 300_000, true)));
        const dom = await cdp.send('Memory.getDOMCounters');
        console.log(`  at ${checkpoint}: DOM counters ${JSON.stringify(dom)}`);
        if (argv.includes('--heap-snapshots')) {
          const chunks: string[] = [];
          const onChunk = (e: { chunk: string }): void => void chunks.push(e.chunk);
          cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
          await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
          cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
          writeFileSync(join(outDir, `heap-${checkpoint}.heapsnapshot`), chunks.join(''));
        }
      }
      const line = `memory run: ${((Date.now() - t0) / 1000).toFixed(1)} s; ${JSON.stringify(memory)}`;
      console.log(line);
      report.push(line);
      await context.close();
    }
    for (const { model, batch } of argv.includes('--memory') ? [] : scenarios) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await addProbe(context, root);
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      await openAndWaitFirstFrame(page, appUrl(server.origin, { model, batch, steps: 1000, speed }), 120_000);
      // A short play first so the site's code is warm, then back to a fresh run.
      await page.getByRole('button', { name: 'Play', exact: true }).click();
      await page.waitForTimeout(2000);
      await page.getByRole('button', { name: 'Pause', exact: true }).click();
      await page.getByRole('button', { name: 'Reset', exact: true }).click();
      await page.waitForTimeout(500);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      if (withProfile) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
        await cdp.send('Profiler.start');
      }
      if (withTrace)
        await browser.startTracing(page, {
          path: join(outDir, `trace-${model}-b${batch}.json`),
          categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute'],
        });
      const before = await frameCount(page);
      const busy0 = await mainThreadMs(cdp);
      const t0 = Date.now();
      await page.getByRole('button', { name: 'Play', exact: true }).click();
      await page.waitForTimeout(seconds * 1000);
      const busy1 = await mainThreadMs(cdp);
      const elapsed = Date.now() - t0;
      const frames = (await frameCount(page)) - before;
      // (A run that reached its end has paused itself.)
      await page
        .getByRole('button', { name: 'Pause', exact: true })
        .click({ timeout: 2000 })
        .catch(() => undefined);
      const trace = withTrace ? await browser.stopTracing() : null;
      const profile = withProfile
        ? ((await cdp.send('Profiler.stop')) as unknown as {
            profile: { nodes: ProfileNode[]; samples: number[]; startTime: number; endTime: number };
          })
        : null;
      const record = await readProbe(page);
      writeFileSync(join(outDir, `probe-${model}-b${batch}.json`), JSON.stringify(record));
      const played = record.frames.slice(before).filter((f) => f.i > 0);
      // Worker side: time from the ack that let a step go to the next frame's post.
      const acks = record.acks.map((a) => a.at);
      const gaps: number[] = [];
      const posted = played.filter((f) => f.postedAt !== null);
      for (let k = 1; k < posted.length; k++)
        gaps.push((posted[k].postedAt as number) - (posted[k - 1].postedAt as number));
      const deliver: number[] = posted.map((f) => f.arrivedAt - (f.postedAt as number));
      const ackLag: number[] = [];
      for (const f of posted) {
        const ack = record.acks.find((a) => a.i === f.i && a.at >= f.arrivedAt);
        if (ack) ackLag.push(ack.at - f.arrivedAt);
      }
      const lines = [
        `${model} b${batch} speed ${speed}: ${frames} frames in ${(elapsed / 1000).toFixed(1)} s = ${((1000 * frames) / elapsed).toFixed(1)} steps/s; ` +
          `main-thread busy ${((busy1 - busy0) / Math.max(1, frames)).toFixed(2)} ms/frame`,
        `  post→post median ${gaps.length ? median(gaps).toFixed(2) : 'n/a'} ms, post→arrive ${deliver.length ? median(deliver).toFixed(2) : 'n/a'} ms, ` +
          `arrive→ack ${ackLag.length ? median(ackLag).toFixed(2) : 'n/a'} ms, model ${median(played.map((f) => f.modelMs ?? 0)).toFixed(2)} ms, ` +
          `other ${median(played.map((f) => f.otherMs ?? 0)).toFixed(2)} ms, acks ${acks.length}`,
      ];
      if (trace && trace.length < 400e6) {
        const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] };
        lines.push(...traceSummary(parsed.traceEvents, Math.max(1, frames)));
      }
      if (profile) {
        const { nodes, samples, startTime, endTime } = profile.profile;
        const intervalMs = (endTime - startTime) / 1000 / Math.max(1, samples.length);
        writeFileSync(join(outDir, `profile-${model}-b${batch}.cpuprofile`), JSON.stringify(profile.profile));
        lines.push(`  JS self time over the run (${frames} frames):`);
        lines.push(...topSelf(nodes, samples, intervalMs, 25).map((l) => `   ${l}`));
      }
      const q = (v: number[]): string =>
        v.length === 0 ? 'n/a' : [0.1, 0.5, 0.9, 0.99].map((p) => quantile(v, p).toFixed(1)).join('/');
      lines.push(`  quantiles 10/50/90/99 %: post→post ${q(gaps)}, arrive→ack ${q(ackLag)} ms`);
      console.log(lines.join('\n'));
      report.push(...lines, '');
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  writeFileSync(join(outDir, 'profile.txt'), report.join('\n'));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
