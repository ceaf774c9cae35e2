import { describe, expect, it } from 'vitest';
import { pca2d } from '../src/math/pca.js';
import { Rng } from '../src/math/rng.js';

describe('pca2d', () => {
  it('finds the directions of largest variance of points on a plane', () => {
    // Points s·a + t·b in 4-D with sd(s) = 3, sd(t) = 1, a ⟂ b unit vectors.
    const a = [0.5, 0.5, 0.5, 0.5];
    const b = [0.5, -0.5, 0.5, -0.5];
    const rng = new Rng(3);
    const rows: number[] = [];
    for (let r = 0; r < 2000; r++) {
      const s = 3 * rng.normal();
      const t = rng.normal();
      for (let c = 0; c < 4; c++) rows.push(1 + s * a[c] + t * b[c]);
    }
    const p = pca2d(rows, 2000, 4);
    const dot = (u: ArrayLike<number>, v: number[]) => v.reduce((acc, x, c) => acc + x * u[c], 0);
    expect(Math.abs(dot(p.components[0], a))).toBeCloseTo(1, 3);
    expect(Math.abs(dot(p.components[1], b))).toBeCloseTo(1, 3);
    expect(p.variance[0] / p.variance[1]).toBeGreaterThan(6);
    const [x, y] = p.project([1, 1, 1, 1]);
    expect(Math.abs(x) + Math.abs(y)).toBeLessThan(0.2);
  });
});
