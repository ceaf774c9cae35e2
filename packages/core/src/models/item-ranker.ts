import type { IdMap } from '../data/id-map.js';
import type { RecommendOptions, ScoredItem } from './factor-model.js';
import { TopN } from './top-n.js';

/**
 * Top-n selection over a score per item, with the candidate rules every model shares: leave out what
 * the user rated (by default), `exclude`, items outside `include`, items failing `filter`, and items
 * with fewer than `minRatings` training ratings. Keeps its candidate mask between calls (a serving
 * process asks thousands of times a second), so one ranker serves one thread.
 */
export class ItemRanker {
  private banned: Uint8Array | undefined;

  constructor(
    private readonly items: IdMap,
    private readonly counts: () => Int32Array,
  ) {}

  /** `scores[j] + offset` is item j's score (the offset, e.g. a global mean, is added only to kept items). */
  rank(
    scores: ArrayLike<number>,
    offset: number,
    rated: Int32Array,
    options: RecommendOptions = {},
  ): ScoredItem[] {
    const { n = 10, excludeRated = true, minRatings = 0, filter } = options;
    this.banned ??= new Uint8Array(this.items.size);
    const banned = this.banned;
    banned.fill(0);
    if (excludeRated) for (const j of rated) banned[j] = 1;
    if (options.exclude) {
      for (const id of options.exclude) {
        const j = this.items.indexOf(id);
        if (j >= 0) banned[j] = 1;
      }
    }
    const counts = minRatings > 0 ? this.counts() : undefined;
    const top = new TopN(n);
    const consider = (j: number): void => {
      if (banned[j] || (counts && counts[j] < minRatings)) return;
      if (!filter || filter(this.items.idAt(j))) top.push(j, offset + scores[j]);
    };
    if (options.include) {
      for (const id of options.include) {
        const j = this.items.indexOf(id);
        if (j >= 0) consider(j);
      }
    } else {
      let floor = top.threshold - offset;
      for (let j = 0; j < scores.length; j++) {
        if (scores[j] <= floor) continue;
        consider(j);
        floor = top.threshold - offset;
      }
    }
    return top.sorted().map(({ index, score }) => ({ item: this.items.idAt(index), score }));
  }
}
