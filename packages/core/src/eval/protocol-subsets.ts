import type { Interactions } from '../data/interactions.js';

/**
 * The seed talk's evaluation protocol ("Comparing algorithms: cross-validation"): a model fitted on the
 * training ratings is scored on three subsets of the test ratings, which show how it copes with works
 * that few people rated.
 */
export interface SeedTableSubsets {
  /** Every test rating: 0..n-1. */
  whole: Int32Array;
  /**
   * The test ratings whose items have the fewest training ratings (1,000 of them by default, or all when
   * the test set is smaller). Ties are broken by item index, then by position, so the choice repeats.
   */
  leastRated: Int32Array;
  /** The test ratings whose item has no training rating at all. */
  coldStart: Int32Array;
}

/** For each item index of `test`, its number of ratings in `train`, whether or not they share id maps. */
function trainingCounts(train: Interactions, test: Interactions): Int32Array {
  const counts = train.itemCounts();
  if (train.items === test.items) return counts;
  const byTestItem = new Int32Array(test.items.size);
  for (let i = 0; i < byTestItem.length; i++) {
    const at = train.items.indexOf(test.items.idAt(i));
    byTestItem[i] = at < 0 ? 0 : counts[at];
  }
  return byTestItem;
}

/**
 * The positions within `test` (ascending) of the protocol's three subsets. `leastRated` is the size of
 * the "least rated" subset.
 */
export function seedTableSubsets(
  train: Interactions,
  test: Interactions,
  leastRated = 1000,
): SeedTableSubsets {
  if (!Number.isInteger(leastRated) || leastRated < 0) {
    throw new Error(
      `seedTableSubsets: the least-rated size must be a non-negative integer, not ${leastRated}`,
    );
  }
  const n = test.length;
  const counts = trainingCounts(train, test);
  const whole = new Int32Array(n);
  for (let p = 0; p < n; p++) whole[p] = p;

  const item = test.item;
  const order = whole.slice().sort((a, b) => counts[item[a]] - counts[item[b]] || item[a] - item[b] || a - b);
  const least = order.slice(0, Math.min(leastRated, n)).sort();

  let cold = 0;
  for (let p = 0; p < n; p++) if (counts[item[p]] === 0) cold++;
  const coldStart = new Int32Array(cold);
  cold = 0;
  for (let p = 0; p < n; p++) if (counts[item[p]] === 0) coldStart[cold++] = p;

  return { whole, leastRated: least, coldStart };
}
