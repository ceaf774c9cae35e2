import { describe, expect, it } from 'vitest';
import { IdMap } from '../src/data/id-map.js';
import { Interactions } from '../src/data/interactions.js';
import { evaluate } from '../src/eval/evaluate.js';
import { DEFAULT_RANKING_METRICS, parseMetrics } from '../src/eval/metric-list.js';
import { formatProtocol, parseProtocol, protocolFolds } from '../src/eval/protocol.js';
import { rankFigures } from '../src/eval/rank-fold.js';
import { rankSplit } from '../src/eval/rank-split.js';
import { PositiveRule } from '../src/eval/relevance.js';
import type { Recommender } from '../src/models/recommender.js';
import { modelFamily } from '../src/models/registry.js';
import { lowRankRatings } from './synthetic.js';

// Three users, six items i0..i5, ratings 1..5; fixed scores stand in for a model.
// Train: A rates i0=5, i3=1; B rates i2=4; C rates i3=2.   Training counts: i3 2, i0 1, i2 1, others 0.
// Test:  A rates i2=5, i4=4, i5=1; B rates i0=2, i5=5; C rates i4=1.
// Positives (rating ≥ the user's mean over train + test, and above the lowest rating, 1):
//   A: mean (5+1+5+4+1)/5 = 3.2 → i2, i4.   B: mean (4+2+5)/3 = 3.67 → i5.   C: mean 1.5, i4=1 → none.
// Rankings (training items left out):
//   A scores [9, 7, 1, 8, 6, 5] → i1 7, i4 6, i5 5, i2 1: top 3 = [i1, i4, i5], one hit at rank 2.
//   B scores [0, 3, 9, 3, 2, 4] → i5 4, then i1 and i3 tie at 3 and i3 (2 training ratings) goes first:
//     top 3 = [i5, i3, i1], one hit at rank 1.   C is not ranked (no positive).
// At k = 3: A: P 1/3, R 1/2, AP (1/2)/min(3, 2) = 1/4, NDCG (1/log₂3)/(1 + 1/log₂3) = 0.386853.
//           B: P 1/3, R 1, AP 1/1 = 1, NDCG 1.
//   Means: P 1/3, R 3/4, MAP 5/8, NDCG 0.693426; coverage {i1, i4, i5, i3} = 4/6.
// At k = 1: A misses (all 0), B hits (all 1): means 1/2 each; coverage {i1, i5} = 2/6.
function handCase() {
  const users = new IdMap();
  const items = new IdMap();
  for (let j = 0; j < 6; j++) items.add(`i${j}`);
  const train = Interactions.fromRows(
    [
      ['A', 'i0', 5],
      ['A', 'i3', 1],
      ['B', 'i2', 4],
      ['C', 'i3', 2],
    ],
    { users, items },
  );
  const test = Interactions.fromRows(
    [
      ['A', 'i2', 5],
      ['A', 'i4', 4],
      ['A', 'i5', 1],
      ['B', 'i0', 2],
      ['B', 'i5', 5],
      ['C', 'i4', 1],
    ],
    { users, items },
  );
  const table: Record<string, number[]> = {
    A: [9, 7, 1, 8, 6, 5],
    B: [0, 3, 9, 3, 2, 4],
    C: [1, 2, 3, 4, 5, 6],
  };
  // rankFigures only asks a model for `scores`.
  const model = { scores: (user: string) => table[user] } as unknown as Recommender;
  return { train, test, model };
}

describe('rankFigures', () => {
  it('equals the hand-computed figures of a small case', () => {
    const { train, test, model } = handCase();
    const f = rankFigures(model, train, test, [1, 3]);
    expect(f.rankedUsers).toBe(2);
    expect(f['precision@3']).toBeCloseTo(1 / 3, 12);
    expect(f['recall@3']).toBeCloseTo(3 / 4, 12);
    expect(f['map@3']).toBeCloseTo(5 / 8, 12);
    const ndcgA = 1 / Math.log2(3) / (1 + 1 / Math.log2(3));
    expect(ndcgA).toBeCloseTo(0.386853, 6);
    expect(f['ndcg@3']).toBeCloseTo((ndcgA + 1) / 2, 12);
    expect(f['coverage@3']).toBeCloseTo(4 / 6, 12);
    for (const metric of ['precision', 'recall', 'map', 'ndcg']) expect(f[`${metric}@1`]).toBe(0.5);
    expect(f['coverage@1']).toBeCloseTo(2 / 6, 12);
  });
});

describe('PositiveRule', () => {
  it('keeps ratings at or above the user mean, never the lowest rating', () => {
    const data = Interactions.fromRows([
      ['a', 'x', 4],
      ['a', 'y', 2],
      ['b', 'x', 1],
      ['b', 'y', 1],
    ]);
    const rule = new PositiveRule([data]);
    expect(rule.isPositive(0, 4)).toBe(true);
    expect(rule.isPositive(0, 3)).toBe(true);
    expect(rule.isPositive(0, 2.9)).toBe(false);
    // b's mean is 1, the lowest rating: nothing b rated is a like.
    expect(rule.isPositive(1, 1)).toBe(false);
  });

  it('counts every row as a positive on implicit data (every value the same)', () => {
    const data = Interactions.fromRows([
      ['a', 'x', 1],
      ['a', 'y', 1],
      ['b', 'x', 1],
    ]);
    const rule = new PositiveRule([data]);
    expect(rule.isPositive(0, 1)).toBe(true);
    expect(rule.isPositive(1, 1)).toBe(true);
  });
});

// u1: positives (≥ mean 4.2) i0 t10, i2 t30, i4 t20; i1 = 4 is not one. u2: one positive (i0), too few for 2.
// u3: two positives but only two ratings: holding both out would leave nothing in training.
// u4: ratings 4, 4, 1 at the same time: positives i0 and i1.
const timed = Interactions.fromRows([
  ['u1', 'i0', 5, 10],
  ['u1', 'i1', 4, 50],
  ['u1', 'i2', 5, 30],
  ['u1', 'i3', 2, 40],
  ['u1', 'i4', 5, 20],
  ['u2', 'i0', 5, 1],
  ['u2', 'i1', 1, 2],
  ['u3', 'i0', 5, 1],
  ['u3', 'i1', 5, 2],
  ['u4', 'i0', 4, 7],
  ['u4', 'i1', 4, 7],
  ['u4', 'i2', 1, 7],
]);

function triples(data: Interactions): string[] {
  return Array.from(
    { length: data.length },
    (_, t) => `${data.users.idAt(data.user[t])} ${data.items.idAt(data.item[t])}`,
  ).sort();
}

describe('rankSplit', () => {
  it('holds out the most recent positives; skips and counts users with too few', () => {
    const fold = rankSplit(timed, { order: 'recent', amount: 2 });
    expect(triples(fold.test)).toEqual(['u1 i2', 'u1 i4', 'u4 i0', 'u4 i1']);
    expect(fold.train.length + fold.test.length).toBe(timed.length);
    expect(triples(fold.train)).toContain('u1 i1');
    expect(fold.users).toBe(2);
    expect(fold.skippedUsers).toBe(2);
  });

  it('breaks equal times by row order (the later row is the more recent)', () => {
    const fold = rankSplit(timed, { order: 'recent', amount: 1 });
    expect(triples(fold.test)).toEqual(['u1 i2', 'u2 i0', 'u3 i1', 'u4 i1']);
    expect(fold.skippedUsers).toBe(0);
  });

  it('takes a fraction of each user’s positives, at least one', () => {
    // u1: round(0.5 · 3) = 2; u2: max(1, round(0.5)) = 1; u3: 1 of 2; u4: 1 of 2.
    const fold = rankSplit(timed, { order: 'recent', amount: 0.5 });
    expect(fold.test.length).toBe(5);
    expect(fold.users).toBe(4);
  });

  it('draws random positives reproducibly from the seed', () => {
    const data = lowRankRatings({ users: 60, items: 40, rank: 2, density: 0.4, seed: 3 });
    const rule = new PositiveRule([data]);
    const a = rankSplit(data, { order: 'random', amount: 3, seed: 5 });
    const b = rankSplit(data, { order: 'random', amount: 3, seed: 5 });
    const c = rankSplit(data, { order: 'random', amount: 3, seed: 6 });
    expect(triples(a.test)).toEqual(triples(b.test));
    expect(triples(a.test)).not.toEqual(triples(c.test));
    expect(a.test.length).toBe(3 * a.users);
    expect(a.users + a.skippedUsers).toBe(60);
    for (let t = 0; t < a.test.length; t++)
      expect(rule.isPositive(a.test.user[t], a.test.value[t])).toBe(true);
  });

  it('needs timestamps for the most recent positives', () => {
    const untimed = Interactions.fromRows([['u', 'i', 5]]);
    expect(() => rankSplit(untimed, { order: 'recent', amount: 1 })).toThrow(/time column.*rank:random/);
  });
});

describe('rank protocols', () => {
  it('parse, format, and repeat only the random draw', () => {
    const recent = parseProtocol('rank:recent:5');
    expect(recent).toEqual({ kind: 'rank', order: 'recent', amount: 5, repeats: 1 });
    expect(formatProtocol(recent)).toBe('rank:recent:5');
    expect(parseProtocol('rank:random:0.2', 3)).toEqual({
      kind: 'rank',
      order: 'random',
      amount: 0.2,
      repeats: 3,
    });
    expect(() => parseProtocol('rank:latest:5')).toThrow(/recent or random/);
    expect(() => parseProtocol('rank:recent:0')).toThrow(/whole number ≥ 1 or a fraction/);
    expect(() => parseProtocol('rank:recent:5', 2)).toThrow(/--folds 2 does not apply/);
  });

  it('refuse --folds where it would be ignored', () => {
    expect(() => parseProtocol('kfold:5', 3)).toThrow(
      /--folds 3 does not apply to protocol kfold:5 \(kfold:K sets/,
    );
    for (const text of ['folds', 'given', 'leavekout:2', 'temporal:0.2']) {
      expect(() => parseProtocol(text, 2)).toThrow(/--folds 2 does not apply/);
      expect(parseProtocol(text, 1).kind).toBe(text.split(':')[0]);
    }
    expect(parseProtocol('holdout:0.2', 4)).toEqual({ kind: 'holdout', fraction: 0.2, repeats: 4 });
  });
});

describe('parseMetrics', () => {
  it('reads names and cut-offs', () => {
    expect(parseMetrics('rmse, NDCG@10,precision@5,ndcg@10')).toEqual({
      names: ['rmse', 'ndcg@10', 'precision@5'],
      ks: [5, 10],
    });
    expect(parseMetrics(DEFAULT_RANKING_METRICS).ks).toEqual([10]);
  });

  it('names what it accepts when a metric is unknown or lacks its cut-off', () => {
    expect(() => parseMetrics('rmse,auc')).toThrow(
      /metric "auc": unknown metric; accepted: rmse, mae, precision@k/,
    );
    expect(() => parseMetrics('ndcg')).toThrow(/ndcg needs a cut-off, e.g. ndcg@10/);
    expect(() => parseMetrics('recall@0')).toThrow(/whole number ≥ 1/);
    expect(() => parseMetrics('rmse@5')).toThrow(/rmse takes no @k/);
    expect(() => parseMetrics('rmse,')).toThrow(/empty name/);
  });
});

describe('evaluate with rankAt', () => {
  it('adds the top-k figures of every fold, and the users a rank protocol skipped', async () => {
    const ratings = lowRankRatings({ users: 50, items: 30, rank: 2, density: 0.5, seed: 4, biases: true });
    const data = {
      kind: 'csv',
      source: 'synthetic',
      ratings,
      items: new Map(),
      scale: ratings.range(),
      skipped: 0,
    };
    const folds = protocolFolds(parseProtocol('rank:random:2', 2), data, 1);
    expect(folds).toHaveLength(2);
    const result = await evaluate(modelFamily('biases'), {}, folds, { rankAt: [5] });
    for (const fold of result.folds) {
      expect(fold['ndcg@5']).toBeGreaterThan(0);
      expect(fold['ndcg@5']).toBeLessThanOrEqual(1);
      // Every ranked user has two held-out positives: recall@5 = hits / 2 = precision@5 · 5 / 2.
      expect(fold['recall@5']).toBeCloseTo((fold['precision@5'] * 5) / 2, 12);
      expect(fold.rankedUsers + fold.skippedUsers).toBe(50);
    }
    const plain = await evaluate(modelFamily('biases'), {}, folds);
    expect(plain.folds[0]['ndcg@5']).toBeUndefined();
  });
});
