import { describe, expect, it } from 'vitest';
import { logGamma } from '../src/math/special.js';

describe('logGamma', () => {
  it('matches factorials, Γ(1/2) = √π and the recurrence', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(2)).toBeCloseTo(0, 12);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 11);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    for (const x of [0.1, 3.7, 7.99, 8, 42.5, 1000]) {
      expect(logGamma(x + 1) - logGamma(x)).toBeCloseTo(Math.log(x), 10);
    }
  });

  it('rejects x ≤ 0', () => {
    expect(() => logGamma(0)).toThrow(/x must be > 0/);
    expect(() => logGamma(Number.NaN)).toThrow(/x must be > 0/);
  });
});
