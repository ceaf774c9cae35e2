import type { IdMap } from '../data/id-map.js';
import type { Tensor } from '../io/safetensors.js';

// The model contract (docs/design.md): what every fitted model offers, and the types its methods speak.

export interface RecommendOptions {
  /** How many items (default 10). */
  n?: number;
  /** Leave out the items the user rated (default true). */
  excludeRated?: boolean;
  /** Only these items are candidates. */
  include?: Iterable<string>;
  /** These items are never recommended. */
  exclude?: Iterable<string>;
  /**
   * Items never recommended, one flag per item index (1: hidden), e.g. a content filter built once for
   * many requests: unlike `filter`, it keeps the scan in WebAssembly.
   */
  hidden?: Uint8Array;
  /** Candidates must pass this test (called per candidate: slower than `hidden`). */
  filter?: (item: string) => boolean;
  /** Only items with at least this many training ratings (default 0): rarely rated items have noisy scores. */
  minRatings?: number;
}

export interface SimilarOptions {
  /** Only items with at least this many training ratings (a rarely rated item's direction is noise). */
  minRatings?: number;
  /** Only items that pass this test. */
  filter?: (item: string) => boolean;
}

export interface ScoredItem {
  item: string;
  /** Predicted rating, clipped to the rating scale (the ranking is by the unclipped score). */
  score: number;
}

/**
 * Why a score is what it is: score = mean + itemBias + Σ contributions + rest + Σ tags + tagRest. Each
 * rated item's weight is its exact share of the collaborative part (the user's own bias included); each
 * tag's weight its share of the content part (tag preference × the item's tag weight), for the models
 * that learn from tags. A blend scales each part by its gate.
 */
export interface Explanation {
  item: string;
  score: number;
  mean: number;
  itemBias: number;
  /** The rated items that weigh most in the score, largest |weight| first. */
  contributions: { item: string; rating: number; weight: number }[];
  /** The summed weight of the rated items not listed. */
  rest: number;
  /** The tags that weigh most in the score, largest |weight| first (content models). */
  tags?: { tag: string; weight: number }[];
  /** The summed weight of the tags not listed. */
  tagRest?: number;
  /** For a blend: the weight of the collaborative model for this item (1 − gate goes to the content model). */
  gate?: number;
}

/** The sum of an explanation's parts, which is its score (a blend's parts are already scaled by its gate). */
export function explanationTotal(e: Explanation): number {
  const sum = (list: readonly { weight: number }[] | undefined) =>
    (list ?? []).reduce((s, t) => s + t.weight, 0);
  return e.mean + e.itemBias + sum(e.contributions) + e.rest + sum(e.tags) + (e.tagRest ?? 0);
}

/** A user's strongest tag preferences. */
export interface TagPreferences {
  /** Largest positive weights first. */
  likes: { tag: string; weight: number }[];
  /** Most negative weights first. */
  dislikes: { tag: string; weight: number }[];
}

/** A user as a model sees them: the ratings it was built from (trained or folded in), and model state. */
export interface FoldedUser {
  readonly rated: { readonly items: Int32Array; readonly values: Float64Array };
  /** Item ids in the fold-in ratings that the model does not know (ignored). */
  readonly unknownItems: string[];
}

/**
 * What every fitted model offers (docs/design.md, the model contract): predictions, fold-in of a new user
 * without retraining, top-n, similar items, explanations, and its tensors for the model file.
 */
export interface Recommender<V extends FoldedUser = FoldedUser> {
  readonly users: IdMap;
  readonly items: IdMap;
  /** The rating scale that predictions and recommended scores are clipped to, when the model has one. */
  readonly scale?: { min: number; max: number } | undefined;
  /** Batched predictions over dense indices, clipped to the rating scale. */
  predictIndices(user: Int32Array, item: Int32Array, out?: Float64Array): Float64Array;
  predict(user: string | V, item: string): number;
  userVector(user: string): V;
  foldIn(ratings: Iterable<{ item: string; value: number }>): V;
  recommend(user: string | V, options?: RecommendOptions): ScoredItem[];
  /** Every item's predicted score (not clipped), by item index; the array may be reused by the next call. */
  scores(user: string | V): ArrayLike<number>;
  similarItems(item: string, n?: number, options?: SimilarOptions): ScoredItem[];
  explain(user: string | V, item: string, top?: number): Explanation;
  /** Training ratings per item index. */
  ratingCounts(): Int32Array;
  /** Item vectors for a map (items × dim) and dim; undefined when the model has none. */
  mapVectors(): { vectors: Float32Array; dim: number } | undefined;
  /** For the models that learn from tags: the tags the user likes and dislikes most. */
  tagPreferences?(user: string | V, n?: number): TagPreferences;
  /** The tensors and metadata that `loadRecommender` turns back into this model. */
  toFile(): { tensors: Record<string, Tensor>; extra: Record<string, unknown> };
}

/** Turns a model file's tensors and metadata (what `toFile` gave) back into a model of its family. */
export type ModelLoader = (
  tensors: Record<string, Tensor>,
  extra: Record<string, unknown>,
  ids: { users: IdMap; items: IdMap },
  source: string,
) => Recommender;
