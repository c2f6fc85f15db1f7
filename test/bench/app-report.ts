/** The printed part of the app section: step split, first frame and memory lines. */
import { MEMORY_RUN_STEPS, type AppResults } from './app';
import type { FirstFrame, Memory, StepSplit } from './app-measure';

const ms = (v: number | null): string => (v === null ? 'n/a' : v >= 100 ? v.toFixed(0) : v.toFixed(2));
const mb = (v: number | null): string => (v === null ? 'n/a' : (v / 1048576).toFixed(1));

function firstFrameLine(label: string, f: FirstFrame | { na: string }): string {
  if ('na' in f) return `${label}: n/a (${f.na})`;
  const ready = f.readyMs === null ? '' : `, model ready ${ms(f.readyMs)} ms`;
  return `${label}: first frame ${ms(f.frameMs)} ms, painted ${ms(f.paintMs)} ms after navigation start${ready} [${f.backend ?? 'backend ?'}]`;
}

function stepLine(s: StepSplit | { batch: number; na: string }): string {
  if ('na' in s) return `  b${s.batch}: n/a (${s.na})`;
  return (
    `  b${String(s.batch).padEnd(3)} model ${ms(s.modelMs).padStart(7)}  sampler ${ms(s.samplerMs).padStart(6)}  ` +
    `transfer ${ms(s.transferMs).padStart(6)}  drawing ${ms(s.drawMs).padStart(6)}  ms/step  ` +
    `(non-network ${(100 * s.nonNetworkShare).toFixed(1)} %, ${s.frames} steps)`
  );
}

function memoryLines(model: string | undefined, memory: Memory[] | { na: string }): string[] {
  if ('na' in memory) return [`Memory (${model ?? 'no model'}): n/a (${memory.na})`];
  const count = (v: number | null): string => (v === null ? 'n/a' : String(v));
  const lines = memory.map(
    (m) =>
      `  after ${m.steps} steps: page JS heap ${mb(m.pageHeapBytes)} MB, page+workers ${mb(m.uaTotalBytes)} MB, ` +
      `workers ${mb(m.uaWorkerBytes)} MB, DOM nodes ${count(m.domNodes)}, JS listeners ${count(m.jsEventListeners)}`,
  );
  const growth = (a: number | null, b: number | null): string =>
    a === null || b === null || a === 0 ? 'n/a' : (b / a).toFixed(3);
  const last = memory[memory.length - 1];
  // Against the first checkpoint, and against the middle one: by then the browser has warmed up
  // (optimised code, its performance-timeline buffers full), so what is left is growth per step.
  for (const base of memory.length > 2 ? [memory[0], memory[memory.length - 2]] : [memory[0]]) {
    lines.push(
      `memory ${last.steps}/${base.steps} steps (page+workers) = ${growth(base.uaTotalBytes, last.uaTotalBytes)}`,
      `memory ${last.steps}/${base.steps} steps (page JS heap) = ${growth(base.pageHeapBytes, last.pageHeapBytes)}`,
    );
  }
  return [
    `Memory on ${model} (analytic 2D mixture, batch 16, ${MEMORY_RUN_STEPS}-step runs restarted with Reset; each checkpoint at a run's end):`,
    ...lines,
  ];
}

export function appReport(results: AppResults): string[] {
  if (results.na !== undefined) return ['', `App: n/a (${results.na})`];
  const lines: string[] = [''];
  if (results.models.length === 0)
    lines.push('App step split and first frame: n/a (no image model in the built site)');
  for (const m of results.models) {
    lines.push(`App — ${m.model} (built site, local server, COOP/COEP):`);
    lines.push(
      firstFrameLine('  cold (fresh profile)', m.firstFrameCold),
      firstFrameLine('  cached (same profile)', m.firstFrameCached),
    );
    lines.push('  one step, medians over the later half of a played run:', ...m.steps.map(stepLine));
    for (const s of m.steps)
      if (!('na' in s)) lines.push(`non-network share b${s.batch} = ${s.nonNetworkShare.toFixed(3)}`);
  }
  lines.push('', ...memoryLines(results.memoryModel, results.memory));
  return lines;
}
