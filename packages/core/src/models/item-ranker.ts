import type { IdMap } from '../data/id-map.js';
import { ArenaLayout, KernelArena } from '../math/kernels.js';
import type { RecommendOptions, ScoredItem } from './recommender.js';
import { TopN } from './top-n.js';

/** The WebAssembly memory of the bounded scan: a copy of the scores, the mask and the scan's outputs. */
interface ScanMemory {
  arena: KernelArena;
  at: { scores: number; banned: number; heap: number; near: number; floor: number };
  scores: Float32Array;
  banned: Uint8Array;
  near: Int32Array;
  floor: Float64Array;
}

/**
 * Top-n selection over a score per item, with the candidate rules every model shares: leave out what
 * the user rated (by default), `exclude`, `hidden`, items outside `include`, items failing `filter`, and
 * items with fewer than `minRatings` training ratings. Equal scores are ordered by training ratings (more
 * first), then by index: a model that cannot tell items apart (a LASSO with no tag preference yet)
 * ranks the better-known ones first. Scores are reported clipped to the rating scale, after ranking on
 * the unclipped ones (so the order at the top is kept). Keeps its candidate mask between calls (a
 * serving process asks thousands of times a second), so one ranker serves one thread.
 */
export class ItemRanker {
  private memory: ScanMemory | undefined;
  /** Items never candidates (1) for the last `minRatings` and `hidden` asked: too few ratings, or hidden. */
  private standing: { minRatings: number; hidden: Uint8Array | undefined; mask: Uint8Array } | undefined;

  constructor(
    private readonly items: IdMap,
    private readonly counts: () => Int32Array,
    private readonly scale?: { min: number; max: number } | undefined,
  ) {}

  /** `scores[j] + offset` is item j's score (the offset, e.g. a global mean, is added only to kept items). */
  rank(
    scores: ArrayLike<number>,
    offset: number,
    rated: Int32Array,
    options: RecommendOptions = {},
  ): ScoredItem[] {
    const eligible = this.eligibility(rated, options);
    return this.named(this.best(scores, offset, options.n ?? 10, eligible, options.include));
  }

  /**
   * The exact top n from approximate scores that are within ±`bound` of the exact ones. An item whose
   * approximate score is more than 2·bound below the n-th best approximate score is beaten by n items
   * whatever the exact scores are; the threshold only rises during the scan, so every item that could
   * be in the top n is within 2·bound of it when scanned, and only those are kept and rescored by
   * `exact` (a few dozen, when the bound is small against the gaps between scores). On f32 scores
   * (copied exactly) without `filter` and `include`, the scan runs in WebAssembly over the candidate mask.
   */
  rankBounded(
    approx: ArrayLike<number>,
    bound: number,
    exact: (j: number) => number,
    rated: Int32Array,
    options: RecommendOptions = {},
  ): ScoredItem[] {
    const n = options.n ?? 10;
    const eligible = this.eligibility(rated, options);
    const top = new TopN(n, this.counts());
    let near: ArrayLike<number>;
    let cut: number;
    if (!(approx instanceof Float32Array) || options.filter || options.include || n === 0) {
      const rough = new TopN(n);
      const kept: number[] = [];
      const only = options.include ? Int32Array.from(this.indices(options.include)) : undefined;
      const count = only ? only.length : approx.length;
      cut = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < count; k++) {
        const j = only ? only[k] : k;
        const score = approx[j];
        if (score < cut || !eligible(j)) continue;
        kept.push(j);
        rough.push(j, score);
        cut = rough.threshold - 2 * bound;
      }
      near = kept;
    } else {
      const memory = this.scanMemory();
      const { at } = memory;
      memory.scores.set(approx);
      const found = memory.arena.kernels.nearTop(
        at.scores,
        at.banned,
        approx.length,
        n,
        2 * bound,
        at.heap,
        at.near,
        at.floor,
      );
      near = memory.near.subarray(0, found);
      cut = memory.floor[0];
    }
    for (let k = 0; k < near.length; k++) {
      const j = near[k];
      if (approx[j] >= cut) top.push(j, exact(j));
    }
    return this.named(top);
  }

  /**
   * Sets the candidate mask (1: never recommended) for these rules and returns whether item j may be
   * recommended, the mask and `filter` both.
   */
  private eligibility(rated: Int32Array, options: RecommendOptions): (j: number) => boolean {
    const { excludeRated = true, minRatings = 0, hidden, filter } = options;
    const banned = this.scanMemory().banned;
    if (minRatings > 0 || hidden) banned.set(this.standingMask(minRatings, hidden));
    else banned.fill(0);
    if (excludeRated) for (const j of rated) banned[j] = 1;
    if (options.exclude) {
      for (const id of options.exclude) {
        const j = this.items.indexOf(id);
        if (j >= 0) banned[j] = 1;
      }
    }
    return (j) => !banned[j] && (!filter || filter(this.items.idAt(j)));
  }

  /** The rules that stay the same from request to request, as one mask (computed once per change). */
  private standingMask(minRatings: number, hidden: Uint8Array | undefined): Uint8Array {
    if (this.standing?.minRatings !== minRatings || this.standing.hidden !== hidden) {
      const counts = this.counts();
      if (hidden && hidden.length !== counts.length) {
        throw new Error(`hidden: expected one flag per item (${counts.length}), got ${hidden.length}`);
      }
      const mask = Uint8Array.from(counts, (c, j) => (c < minRatings || hidden?.[j] ? 1 : 0));
      this.standing = { minRatings, hidden, mask };
    }
    return this.standing.mask;
  }

  private scanMemory(): ScanMemory {
    if (!this.memory) {
      const count = this.items.size;
      const plan = new ArenaLayout();
      const at = {
        scores: plan.reserve(4 * count),
        banned: plan.reserve(count),
        heap: plan.reserve(4 * count),
        near: plan.reserve(4 * count),
        floor: plan.reserve(8),
      };
      const arena = new KernelArena(plan);
      this.memory = {
        arena,
        at,
        scores: arena.f32(at.scores, count),
        banned: new Uint8Array(arena.memory.buffer, at.banned, count),
        near: arena.i32(at.near, count),
        floor: arena.f64(at.floor, 1),
      };
    }
    return this.memory;
  }

  /** The n best eligible items by `scores[j] + offset`, skipping those that cannot beat the n-th. */
  private best(
    scores: ArrayLike<number>,
    offset: number,
    n: number,
    eligible: (j: number) => boolean,
    include: Iterable<string> | undefined,
  ): TopN {
    const top = new TopN(n, this.counts());
    if (include) {
      for (const j of this.indices(include)) if (eligible(j)) top.push(j, offset + scores[j]);
      return top;
    }
    let floor = top.threshold - offset;
    for (let j = 0; j < scores.length; j++) {
      // An equal score may still enter, by the tie rules.
      if (scores[j] < floor || !eligible(j)) continue;
      top.push(j, offset + scores[j]);
      floor = top.threshold - offset;
    }
    return top;
  }

  /** The indices of the known items among `ids`. */
  private *indices(ids: Iterable<string>): Generator<number> {
    for (const id of ids) {
      const j = this.items.indexOf(id);
      if (j >= 0) yield j;
    }
  }

  private named(top: TopN): ScoredItem[] {
    const { scale } = this;
    return top.sorted().map(({ index, score }) => ({
      item: this.items.idAt(index),
      score: scale ? Math.min(scale.max, Math.max(scale.min, score)) : score,
    }));
  }
}
