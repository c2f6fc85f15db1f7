/**
 * A run's replay recipe (faults, issue 16): what, besides its `start` request, decided each step
 * of its current branch. Every step is a pure function of the state before it, the seed and the
 * settings in force (noise is addressed by seed and step, never by call order), so starting the
 * same run again and applying the same live changes before the same steps gives the same states —
 * bit for bit on one backend, to float rounding across backends. The engine keeps one per
 * trajectory; the page keeps the latest copy (the `recipe` event), since a crashed worker takes
 * its own with it.
 */
import type { RunChange, RunRecipe } from './protocol';

/** Live changes applied before step `step` was computed (1-based). */
export function appliedBefore(recipe: RunRecipe, step: number): number {
  let applied = recipe.origin?.after ?? 0;
  for (const mark of recipe.marks) {
    if (mark.step > step) break;
    applied = mark.applied;
  }
  return applied;
}

export class RecipeRecorder {
  private changes: RunChange[] = [];
  private marks: { step: number; applied: number }[] = [];
  private origin: { t: number; after: number } | null = null;
  /** Goes up whenever the recipe changes (the engine then tells the page). */
  version = 0;

  /**
   * A live change, applied now. A change of the same kind applied since the last step replaces
   * the earlier one (dragging a slider sends many): no step saw the earlier one.
   */
  record(change: RunChange): void {
    const last = this.changes.at(-1);
    if (last !== undefined && last.kind === change.kind && !this.sealed(this.changes.length)) {
      this.changes[this.changes.length - 1] = change;
    } else {
      this.changes.push(change);
    }
    this.version += 1;
  }

  /** Step `step` was just computed with every change so far in force (a new branch from step − 1). */
  stepped(step: number): void {
    const before = this.marks.length;
    while (this.marks.length > 0 && this.marks[this.marks.length - 1].step >= step) this.marks.pop();
    const inForce = this.marks.at(-1)?.applied ?? this.origin?.after ?? 0;
    if (inForce !== this.changes.length) this.marks.push({ step, applied: this.changes.length });
    if (this.marks.length !== before || inForce !== this.changes.length) this.version += 1;
  }

  /** "Reverse from here": the reverse process restarted from the forward state at time t. */
  restarted(t: number): void {
    this.origin = { t, after: this.changes.length };
    this.marks = [];
    this.version += 1;
  }

  /** Becomes `recipe` (a run resumed mid-way: its earlier steps were taken elsewhere). */
  adopt(recipe: RunRecipe): void {
    this.changes = recipe.changes.map((c) => ({ ...c }));
    this.marks = recipe.marks.map((m) => ({ ...m }));
    this.origin = recipe.origin && { ...recipe.origin };
    this.version += 1;
  }

  /** A plain copy (for a message, or a replay). */
  snapshot(): RunRecipe {
    return {
      changes: this.changes.map((c) => ({ ...c })),
      marks: this.marks.map((m) => ({ ...m })),
      origin: this.origin && { ...this.origin },
    };
  }

  /** Whether some step (or the origin) was computed with the first `count` changes in force. */
  private sealed(count: number): boolean {
    return this.marks.at(-1)?.applied === count || this.origin?.after === count;
  }
}
