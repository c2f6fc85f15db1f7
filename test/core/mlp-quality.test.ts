import { describe, expect, it } from 'vitest';
import { measureQuality, median, nearestDistances } from '../../src/core/mlp/quality';
import { gaussianNoise } from '../../src/core/rng';
import { toyPoints } from '../../src/core/toy-data';

describe('quality of a model trained on a point set', () => {
  it('nearest distances and the median, on a hand-checked example', () => {
    const d = nearestDistances([0, 0, 3, 4, 10, 0], 3, [0, 1, 3, 0], 2, 2);
    expect([...d]).toEqual([1, 4, 7]);
    expect(median(d)).toBe(4);
    expect(median([5, 1, 3, 2])).toBe(2.5);
  });

  const training = toyPoints('two_moons', 1000, 1);
  const fresh = Array.from({ length: 4 }, (_, k) => toyPoints('two_moons', 1000, 100 + k));

  it('fresh data of the same distribution scores about 1 and passes the memorisation guard', () => {
    const q = measureQuality({ samples: toyPoints('two_moons', 1000, 50), training, fresh, dim: 2 });
    expect(q.ratio).toBeGreaterThan(0.6);
    expect(q.ratio).toBeLessThan(1.5);
    expect(q.memorisation).toBeGreaterThan(0.8);
    expect(q.memorises).toBe(false);
  });

  it('a copy of the training points (slightly jittered) is caught memorising', () => {
    const jitter = gaussianNoise(2, 0, 0, training.length);
    const copies = training.map((v, e) => v + 0.001 * jitter[e]);
    const q = measureQuality({ samples: copies, training, fresh, dim: 2 });
    expect(q.memorisation).toBeLessThan(0.1);
    expect(q.memorises).toBe(true);
  });

  it('samples of another distribution score far above the floor', () => {
    const q = measureQuality({ samples: toyPoints('swiss_roll', 1000, 3), training, fresh, dim: 2 });
    expect(q.ratio).toBeGreaterThan(5);
  });
});
