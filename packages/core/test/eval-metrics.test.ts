import { describe, expect, it } from 'vitest';
import { accuracy, auc, logLoss, mae, rmse } from '../src/eval/metrics.js';
import { Rng } from '../src/math/rng.js';

describe('rmse and mae', () => {
  // errors 1−1 = 0, 2−3 = −1, 3−5 = −2: squares 0 + 1 + 4 = 5, RMSE = √(5/3); MAE = (0 + 1 + 2)/3 = 1
  it('match hand-computed values', () => {
    expect(rmse([1, 2, 3], new Float64Array([1, 3, 5]))).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(mae(new Float64Array([1, 2, 3]), [1, 3, 5])).toBe(1);
  });

  it('are NaN for no pairs and throw on columns of different lengths', () => {
    expect(rmse([], [])).toBeNaN();
    expect(mae([], [])).toBeNaN();
    expect(() => rmse([1, 2], [1])).toThrow(/2 predictions for 1 true values/);
  });
});

describe('auc', () => {
  it('counts correctly ordered pairs', () => {
    // positives 0.35, 0.8; negatives 0.1, 0.4: 0.35 > 0.1, 0.35 < 0.4, 0.8 > both → 3 of 4 pairs
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
  });

  it('counts ties as one half', () => {
    // positives 0.5, 0.2; negatives 0.5, 0.5: (0.5, 0.5) ties twice → 2 · ½ = 1; 0.2 loses both → 1/4
    expect(auc([0.5, 0.5, 0.5, 0.2], [1, 0, 0, 1])).toBe(0.25);
    expect(auc([3, 3, 3, 3, 3], [1, 0, 1, 0, 0])).toBe(0.5);
  });

  it('agrees with counting every pair on data full of ties', () => {
    const rng = new Rng(7);
    const n = 300;
    const scores = new Float64Array(n);
    const labels = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      scores[t] = rng.int(10) / 10;
      labels[t] = rng.uniform() < scores[t] ? 1 : 0;
    }
    let pairs = 0;
    let wins = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (labels[i] !== 1 || labels[j] !== 0) continue;
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    expect(auc(scores, labels)).toBeCloseTo(wins / pairs, 12);
  });

  it('throws a clear error when only one class is present', () => {
    expect(() => auc([0.2, 0.7], [1, 1])).toThrow(/only one class \(2 positive, 0 negative\)/);
    expect(() => auc([0.2, 0.7], [0, 0])).toThrow(/only one class/);
    expect(() => auc([Number.NaN, 0.7], [0, 1])).toThrow(/NaN/);
  });
});

describe('logLoss', () => {
  it('matches the hand-computed cross-entropy', () => {
    // −(ln 0.9 + ln(1 − 0.2)) / 2 = (0.1053605 + 0.2231436) / 2 = 0.1642520
    expect(logLoss([0.9, 0.2], [1, 0])).toBeCloseTo(0.164252033486018, 12);
  });

  it('clamps probabilities to [1e-15, 1 − 1e-15]', () => {
    // a certain miss costs −ln(1e-15) = 34.5388 instead of ∞; a certain hit costs −ln(1 − 1e-15) ≈ 1e-15
    expect(logLoss([0], [1])).toBeCloseTo(34.538776394910684, 6);
    expect(logLoss([1], [0])).toBeCloseTo(34.538776394910684, 6);
    expect(logLoss([1, 0], [1, 0])).toBeLessThan(1e-14);
  });

  it('rejects labels outside [0, 1]', () => {
    expect(() => logLoss([0.5], [2])).toThrow(/label at position 0 is 2/);
  });
});

describe('accuracy', () => {
  it('thresholds probabilities at 0.5', () => {
    // 0.5 → 1 (right), 0.49 → 0 (wrong), 0.9 → 1 (wrong), 0.1 → 0 (right): 2 of 4
    expect(accuracy([0.5, 0.49, 0.9, 0.1], [1, 1, 0, 0])).toBe(0.5);
    expect(accuracy([], [])).toBeNaN();
  });
});
