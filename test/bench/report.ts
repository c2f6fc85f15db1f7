/** The printed report: one table per section and one line per ratio. */
import type { Cell } from './model-alone';

const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

function cellText(cell: Cell | undefined): string {
  if (cell === undefined) return '—';
  if (cell.summary === undefined) return 'n/a';
  return fmt(cell.summary.medianMs);
}

/** Model-alone table: one row per backend × variant, one column per batch (median ms per call). */
export function modelAloneTable(cells: readonly Cell[], batches: readonly number[]): string[] {
  const rows = new Map<string, Cell[]>();
  for (const cell of cells) {
    const key = `${cell.backend}\t${cell.variant}`;
    rows.set(key, [...(rows.get(key) ?? []), cell]);
  }
  const header = ['backend', 'variant', ...batches.map((b) => `b${b} ms`), 'note'];
  const lines = [header];
  for (const [key, row] of rows) {
    const [backend, variant] = key.split('\t');
    const na = row.find((c) => c.na !== undefined)?.na ?? '';
    lines.push([
      backend,
      variant,
      ...batches.map((b) => cellText(row.find((c) => c.batch === b))),
      na ? `n/a (${na})` : '',
    ]);
  }
  const widths = header.map((_, i) =>
    Math.max(...lines.map((l) => (i === header.length - 1 ? 0 : l[i].length))),
  );
  return lines.map((l) =>
    l
      .map((v, i) => (i < 2 ? v.padEnd(widths[i]) : i === l.length - 1 ? v : v.padStart(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

export interface Ratio {
  name: string;
  value: number;
}

function medianOf(cells: readonly Cell[], backend: string, variant: string, batch: number): number | null {
  return (
    cells.find((c) => c.backend === backend && c.variant === variant && c.batch === batch)?.summary
      ?.medianMs ?? null
  );
}

/** Speed ratio a/b = time(b) / time(a): above 1 means a is faster. */
function ratio(
  cells: readonly Cell[],
  a: [string, string],
  b: [string, string],
  batch: number,
): Ratio | null {
  const ta = medianOf(cells, a[0], a[1], batch);
  const tb = medianOf(cells, b[0], b[1], batch);
  if (ta === null || tb === null) return null;
  const name = (x: [string, string]): string => (x[1] === 'default' ? x[0] : `${x[0]}[${x[1]}]`);
  return { name: `${name(a)}/${name(b)} b${batch}`, value: tb / ta };
}

/** The ratios the issue asks about, plus each variant against stock options. */
export function modelAloneRatios(cells: readonly Cell[], batches: readonly number[]): Ratio[] {
  const out: (Ratio | null)[] = [];
  const d = (backend: string): [string, string] => [backend, 'default'];
  for (const batch of batches) {
    // WASM vs native on the plain build (the app's WASM path) and on the JSEP build (what it used
    // before), then the plain build against the JSEP one.
    for (const n of [1, 2]) {
      out.push(ratio(cells, d(`wasm${n}`), d(`native${n}`), batch));
      out.push(ratio(cells, d(`jsep${n}`), d(`native${n}`), batch));
    }
    out.push(ratio(cells, d('wasm1'), d('jsep1'), batch), ratio(cells, d('wasm2'), d('jsep2'), batch));
    out.push(ratio(cells, d('wasm2'), d('wasm1'), batch), ratio(cells, d('native2'), d('native1'), batch));
    out.push(ratio(cells, d('webgpu'), d('wasm2'), batch));
  }
  const variantsSeen = [...new Set(cells.map((c) => c.variant))].filter((v) => v !== 'default');
  for (const backend of ['wasm1', 'wasm2', 'native1', 'native2']) {
    for (const variant of variantsSeen) {
      for (const batch of batches) out.push(ratio(cells, [backend, variant], d(backend), batch));
    }
  }
  for (const threads of [1, 2]) {
    for (const batch of batches) {
      const best = bestWasm(cells, threads, batch);
      if (best !== null && best !== 'default')
        out.push(ratio(cells, [`wasm${threads}`, best], d(`native${threads}`), batch));
    }
  }
  return out.filter((r): r is Ratio => r !== null);
}

/** The fastest WASM variant at this thread count and batch (by median). */
export function bestWasm(cells: readonly Cell[], threads: number, batch: number): string | null {
  const timed = cells.filter(
    (c) => c.backend === `wasm${threads}` && c.batch === batch && c.summary !== undefined,
  );
  if (timed.length === 0) return null;
  return timed.reduce((a, b) =>
    (a.summary?.medianMs ?? Infinity) <= (b.summary?.medianMs ?? Infinity) ? a : b,
  ).variant;
}

export const ratioLine = (r: Ratio): string => `${r.name} = ${r.value.toFixed(2)}`;
