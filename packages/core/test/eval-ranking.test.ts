import { describe, expect, it } from 'vitest';
import { Interactions } from '../src/data/interactions.js';
import {
  averagePrecisionAtK,
  ndcgAtK,
  precisionAtK,
  rankingMetrics,
  recallAtK,
  relevanceByUser,
} from '../src/eval/ranking.js';

// Catalogue of 6 items, k = 3.
// User A: recommends 0, 1, 2 (3 is beyond k); relevant 1 (rel 3), 3 (rel 1), 5 (rel 2): R = 3.
//   hits: rank 2 only. precision 1/3, recall 1/3, AP = (1/2) / min(3, 3) = 1/6.
//   DCG = (2³ − 1)/log₂3 = 4.41651; IDCG = 7/log₂2 + 3/log₂3 + 1/log₂4 = 9.39279; NDCG = 0.470202.
// User B: recommends 4, 5, 0; relevant 4 (rel 1), 0 (rel 1): R = 2.
//   hits: ranks 1 and 3. precision 2/3, recall 1, AP = (1/1 + 2/3) / min(3, 2) = 5/6.
//   DCG = 1/log₂2 + 1/log₂4 = 1.5; IDCG = 1 + 1/log₂3 = 1.63093; NDCG = 0.919721.
// User C: recommends 2, 1, 0; no relevant item (2 has relevance 0): left out of the means.
// Means over A and B: precision 1/2, recall 2/3, MAP 1/2, NDCG 0.694961.
// Coverage: {0, 1, 2} ∪ {4, 5, 0} ∪ {2, 1, 0} = 5 of 6 items.
const userA = {
  recommended: [0, 1, 2, 3],
  relevant: new Map([
    [1, 3],
    [3, 1],
    [5, 2],
  ]),
};
const userB = {
  recommended: new Int32Array([4, 5, 0]),
  relevant: new Map([
    [4, 1],
    [0, 1],
  ]),
};
const userC = { recommended: [2, 1, 0], relevant: new Map([[2, 0]]) };

describe('single-user ranking metrics', () => {
  it('match the hand-worked example', () => {
    expect(precisionAtK(userA.recommended, userA.relevant, 3)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK(userA.recommended, userA.relevant, 3)).toBeCloseTo(1 / 3, 12);
    expect(averagePrecisionAtK(userA.recommended, userA.relevant, 3)).toBeCloseTo(1 / 6, 12);
    expect(ndcgAtK(userA.recommended, userA.relevant, 3)).toBeCloseTo(0.47020199776783905, 12);
    expect(precisionAtK(userB.recommended, userB.relevant, 3)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK(userB.recommended, userB.relevant, 3)).toBe(1);
    expect(averagePrecisionAtK(userB.recommended, userB.relevant, 3)).toBeCloseTo(5 / 6, 12);
    expect(ndcgAtK(userB.recommended, userB.relevant, 3)).toBeCloseTo(0.9197207891481876, 12);
  });

  it('divide precision by k for a short list, and AP by min(k, #relevant)', () => {
    // one recommendation, the only relevant item: precision 1/3, recall 1, AP 1/min(3, 1) = 1, NDCG 1
    const relevant = new Map([[1, 2]]);
    expect(precisionAtK([1], relevant, 3)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK([1], relevant, 3)).toBe(1);
    expect(averagePrecisionAtK([1], relevant, 3)).toBe(1);
    expect(ndcgAtK([1], relevant, 3)).toBe(1);
  });

  it('are NaN for a user without relevant items', () => {
    expect(precisionAtK(userC.recommended, userC.relevant, 3)).toBeNaN();
    expect(ndcgAtK(userC.recommended, new Map(), 3)).toBeNaN();
    expect(() => recallAtK([1], userA.relevant, 0)).toThrow(/k must be a positive integer/);
  });
});

describe('rankingMetrics', () => {
  it('averages over users with relevant items and covers every list', () => {
    const m = rankingMetrics([userA, userB, userC], 3, 6);
    expect(m.k).toBe(3);
    expect(m.users).toBe(2);
    expect(m.precision).toBeCloseTo(0.5, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.map).toBeCloseTo(0.5, 12);
    expect(m.ndcg).toBeCloseTo(0.6949613934580133, 12);
    expect(m.coverage).toBeCloseTo(5 / 6, 12);
  });

  it('takes any iterable and gives NaN means when no user has relevant items', () => {
    function* only(): Generator<typeof userC> {
      yield userC;
    }
    const m = rankingMetrics(only(), 2, 4);
    expect(m.users).toBe(0);
    expect(m.ndcg).toBeNaN();
    expect(m.coverage).toBe(0.5);
  });

  it('rejects repeated and unknown items', () => {
    expect(() => rankingMetrics([{ recommended: [1, 1], relevant: new Map() }], 2, 3)).toThrow(
      /item 1 twice/,
    );
    expect(() => rankingMetrics([{ recommended: [7], relevant: new Map() }], 2, 3)).toThrow(/outside 0..2/);
  });
});

describe('relevanceByUser', () => {
  it('groups test items by user and leaves out non-positive relevance', () => {
    const test = Interactions.fromRows([
      ['u', 'a', 5],
      ['v', 'b', 2],
      ['u', 'c', 1],
    ]);
    const byUser = relevanceByUser(test, (rating) => rating - 2);
    expect([...byUser.keys()]).toEqual([0]);
    expect([...(byUser.get(0) ?? [])]).toEqual([[0, 3]]);
    expect(relevanceByUser(test).get(1)).toEqual(new Map([[1, 2]]));
  });
});
