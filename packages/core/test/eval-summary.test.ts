import { describe, expect, it } from 'vitest';
import { meanByKey, summarize, summarizeByKey } from '../src/eval/summary.js';

describe('summarize', () => {
  it('gives mean, sample sd and the 95 % half-width', () => {
    // mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5; sd = √(5/3) = 1.29099;
    // ci95 = 1.96 · 1.29099 / √4 = 1.26517
    const s = summarize([1, 2, 3, 4]);
    expect(s.n).toBe(4);
    expect(s.mean).toBe(2.5);
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(s.ci95).toBeCloseTo(1.2651745597610895, 12);
  });

  it('skips NaN values and has no spread for fewer than two', () => {
    // 1 and 3: mean 2, sd √((1 + 1)/1) = √2
    const s = summarize([1, Number.NaN, 3]);
    expect(s).toMatchObject({ mean: 2, n: 2 });
    expect(s.sd).toBeCloseTo(Math.SQRT2, 12);
    expect(summarize([5]).mean).toBe(5);
    expect(summarize([5]).sd).toBeNaN();
    expect(summarize([]).mean).toBeNaN();
  });
});

describe('meanByKey and summarizeByKey', () => {
  it('average each key over the folds that have it, keys in order of first appearance', () => {
    const folds = [{ rmse: 1, mae: 2 }, { rmse: 3 }, { rmse: 2, mae: 4, auc: Number.NaN }];
    const means = meanByKey(folds);
    expect(Object.keys(means)).toEqual(['rmse', 'mae', 'auc']);
    expect(means.rmse).toBe(2);
    expect(means.mae).toBe(3);
    expect(means.auc).toBeNaN();
    expect(summarizeByKey(folds).mae.n).toBe(2);
    expect(meanByKey([])).toEqual({});
  });
});
