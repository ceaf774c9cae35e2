import type { IdMap } from '../data/id-map.js';
import type { Tensor } from '../io/safetensors.js';
import type { Explanation, RecommendOptions, ScoredItem, SimilarOptions } from './factor-model.js';
import type { TagPreferences } from './lasso.js';

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
