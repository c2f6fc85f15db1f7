/**
 * Snapshots of a trajectory for rewinding and scrubbing. Every step is kept while the total stays
 * within a byte budget; beyond it the store thins out (keeps every 2nd step, then every 4th, …,
 * always keeping step 0), and a rewind goes to the nearest earlier kept step.
 */
import type { Sde, StepTrace, TrajectoryState } from './types';

/** A kept trajectory state. */
export interface Snapshot<V = Float32Array> extends TrajectoryState<V> {
  /** The process active when the state was reached, to map x̃ back to native x for display. */
  readonly sde: Sde;
  /** How the state was reached (null for the prior), so a rewind shows the numbers of that step. */
  readonly trace: StepTrace | null;
}

export const DEFAULT_SNAPSHOT_BUDGET_BYTES = 256 * 1024 * 1024;

/** The distinct vectors a snapshot holds (history entries often share x̂₀ with the step). */
export function snapshotVectors<V>(s: Snapshot<V>): Set<V> {
  const vectors = new Set<V>([s.xTilde]);
  if (s.denoised !== null) vectors.add(s.denoised);
  for (const entry of s.history) vectors.add(entry.denoised);
  return vectors;
}

/**
 * Keeps snapshots within a byte budget. Every vector has `vectorBytes` bytes (batch × dim × 4);
 * a vector shared by several snapshots counts once per snapshot (an upper bound).
 */
export class SnapshotStore<V = Float32Array> {
  private readonly kept: Snapshot<V>[] = [];
  private bytes = 0;
  /** Only steps that are multiples of this are kept. */
  private stride = 1;

  constructor(
    readonly vectorBytes: number,
    readonly budgetBytes: number = DEFAULT_SNAPSHOT_BUDGET_BYTES,
  ) {
    if (!(budgetBytes > 0)) {
      throw new Error(`Snapshot budget ${budgetBytes} bytes is not positive: give a size such as 256 MB.`);
    }
  }

  /** Every how many steps a snapshot is kept (1 until the budget forces thinning). */
  get keepEvery(): number {
    return this.stride;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** Step indices that can be restored exactly, ascending. */
  get steps(): number[] {
    return this.kept.map((s) => s.i);
  }

  /** Records the state after step `snapshot.i` (snapshots must arrive in increasing i). */
  add(snapshot: Snapshot<V>): void {
    if (snapshot.i % this.stride !== 0) return;
    this.kept.push(snapshot);
    this.bytes += this.sizeOf(snapshot);
    while (this.bytes > this.budgetBytes && this.kept.length > 2) this.thin();
  }

  /** The snapshot at step k if it is kept. */
  at(k: number): Snapshot<V> | undefined {
    return this.kept.find((s) => s.i === k);
  }

  /** The latest kept snapshot at or before step k. */
  atOrBefore(k: number): Snapshot<V> | undefined {
    let found: Snapshot<V> | undefined;
    for (const s of this.kept) if (s.i <= k) found = s;
    return found;
  }

  /** Forgets every snapshot after step k (a rewind makes later steps a discarded branch). */
  dropAfter(k: number): void {
    while (this.kept.length > 0 && this.kept[this.kept.length - 1].i > k) {
      this.bytes -= this.sizeOf(this.kept.pop() as Snapshot<V>);
    }
  }

  clear(): void {
    this.kept.length = 0;
    this.bytes = 0;
    this.stride = 1;
  }

  /** Every vector held by a kept snapshot. */
  *vectors(): Generator<V> {
    for (const s of this.kept) yield* snapshotVectors(s);
  }

  private sizeOf(s: Snapshot<V>): number {
    return snapshotVectors(s).size * this.vectorBytes;
  }

  private thin(): void {
    this.stride *= 2;
    const survivors = this.kept.filter((s) => s.i % this.stride === 0);
    this.kept.length = 0;
    this.kept.push(...survivors);
    this.bytes = survivors.reduce((sum, s) => sum + this.sizeOf(s), 0);
  }
}
