// Imports end in .js: this module is also compiled by tsc (Node's resolution) for its unit test.
import { decodePortableFactors, type FactorModel, type UserVector } from 'osusume/browser';
import type { Choice, Explanation, Fallback, Recommendation, Recommendations } from '../lib/types.js';

/** What the service puts in the private-mode payload besides the factors (engine/private-model.ts). */
interface PayloadExtra {
  model: number;
  choiceValues: Record<Choice, number>;
  neutralPoint: number;
  minRatings: number;
  genres: string[];
  /** Per item index: title, type, genre indices. */
  works: [string, string | null, number[]][];
  /** Item indices of adult works (never recommended here: a private visitor has no account). */
  adult: number[];
  lists: Record<FallbackList, string[]>;
}

type FallbackList = 'top' | 'pearls' | 'popular';
const FALLBACK_LISTS: readonly FallbackList[] = ['top', 'pearls', 'popular'];

/** Choices that say the visitor did not want a work: never shown as a reason to watch another. */
const AGAINST = new Set<Choice>(['dislike', 'wontsee']);

/** Rated works asked of the model per explanation: room for those left out as reasons (as the service). */
const EXPLAIN_DEPTH = 12;

export interface PrivateRating {
  work: string;
  choice: Choice;
}

/**
 * Recommendations computed in the browser (docs/web.md, "Private mode"): core's FactorModel, rebuilt from
 * the downloaded payload, folds the visitor in and ranks with the same WebAssembly kernels as the
 * service; on top of it, the service's recommendation rule (packages/server/src/engine/
 * recommendation-rule.ts, docs/recommendations.md) and its explanations, restated here because the
 * service's modules need its database.
 */
export class PrivateEngine {
  private readonly hidden: Uint8Array;

  private constructor(
    readonly model: FactorModel,
    private readonly extra: PayloadExtra,
  ) {
    this.hidden = new Uint8Array(model.items.size);
    for (const j of extra.adult) this.hidden[j] = 1;
  }

  /** The engine of a payload as GET /api/private/model sends it (after HTTP's gzip is undone). */
  static decode(bytes: Uint8Array): PrivateEngine {
    const { model, extra } = decodePortableFactors(bytes);
    return new PrivateEngine(model, extra as unknown as PayloadExtra);
  }

  /** The service's model version this payload was built from. */
  get version(): number {
    return this.extra.model;
  }

  /** The visitor folded in: their choices as the values the model learnt. */
  foldIn(ratings: readonly PrivateRating[]): UserVector {
    return this.model.foldIn(
      ratings.map((r) => ({ item: r.work, value: this.extra.choiceValues[r.choice] })),
    );
  }

  /** The n recommendations for these ratings, each from the model with its why, or from a list. */
  recommend(ratings: readonly PrivateRating[], n: number): Recommendations {
    const user = this.foldIn(ratings);
    const ranked = this.model.recommend(user, { n, minRatings: this.extra.minRatings, hidden: this.hidden });
    const liked = ratings.length === 0 ? [] : ranked.filter(({ score }) => score > this.extra.neutralPoint);
    const items: Recommendation[] = liked.map(({ item, score }) => ({
      ...this.card(item, score),
      source: 'model',
      why: this.explain(user, ratings, item, 3),
    }));
    let fallback: Fallback = 'none';
    if (items.length < n) {
      const taken = new Set([...ratings.map((r) => r.work), ...liked.map((w) => w.item)]);
      const pool: { work: string; list: FallbackList; order: number; score: number }[] = [];
      for (const list of FALLBACK_LISTS) {
        for (const work of this.extra.lists[list] ?? []) {
          const j = this.model.items.indexOf(work);
          if (taken.has(work) || j < 0 || this.hidden[j]) continue;
          taken.add(work);
          pool.push({ work, list, order: pool.length, score: this.model.predict(user, work) });
        }
      }
      pool.sort((a, b) => b.score - a.score || a.order - b.order);
      for (const { work, list, score } of pool.slice(0, n - items.length)) {
        items.push({ ...this.card(work, score), source: list });
      }
      if (items.length > liked.length) fallback = ratings.length === 0 ? 'no-ratings' : 'few-liked';
    }
    return { model: this.extra.model, fallback, tastes: null, items };
  }

  /** The work's title, type and genres, as a card shows them. */
  private card(work: string, score: number) {
    const [title, type, genres] = this.extra.works[this.model.items.indexOf(work)] ?? [work, null, []];
    return { work, title, type, genres: genres.map((g) => this.extra.genres[g]), score };
  }

  /**
   * Why: the rated works that weigh most, a disliked (or won't-see) work that pushes the score up left
   * out as a reason (its weight goes to `rest`), as the service explains.
   */
  private explain(
    user: UserVector,
    ratings: readonly PrivateRating[],
    work: string,
    top: number,
  ): Explanation {
    const why = this.model.explain(user, work, Math.max(top, EXPLAIN_DEPTH));
    const choices = new Map(ratings.map((r) => [r.work, r.choice]));
    const listed = why.contributions.filter((c) => {
      const choice = choices.get(c.item);
      return !(c.weight > 0 && choice !== undefined && AGAINST.has(choice));
    });
    const shown = listed.slice(0, top);
    const hidden =
      why.contributions.reduce((sum, c) => sum + c.weight, 0) - shown.reduce((s, c) => s + c.weight, 0);
    return {
      score: why.score,
      mean: why.mean,
      itemBias: why.itemBias,
      rest: why.rest + hidden,
      contributions: shown.map((c) => ({
        work: c.item,
        title: this.card(c.item, 0).title,
        choice: choices.get(c.item) ?? null,
        weight: c.weight,
      })),
      tags: [],
      tagRest: 0,
      gate: null,
    };
  }
}
