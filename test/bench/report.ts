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
  /** How it was measured: paired rounds, or medians taken at different times. */
  note?: string;
}

function cellOf(cells: readonly Cell[], backend: string, variant: string, batch: number): Cell | undefined {
  return cells.find((c) => c.backend === backend && c.variant === variant && c.batch === batch);
}

function medianOf(cells: readonly Cell[], backend: string, variant: string, batch: number): number | null {
  return cellOf(cells, backend, variant, batch)?.summary?.medianMs ?? null;
}

const loadNote = (cell: Cell | undefined): string =>
  cell?.load ? `, load ${cell.load.map((l) => l.toFixed(1)).join(' ')}` : '';

/** Speed ratio a/b = time(b) / time(a) from each cell's median (taken at different times). */
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
  return { name: `${name(a)}/${name(b)} b${batch}`, value: tb / ta, note: 'medians, not paired' };
}

/** The paired ratio a cell carries (against native, or against its backend's stock options). */
function paired(cells: readonly Cell[], backend: string, variant: string, batch: number): Ratio | null {
  const cell = cellOf(cells, backend, variant, batch);
  const p = cell?.paired;
  if (p === undefined) return null;
  const against = variant === 'default' ? p.against : backend;
  const name = variant === 'default' ? backend : `${backend}[${variant}]`;
  const spread = `${Math.min(...p.rounds).toFixed(2)}–${Math.max(...p.rounds).toFixed(2)}`;
  return {
    name: `${name}/${against} b${batch}`,
    value: p.ratio,
    note: `paired, ${p.rounds.length} rounds ${spread}${loadNote(cell)}`,
  };
}

/** a/c from a/b and c/b measured in pairs against the same b (native at that thread count). */
function viaNative(x: Ratio | null, y: Ratio | null, name: string): Ratio | null {
  if (x === null || y === null) return null;
  return { name, value: x.value / y.value, note: 'quotient of the two paired ratios against native' };
}

/** The ratios the issue asks about, plus each variant against stock options. */
export function modelAloneRatios(cells: readonly Cell[], batches: readonly number[]): Ratio[] {
  const out: (Ratio | null)[] = [];
  for (const batch of batches) {
    // WASM vs native on the plain build (the app's WASM path) and on the JSEP build (what it used
    // before), then the plain build against the JSEP one.
    for (const n of [1, 2]) {
      out.push(
        paired(cells, `wasm${n}`, 'default', batch) ??
          ratio(cells, [`wasm${n}`, 'default'], [`native${n}`, 'default'], batch),
      );
      out.push(
        paired(cells, `jsep${n}`, 'default', batch) ??
          ratio(cells, [`jsep${n}`, 'default'], [`native${n}`, 'default'], batch),
      );
    }
    for (const n of [1, 2]) {
      out.push(
        viaNative(
          paired(cells, `wasm${n}`, 'default', batch),
          paired(cells, `jsep${n}`, 'default', batch),
          `wasm${n}/jsep${n} b${batch}`,
        ) ?? ratio(cells, [`wasm${n}`, 'default'], [`jsep${n}`, 'default'], batch),
      );
    }
    for (const n of [1, 2]) {
      const again = cellOf(cells, `wasm${n}`, 'default', batch)?.recheck;
      if (again !== undefined)
        out.push({
          name: `wasm${n}/native${n} b${batch} again after the sweep`,
          value: again.ratio,
          note: `paired, ${again.rounds.length} rounds ${Math.min(...again.rounds).toFixed(2)}–${Math.max(...again.rounds).toFixed(2)}`,
        });
    }
    const d = (backend: string): [string, string] => [backend, 'default'];
    out.push(ratio(cells, d('wasm2'), d('wasm1'), batch), ratio(cells, d('native2'), d('native1'), batch));
    out.push(ratio(cells, d('webgpu'), d('wasm2'), batch));
  }
  const variantsSeen = [...new Set(cells.map((c) => c.variant))].filter((v) => v !== 'default');
  for (const backend of ['wasm1', 'wasm2', 'native1', 'native2']) {
    for (const variant of variantsSeen) {
      for (const batch of batches) out.push(paired(cells, backend, variant, batch));
    }
  }
  for (const threads of [1, 2]) {
    for (const batch of batches) {
      const best = bestWasm(cells, threads, batch);
      const stock = paired(cells, `wasm${threads}`, 'default', batch);
      const gain = best === null ? null : paired(cells, `wasm${threads}`, best, batch);
      if (best !== null && gain !== null && stock !== null && gain.value > 1)
        out.push({
          name: `wasm${threads}[${best}]/native${threads} b${batch}`,
          value: gain.value * stock.value,
          note: `faster than stock in every round: its paired gain × stock's paired ratio to native`,
        });
    }
  }
  return out.filter((r): r is Ratio => r !== null);
}

/**
 * The WASM variant with the largest paired gain over stock at this thread count and batch, among
 * those faster than stock in every round (a gain inside the noise is no gain); null when none is.
 */
export function bestWasm(cells: readonly Cell[], threads: number, batch: number): string | null {
  const faster = cells.filter(
    (c) =>
      c.backend === `wasm${threads}` &&
      c.batch === batch &&
      c.variant !== 'default' &&
      c.paired !== undefined &&
      Math.min(...c.paired.rounds) > 1,
  );
  if (faster.length === 0) return null;
  return faster.reduce((a, b) => ((a.paired?.ratio ?? 0) >= (b.paired?.ratio ?? 0) ? a : b)).variant;
}

export const ratioLine = (r: Ratio): string =>
  `${r.name} = ${r.value.toFixed(2)}${r.note ? `  (${r.note})` : ''}`;
