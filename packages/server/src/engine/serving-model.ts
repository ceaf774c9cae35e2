import type { Explanation, FoldedUser, MapCluster, MapLayout, Recommender } from 'osusume';
import { conditionKernel, projectItems, qualityKernel, Rng, sampleKDpp } from 'osusume';
import { ADULT_GENRES } from '../domain/adult.js';
import { CHOICE_VALUES, CHOICES, type Choice, NEUTRAL_POINT, SEEN_CHOICES } from '../domain/choices.js';
import type { Catalogue } from './catalogue.js';

/** A visitor's rating, as the engine takes it. */
export interface RatingInput {
  work: string;
  choice: Choice;
}

export interface TagWeight {
  tag: string;
  weight: number;
}

export interface ScoredWork {
  work: string;
  title: string;
  /** The work's type and genres, for drawing its card. */
  type: string | null;
  genres: string[];
  score: number;
}

export interface RecommendRequest {
  n: number;
  category?: string | undefined;
  /** Works never to recommend besides the rated ones (e.g. cards on screen). */
  exclude?: readonly string[] | undefined;
  /** Candidates need at least this many training ratings (the service's OSUSUME_MIN_RATINGS). */
  minRatings: number;
  /** Adult works may be recommended (an account that opted in); left out otherwise. */
  adult?: boolean | undefined;
}

export interface MapProjection {
  /** `tsne`: the layout computed when the model was trained; `pca`: the fallback for models without one. */
  layout: 'tsne' | 'pca';
  /** Each point's cluster is an index into `clusters` (always 0 with PCA, which has none). */
  points: { work: string; x: number; y: number; cluster: number }[];
  clusters: MapCluster[];
  /** The weighted mean of the points of the works given (those the map knows), if any. */
  place(works: readonly { work: string; weight: number }[]): [number, number] | undefined;
}

/** A fresh seed per draw: mosaic cards differ from one visit to the next. */
function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

/** Map projections kept per serving model (each of the full catalogue costs a few megabytes). */
export const MAP_CACHE_SIZE = 4;

/** Similar works need more: a direction learned from a handful of ratings is mostly noise. */
export const SIMILAR_MIN_RATINGS = 10;

/**
 * A trained model ready to answer requests: each request folds the visitor's current ratings into the
 * model (no retraining), then scores the catalogue, leaving out everything they rated (willsee and
 * wontsee too) and works with fewer training ratings than asked. What is shown as a recommendation is
 * decided on top of this by the recommendation rule (recommendation-rule.ts).
 */
export class ServingModel {
  private readonly maps = new Map<string, MapProjection>();
  private adultMask: Uint8Array | undefined;

  constructor(
    readonly version: number,
    readonly model: Recommender,
    readonly catalogue: Catalogue,
    readonly trainedAt: string,
    /** The map computed at training time; undefined for models trained before there was one. */
    readonly layout?: MapLayout,
  ) {}

  /**
   * Runs the hot path (fold-in, scoring, top-n) a few hundred times on made-up visitors, so the JIT and
   * WebAssembly tiers have compiled it before the first real request: otherwise the first seconds under
   * load pay for compilation.
   */
  warmUp(requests = 300): void {
    const rng = new Rng(1);
    const works = this.model.items.toArray();
    for (let r = 0; r < requests; r++) {
      const ratings = Array.from({ length: 10 + rng.int(50) }, () => ({
        work: works[rng.int(works.length)],
        choice: CHOICES[rng.int(CHOICES.length)],
      }));
      this.recommend(ratings, { n: 10, minRatings: 2 });
    }
  }

  /** The visitor as the model sees them: their choices as values, folded in. */
  foldIn(ratings: readonly RatingInput[]): FoldedUser {
    return this.model.foldIn(ratings.map((r) => ({ item: r.work, value: CHOICE_VALUES[r.choice] })));
  }

  recommend(ratings: readonly RatingInput[], request: RecommendRequest): ScoredWork[] {
    return this.rank(this.foldIn(ratings), request);
  }

  /** The best candidates for a folded-in visitor, best first, scores clipped to the choices' scale. */
  rank(user: FoldedUser, request: RecommendRequest): ScoredWork[] {
    const { category } = request;
    // Rated works are left out by the fold-in's own list (works the model lacks are no candidates).
    const items = this.model.recommend(user, {
      n: request.n,
      minRatings: request.minRatings,
      exclude: request.exclude,
      // A mask, not a filter: the scan stays in WebAssembly on the hot path.
      hidden: request.adult ? undefined : this.adultWorks(),
      filter: category ? (id) => this.catalogue.get(id)?.category === category : undefined,
    });
    return items.map(({ item, score }) => this.scored(item, score));
  }

  /**
   * "You seem to like … but not …": the tags the visitor's ratings weigh most, when the model learns
   * tags. A tag whose works the visitor rated above neutral on average is never listed as disliked, nor
   * one they rated below neutral as liked: a model fitted on a few ratings can give a tag the sign
   * opposite to what the visitor said (both favorites are Action, "but not Action").
   */
  tastes(ratings: readonly RatingInput[], n = 5): { likes: TagWeight[]; dislikes: TagWeight[] } | undefined {
    if (!this.model.tagPreferences || ratings.length === 0) return undefined;
    const { likes, dislikes } = this.model.tagPreferences(this.foldIn(ratings), 2 * n);
    const own = this.ownTagMeans(ratings);
    return {
      likes: likes.filter((t) => !((own.get(t.tag) ?? NEUTRAL_POINT) < NEUTRAL_POINT)).slice(0, n),
      dislikes: dislikes.filter((t) => !((own.get(t.tag) ?? NEUTRAL_POINT) > NEUTRAL_POINT)).slice(0, n),
    };
  }

  /** The mean value of the visitor's opinions (seen choices) of the works carrying each genre. */
  private ownTagMeans(ratings: readonly RatingInput[]): Map<string, number> {
    const sums = new Map<string, { sum: number; count: number }>();
    for (const { work, choice } of ratings) {
      if (!SEEN_CHOICES.has(choice)) continue;
      for (const genre of this.catalogue.get(work)?.genres ?? []) {
        const entry = sums.get(genre) ?? { sum: 0, count: 0 };
        entry.sum += CHOICE_VALUES[choice];
        entry.count++;
        sums.set(genre, entry);
      }
    }
    return new Map([...sums].map(([genre, { sum, count }]) => [genre, sum / count]));
  }

  /** Predicted value of a work for the visitor (on the choices' scale), undefined if the model lacks it. */
  predict(ratings: readonly RatingInput[], work: string): number | undefined {
    if (!this.model.items.has(work)) return undefined;
    return this.model.predict(this.foldIn(ratings), work);
  }

  /** A score as shown: within the choices' scale (explanations add up to the unclipped one). */
  clip(score: number): number {
    const { scale } = this.model;
    return scale ? Math.min(scale.max, Math.max(scale.min, score)) : score;
  }

  /** Why the visitor's score of the work is what it is; `user` saves the fold-in when it is at hand. */
  explain(
    ratings: readonly RatingInput[],
    work: string,
    top = 5,
    user: FoldedUser = this.foldIn(ratings),
  ): Explanation | undefined {
    if (!this.model.items.has(work)) return undefined;
    return this.model.explain(user, work, top);
  }

  /** Works whose vectors point the same way; adult ones only when `adult` (a visitor who opted in). */
  similar(work: string, n: number, adult: boolean): ScoredWork[] | undefined {
    if (!this.model.items.has(work) || !this.model.mapVectors()) return undefined;
    return this.model
      .similarItems(work, n, { minRatings: SIMILAR_MIN_RATINGS, filter: this.catalogue.visibleTo(adult) })
      .map(({ item, score }) => this.scored(item, score));
  }

  /**
   * Up to k works of `pool`, drawn from a k-DPP over the item vectors conditioned on the `given` works
   * (docs/recommendations.md, "Diverse onboarding"): L = diag(q)·S·diag(q), S the cosine similarity of
   * the vectors and q the square root of a work's training ratings, so a work is drawn for being both
   * known to many and unlike the others. Works the model lacks are no candidates; none without vectors.
   */
  diverseWorks(
    pool: readonly string[],
    given: readonly string[],
    k: number,
    rng = new Rng(randomSeed()),
  ): string[] {
    const map = this.model.mapVectors();
    if (!map) return [];
    const counts = this.model.ratingCounts();
    const { items } = this.model;
    const givenSet = new Set(given);
    const candidates = pool.filter((w) => items.has(w) && !givenSet.has(w));
    const context = given.filter((w) => items.has(w));
    const rows = [...candidates, ...context].map((w) => items.indexOf(w));
    const quality = rows.map((j, at) => (at < candidates.length ? Math.sqrt(counts[j]) : 1));
    const kernel = qualityKernel(map.vectors, map.dim, rows, quality);
    const conditioned = conditionKernel(
      kernel,
      context.map((_, at) => candidates.length + at),
    );
    return sampleKDpp(conditioned, k, rng, { atMost: true }).map((at) => candidates[at]);
  }

  /** The adult works by item index (1: adult), as the model's `hidden` candidates; built once. */
  private adultWorks(): Uint8Array {
    this.adultMask ??= Uint8Array.from(this.model.items.toArray(), (id) =>
      this.catalogue.get(id)?.adult ? 1 : 0,
    );
    return this.adultMask;
  }
  /** How many map projections are cached. */
  get cachedMaps(): number {
    return this.maps.size;
  }

  /** A scored work with what its card shows. */
  scored(work: string, score: number): ScoredWork {
    const summary = this.catalogue.get(work);
    return {
      work,
      title: summary?.title ?? work,
      type: summary?.type ?? null,
      genres: summary?.genres ?? [],
      score,
    };
  }

  /**
   * The map of the `top` most-rated works, adult ones left out unless `adult` (a visitor who opted in):
   * their points in the layout stored with the model (t-SNE, with its labelled clusters), else a 2-D PCA
   * projection of their item vectors (docs/design.md, "The map"). The last MAP_CACHE_SIZE maps asked for
   * are kept, the least recently used dropped first: `top` comes from the query string, and a projection
   * per value would grow without end.
   */
  map(top: number, adult = false): MapProjection {
    const key = `${top}${adult ? '+adult' : ''}`;
    let map = this.maps.get(key);
    if (map) this.maps.delete(key);
    else map = this.layout ? this.fromLayout(this.layout, top, adult) : this.project(top, adult);
    // A Map iterates in insertion order: re-inserting puts the size last, so the first is the oldest.
    this.maps.set(key, map);
    if (this.maps.size > MAP_CACHE_SIZE) this.maps.delete(this.maps.keys().next().value as string);
    return map;
  }

  /** The `top` works the model knows with the most training ratings (ties by id). */
  private mostRated(top: number): string[] {
    const counts = this.model.ratingCounts();
    return this.model.items
      .toArray()
      .map((id, j) => ({ id, count: counts[j] }))
      .sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : 1))
      .slice(0, top)
      .map((w) => w.id);
  }

  /**
   * The stored layout cut to the `top` works (those shown): each cluster is kept with the works of it
   * shown, its label at their centre (a cluster none of them is in is left out, and clusters are
   * renumbered), named by its first two genres, adult genres left out unless `adult`.
   */
  private fromLayout(layout: MapLayout, top: number, adult: boolean): MapProjection {
    const visible = this.catalogue.visibleTo(adult);
    const indices = this.mostRated(top)
      .filter((id) => !visible || visible(id))
      .map((id) => this.model.items.indexOf(id));
    const shown = new Map<number, { x: number; y: number; size: number }>();
    for (const j of indices) {
      const c = shown.get(layout.cluster[j]) ?? { x: 0, y: 0, size: 0 };
      c.x += layout.xy[2 * j];
      c.y += layout.xy[2 * j + 1];
      c.size++;
      shown.set(layout.cluster[j], c);
    }
    const kept = [...shown.keys()].sort((a, b) => a - b);
    const renumbered = new Map(kept.map((c, index) => [c, index]));
    const clusters = kept.map((c) => {
      const { x, y, size } = shown.get(c) as { x: number; y: number; size: number };
      const genres = layout.clusters[c].genres.filter((g) => adult || !ADULT_GENRES.includes(g));
      return { x: x / size, y: y / size, size, genres: genres.slice(0, 2) };
    });
    const points = indices.map((j) => ({
      work: this.model.items.idAt(j),
      x: layout.xy[2 * j],
      y: layout.xy[2 * j + 1],
      cluster: renumbered.get(layout.cluster[j]) as number,
    }));
    return {
      layout: 'tsne',
      points,
      clusters,
      place: (works) => this.weightedMean(works, (j) => [layout.xy[2 * j], layout.xy[2 * j + 1]]),
    };
  }

  private project(top: number, adult: boolean): MapProjection {
    const { points, projection } = projectItems(this.model, this.mostRated(top));
    const visible = this.catalogue.visibleTo(adult);
    const { vectors: factors, dim: k } = this.model.mapVectors() as { vectors: Float32Array; dim: number };
    return {
      layout: 'pca',
      points: points
        .filter((p) => !visible || visible(p.item))
        .map((p) => ({ work: p.item, x: p.x, y: p.y, cluster: 0 })),
      clusters: [],
      // The projection is linear: the mean of the points is the point of the mean vector.
      place: (works) => this.weightedMean(works, (j) => projection.project(factors, j * k)),
    };
  }

  /** The weighted mean of the points of the works the model knows among `works`. */
  private weightedMean(
    works: readonly { work: string; weight: number }[],
    pointOf: (item: number) => [number, number],
  ): [number, number] | undefined {
    let x = 0;
    let y = 0;
    let total = 0;
    for (const { work, weight } of works) {
      const j = this.model.items.indexOf(work);
      if (j < 0 || !(weight > 0)) continue;
      const [px, py] = pointOf(j);
      x += weight * px;
      y += weight * py;
      total += weight;
    }
    return total > 0 ? [x / total, y / total] : undefined;
  }
}
