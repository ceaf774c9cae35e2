import type { Interactions } from '../data/interactions.js';

/**
 * Top-k ranking metrics. For each user the evaluator supplies the recommended items, best first, taken
 * from the full catalogue minus that user's training items, and the user's test items with a graded
 * relevance. An item is *relevant* when its relevance is > 0; a missing item has relevance 0. Items are
 * dense item indices.
 *
 * Definitions, for one user with recommended list r₁, r₂, … (only the first k count), relevance rel(i),
 * R = #{items with rel > 0} and hit(j) = 1 when rel(r_j) > 0:
 *
 * - precision@k = Σ_{j ≤ k} hit(j) / k (a list shorter than k is not rewarded for it);
 * - recall@k = Σ_{j ≤ k} hit(j) / R;
 * - AP@k = Σ_{j ≤ k} hit(j) · precision@j / min(k, R), and MAP@k its mean over users;
 * - DCG@k = Σ_{j ≤ k} (2^rel(r_j) − 1) / log₂(j + 1), counting gains of relevant items only;
 *   NDCG@k = DCG@k / IDCG@k, where IDCG@k is the DCG of the user's own test relevances sorted in
 *   decreasing order;
 * - coverage@k = #{items in at least one user's top k} / catalogue size.
 *
 * The per-user metrics are undefined (NaN) for a user with no relevant test item; `rankingMetrics`
 * averages over the users who have one, and counts every user's list for coverage.
 */

/** One user's recommendations and test items, as fed to `rankingMetrics`. */
export interface UserRanking {
  /** Recommended item indices, best first (at least k of them when the catalogue allows). */
  recommended: ArrayLike<number>;
  /** Test item index → graded relevance (> 0 means relevant). */
  relevant: ReadonlyMap<number, number>;
}

export interface RankingMetrics {
  k: number;
  /** Users averaged over: those with at least one relevant test item. */
  users: number;
  precision: number;
  recall: number;
  map: number;
  ndcg: number;
  coverage: number;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`ranking metrics: k must be a positive integer, not ${k}`);
}

function relevanceOf(relevant: ReadonlyMap<number, number>, item: number): number {
  const rel = relevant.get(item);
  return rel !== undefined && rel > 0 ? rel : 0;
}

function relevantCount(relevant: ReadonlyMap<number, number>): number {
  let count = 0;
  for (const rel of relevant.values()) if (rel > 0) count++;
  return count;
}

function hitsAtK(recommended: ArrayLike<number>, relevant: ReadonlyMap<number, number>, k: number): number {
  const top = Math.min(k, recommended.length);
  let hits = 0;
  for (let j = 0; j < top; j++) if (relevanceOf(relevant, recommended[j]) > 0) hits++;
  return hits;
}

/** precision@k for one user: relevant items among the first k, divided by k. NaN without relevant items. */
export function precisionAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlyMap<number, number>,
  k: number,
): number {
  checkK(k);
  if (relevantCount(relevant) === 0) return Number.NaN;
  return hitsAtK(recommended, relevant, k) / k;
}

/** recall@k for one user: relevant items among the first k, divided by all relevant items. */
export function recallAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlyMap<number, number>,
  k: number,
): number {
  checkK(k);
  const count = relevantCount(relevant);
  if (count === 0) return Number.NaN;
  return hitsAtK(recommended, relevant, k) / count;
}

/** AP@k for one user: precision at each hit's rank within the first k, summed, over min(k, #relevant). */
export function averagePrecisionAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlyMap<number, number>,
  k: number,
): number {
  checkK(k);
  const count = relevantCount(relevant);
  if (count === 0) return Number.NaN;
  const top = Math.min(k, recommended.length);
  let hits = 0;
  let sum = 0;
  for (let j = 0; j < top; j++) {
    if (relevanceOf(relevant, recommended[j]) > 0) {
      hits++;
      sum += hits / (j + 1);
    }
  }
  return sum / Math.min(k, count);
}

/** NDCG@k for one user, with gain 2^rel − 1 and discount log₂(rank + 1), ranks starting at 1. */
export function ndcgAtK(
  recommended: ArrayLike<number>,
  relevant: ReadonlyMap<number, number>,
  k: number,
): number {
  checkK(k);
  const ideal: number[] = [];
  for (const rel of relevant.values()) if (rel > 0) ideal.push(rel);
  if (ideal.length === 0) return Number.NaN;
  ideal.sort((a, b) => b - a);
  let idcg = 0;
  for (let j = 0; j < Math.min(k, ideal.length); j++) idcg += (2 ** ideal[j] - 1) / Math.log2(j + 2);
  const top = Math.min(k, recommended.length);
  let dcg = 0;
  for (let j = 0; j < top; j++) {
    const rel = relevanceOf(relevant, recommended[j]);
    if (rel > 0) dcg += (2 ** rel - 1) / Math.log2(j + 2);
  }
  return dcg / idcg;
}

/**
 * All ranking metrics at once, in one pass over the users: precision, recall, MAP and NDCG averaged
 * over users with at least one relevant test item (NaN when there is none), and coverage over every
 * user's top k. Throws when a list repeats an item or names an item outside 0..catalogueSize-1.
 */
export function rankingMetrics(
  users: Iterable<UserRanking>,
  k: number,
  catalogueSize: number,
): RankingMetrics {
  checkK(k);
  if (!Number.isInteger(catalogueSize) || catalogueSize < 1) {
    throw new Error(`rankingMetrics: the catalogue size must be a positive integer, not ${catalogueSize}`);
  }
  const covered = new Uint8Array(catalogueSize);
  // lastList[item] is the last list the item appeared in: a repeat within one list is a caller's bug.
  const lastList = new Int32Array(catalogueSize).fill(-1);
  let coveredCount = 0;
  let list = 0;
  let evaluated = 0;
  let precision = 0;
  let recall = 0;
  let map = 0;
  let ndcg = 0;
  for (const { recommended, relevant } of users) {
    const top = Math.min(k, recommended.length);
    for (let j = 0; j < top; j++) {
      const item = recommended[j];
      if (!Number.isInteger(item) || item < 0 || item >= catalogueSize) {
        throw new Error(
          `rankingMetrics: list ${list} recommends item ${item}, outside 0..${catalogueSize - 1}`,
        );
      }
      if (lastList[item] === list) {
        throw new Error(`rankingMetrics: list ${list} recommends item ${item} twice`);
      }
      lastList[item] = list;
      if (!covered[item]) {
        covered[item] = 1;
        coveredCount++;
      }
    }
    list++;
    if (relevantCount(relevant) === 0) continue;
    evaluated++;
    precision += precisionAtK(recommended, relevant, k);
    recall += recallAtK(recommended, relevant, k);
    map += averagePrecisionAtK(recommended, relevant, k);
    ndcg += ndcgAtK(recommended, relevant, k);
  }
  const mean = (sum: number): number => (evaluated ? sum / evaluated : Number.NaN);
  return {
    k,
    users: evaluated,
    precision: mean(precision),
    recall: mean(recall),
    map: mean(map),
    ndcg: mean(ndcg),
    coverage: coveredCount / catalogueSize,
  };
}

/**
 * Each user's test items with a graded relevance, ready for `rankingMetrics`: user index → (item index →
 * relevance). `toRelevance` maps a rating to a relevance (by default the value itself); ratings that map
 * to ≤ 0 are left out, and users left with no relevant item are absent.
 */
export function relevanceByUser(
  test: Interactions,
  toRelevance: (value: number) => number = (value) => value,
): Map<number, Map<number, number>> {
  const byUser = new Map<number, Map<number, number>>();
  for (let t = 0; t < test.length; t++) {
    const rel = toRelevance(test.value[t]);
    if (!(rel > 0)) continue;
    let items = byUser.get(test.user[t]);
    if (!items) {
      items = new Map();
      byUser.set(test.user[t], items);
    }
    items.set(test.item[t], rel);
  }
  return byUser;
}
