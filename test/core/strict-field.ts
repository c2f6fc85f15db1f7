/**
 * A CPU field with the pooling rule of GpuField: once collect() frees a vector, any use of it
 * throws. Runs of the loop or the ODE solvers on it prove they keep what they still need.
 */
import type { Field, Term } from '../../src/core/field';
import { cpuField } from '../../src/core/field-cpu';

export interface StrictField extends Field<Float32Array> {
  /** Vectors handed out and not collected. */
  readonly live: number;
}

export function strictField(batch: number, dim: number): StrictField {
  const inner = cpuField(batch, dim);
  const live = new Set<Float32Array>();
  const freed = new WeakSet<Float32Array>();
  const made = (v: Float32Array) => (live.add(v), v);
  const alive = (v: Float32Array) => {
    if (freed.has(v)) throw new Error('a vector was used after collect() freed it');
    return v;
  };
  return {
    batch,
    dim,
    get live() {
      return live.size;
    },
    combine: (terms: readonly Term<Float32Array>[]) =>
      made(inner.combine(terms.map(([c, v]) => [c, alive(v)]))),
    noise: (seed, step, stream) => made(inner.noise(seed, step, stream)),
    brownian: (seed, plan) => made(inner.brownian(seed, plan)),
    blend: (mask, a, b) => made(inner.blend(alive(mask), alive(a), alive(b))),
    norms: (v) => inner.norms(alive(v)),
    errorNorm: (e, a, b, atol, rtol) => inner.errorNorm(alive(e), alive(a), alive(b), atol, rtol),
    allFinite: (v) => inner.allFinite(alive(v)),
    upload: (values) => made(inner.upload(values)),
    read: (v) => inner.read(alive(v)),
    collect(keep) {
      const kept = new Set(keep);
      for (const v of live) {
        if (kept.has(v)) continue;
        live.delete(v);
        freed.add(v);
      }
    },
  };
}
