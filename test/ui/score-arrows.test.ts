import { describe, expect, it } from 'vitest';
import { scoreArrows } from '../../src/ui/render/score-arrows';

/** Standard normal at noise σ: p_σ = N(0, (1 + σ²) I), so ∇log p_σ(x̃) = −x̃ / (1 + σ²). */
const gaussian = {
  scoreAt(x: ArrayLike<number>, sigma: number, batch: number) {
    return Float64Array.from({ length: batch * 2 }, (_, k) => -x[k] / (1 + sigma * sigma));
  },
};

describe('score field arrows', () => {
  it('point along the exact score (towards the mean of a Gaussian) on the grid centres', () => {
    const arrows = scoreArrows(gaussian, 1, 1, [-2, 2], 4, 0.5);
    expect(arrows).toHaveLength(16);
    expect(arrows.map((a) => [a.x, a.y]).slice(0, 2)).toEqual([
      [-1.5, -1.5],
      [-0.5, -1.5],
    ]);
    for (const a of arrows) {
      // parallel to −x and pointing inwards
      expect(a.dx * a.y - a.dy * a.x).toBeCloseTo(0, 12);
      expect(a.dx * a.x + a.dy * a.y).toBeLessThan(0);
    }
  });

  it('scales lengths by the square root of |score|, the longest equal to maxLength', () => {
    const arrows = scoreArrows(gaussian, 0, 1, [-2, 2], 4, 0.5);
    const lengths = arrows.map((a) => Math.hypot(a.dx, a.dy));
    expect(Math.max(...lengths)).toBeCloseTo(0.5, 12);
    // |score| ∝ |x|: corner (1.5, 1.5) vs inner (0.5, 0.5) is a ratio of 3, lengths a ratio of √3
    expect(lengths[0] / lengths[5]).toBeCloseTo(Math.sqrt(3), 12);
  });

  it('evaluates in scale-free coordinates x/s', () => {
    const seen: number[] = [];
    const spy = {
      scoreAt: (x: ArrayLike<number>, s: number, b: number) => (seen.push(x[0]), gaussian.scoreAt(x, s, b)),
    };
    scoreArrows(spy, 1, 0.5, [-2, 2], 2, 1);
    expect(seen).toEqual([-2]); // grid centre −1 divided by s = 0.5
  });
});
