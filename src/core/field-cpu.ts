/**
 * The CPU backend of Field: vectors are Float32Arrays, sums are accumulated in float64 per element
 * and rounded once, noise is rng.ts gaussianNoise. This is the reference every other backend is
 * tested against.
 */
import { checkCoef, type Field, type Term } from './field';
import { brownianNormals } from './brownian';
import { gaussianNoise } from './rng';

export function cpuField(batch: number, dim: number): Field<Float32Array> {
  const length = batch * dim;
  const check = (v: Float32Array, what: string) => {
    if (v.length !== length)
      throw new Error(`${what}: a vector has ${v.length} values for ${batch} × ${dim}.`);
  };
  return {
    batch,
    dim,
    combine(terms: readonly Term<Float32Array>[]): Float32Array {
      if (terms.length === 0) throw new Error('combine needs at least one term.');
      const live = terms.filter(([c]) => c !== 0);
      for (const [c, v] of terms) {
        checkCoef(c, batch);
        check(v, 'combine');
      }
      const sum = new Float64Array(length);
      for (const [c, v] of live) {
        if (typeof c === 'number') {
          for (let k = 0; k < length; k++) sum[k] += c * v[k];
          continue;
        }
        for (let b = 0; b < batch; b++) {
          const cb = c[b];
          for (let k = b * dim; k < (b + 1) * dim; k++) sum[k] += cb * v[k];
        }
      }
      const out = Float32Array.from(sum);
      return out;
    },
    noise: (seed, step, stream) => gaussianNoise(seed, step, stream, length),
    brownian: (seed, plan) => brownianNormals(seed, plan, length),
    blend(mask, a, b) {
      check(mask, 'blend');
      check(a, 'blend');
      check(b, 'blend');
      const out = new Float32Array(length);
      for (let k = 0; k < length; k++) out[k] = mask[k] * a[k] + (1 - mask[k]) * b[k];
      return out;
    },
    async norms(v) {
      check(v, 'norms');
      const out = new Float64Array(batch);
      for (let b = 0; b < batch; b++) {
        let sum = 0;
        for (let k = b * dim; k < (b + 1) * dim; k++) sum += v[k] * v[k];
        out[b] = Math.sqrt(sum);
      }
      return out;
    },
    async errorNorm(e, a, bVec, atol, rtol) {
      let worst = 0;
      for (let b = 0; b < batch; b++) {
        let sum = 0;
        for (let k = b * dim; k < (b + 1) * dim; k++) {
          const scale = atol + rtol * Math.max(Math.abs(a[k]), Math.abs(bVec[k]));
          sum += (e[k] / scale) ** 2;
        }
        worst = Math.max(worst, Math.sqrt(sum / dim));
      }
      return Number.isFinite(worst) ? worst : Number.POSITIVE_INFINITY;
    },
    async allFinite(v) {
      for (let k = 0; k < v.length; k++) if (!Number.isFinite(v[k])) return false;
      return true;
    },
    upload(values) {
      check(values, 'upload');
      return Float32Array.from(values);
    },
    read: async (v) => Float32Array.from(v),
    collect() {},
  };
}
