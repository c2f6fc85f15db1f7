/**
 * How good a model trained on a point set is, as the "Your own data" contract measures it:
 *
 * - sliced W1 from its samples to fresh data, divided by the floor (fresh data to fresh data at
 *   the same N, so 1 means as close as sampling noise allows);
 * - the memorisation guard: the median distance from each sample to its nearest training point,
 *   divided by the same median for fresh data. A model that reproduces its training points scores
 *   near 0; the contract asks for at least MEMORISATION_FLOOR.
 *
 * Point sets are row-major n × dim.
 */
import { slicedWasserstein1 } from '../stats';

/** The guard: samples must sit at least this fraction of fresh data's distance from the training set. */
export const MEMORISATION_FLOOR = 0.5;

/** For each of the n points, the distance to its nearest of the m reference points. */
export function nearestDistances(
  points: ArrayLike<number>,
  n: number,
  reference: ArrayLike<number>,
  m: number,
  dim: number,
): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let k = 0; k < m; k++) {
      let sq = 0;
      for (let j = 0; j < dim; j++) sq += (points[i * dim + j] - reference[k * dim + j]) ** 2;
      if (sq < best) best = sq;
    }
    out[i] = Math.sqrt(best);
  }
  return out;
}

export function median(values: ArrayLike<number>): number {
  if (values.length === 0) throw new Error('The median of no values is undefined.');
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface QualityInput {
  /** The model's samples (n × dim). */
  samples: ArrayLike<number>;
  /** The points it was trained on (any count × dim). */
  training: ArrayLike<number>;
  /**
   * At least two independent fresh data sets of n points each: the last stands in for a perfect
   * model, the others are the references both distances average over.
   */
  fresh: readonly ArrayLike<number>[];
  dim: number;
}

export interface QualityReport {
  swLearned: number;
  swFloor: number;
  /** swLearned / swFloor. */
  ratio: number;
  /** Median nearest-training-point distance of the samples, and of fresh data. */
  nearestLearned: number;
  nearestFresh: number;
  /** nearestLearned / nearestFresh; below MEMORISATION_FLOOR the model memorises. */
  memorisation: number;
  memorises: boolean;
}

export function measureQuality({ samples, training, fresh, dim }: QualityInput): QualityReport {
  if (fresh.length < 2) throw new Error('Quality needs at least two fresh data sets.');
  const n = samples.length / dim;
  if (fresh.some((set) => set.length !== samples.length)) {
    throw new Error(`Every fresh data set must have as many points as the samples (${n}).`);
  }
  const references = fresh.slice(0, -1);
  const standIn = fresh[fresh.length - 1];
  const meanDistance = (points: ArrayLike<number>) =>
    references.reduce((sum, set) => sum + slicedWasserstein1(points, n, set, n, dim), 0) / references.length;
  const swLearned = meanDistance(samples);
  const swFloor = meanDistance(standIn);
  const m = training.length / dim;
  const nearestLearned = median(nearestDistances(samples, n, training, m, dim));
  const nearestFresh = median(nearestDistances(standIn, n, training, m, dim));
  const memorisation = nearestLearned / nearestFresh;
  return {
    swLearned,
    swFloor,
    ratio: swLearned / swFloor,
    nearestLearned,
    nearestFresh,
    memorisation,
    memorises: !(memorisation >= MEMORISATION_FLOOR),
  };
}
