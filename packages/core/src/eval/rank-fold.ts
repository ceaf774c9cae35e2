import type { Interactions } from '../data/interactions.js';
import type { Recommender } from '../models/recommender.js';
import { TopN } from '../models/top-n.js';
import { rankingMetrics, type UserRanking } from './ranking.js';
import { PositiveRule } from './relevance.js';

/**
 * Top-k figures of a fitted model on one fold. Each user with at least one positive test rating (see
 * `PositiveRule`) gets the model's top max(ks) among all the items they did not rate in training (from
 * `scores`, by a bounded heap, ties to the more rated item), and the positives are the relevant items,
 * each with relevance 1. Keys: `precision@k`, `recall@k`, `ndcg@k`, `map@k` and `coverage@k` for each k,
 * and `rankedUsers`. Coverage counts the lists of the ranked users over the whole catalogue.
 */
export function rankFigures(
  model: Recommender,
  train: Interactions,
  test: Interactions,
  ks: readonly number[],
): Record<string, number> {
  if (ks.length === 0) return {};
  const depth = Math.max(...ks);
  const rule = new PositiveRule([train, test]);
  const relevant = new Map<number, Map<number, number>>();
  for (let t = 0; t < test.length; t++) {
    const u = test.user[t];
    if (!rule.isPositive(u, test.value[t])) continue;
    let items = relevant.get(u);
    if (!items) {
      items = new Map();
      relevant.set(u, items);
    }
    items.set(test.item[t], 1);
  }
  const rated = train.byUser();
  const counts = train.itemCounts();
  const seen = new Uint8Array(train.items.size);
  const lists: UserRanking[] = [];
  for (const [u, items] of relevant) {
    for (let e = rated.indptr[u]; e < rated.indptr[u + 1]; e++) seen[rated.indices[e]] = 1;
    const scores = model.scores(train.users.idAt(u));
    const top = new TopN(depth, counts);
    let threshold = top.threshold;
    for (let j = 0; j < seen.length; j++) {
      const score = scores[j];
      if (score >= threshold && !seen[j]) {
        top.push(j, score);
        threshold = top.threshold;
      }
    }
    for (let e = rated.indptr[u]; e < rated.indptr[u + 1]; e++) seen[rated.indices[e]] = 0;
    lists.push({ recommended: top.sorted().map(({ index }) => index), relevant: items });
  }
  const figures: Record<string, number> = {};
  for (const k of ks) {
    const metrics = rankingMetrics(lists, k, train.items.size);
    figures[`precision@${k}`] = metrics.precision;
    figures[`recall@${k}`] = metrics.recall;
    figures[`ndcg@${k}`] = metrics.ndcg;
    figures[`map@${k}`] = metrics.map;
    figures[`coverage@${k}`] = metrics.coverage;
  }
  figures.rankedUsers = lists.length;
  return figures;
}
