import type { IdMap } from '../data/id-map.js';
import { choleskyFactor, choleskySolve } from '../math/cholesky.js';
import { FactorKernels } from './factor-kernels.js';
import type { FactorLayout } from './factor-layout.js';
import { factorInitFrom, factorTensors } from './factor-model-file.js';
import { ItemRanker } from './item-ranker.js';
import { QuantizedScorer } from './quantized-scorer.js';
import type {
  Explanation,
  ModelLoader,
  Recommender,
  RecommendOptions,
  ScoredItem,
  SimilarOptions,
} from './recommender.js';
import { TopN } from './top-n.js';

/** Ridge penalties in rating units, as the fit used them: per factor slot and on the user bias. */
export interface Regularization {
  factors: number;
  bias: number;
  /** Multiply both by the user's number of ratings (ALS-WR, and what per-rating SGD penalties add up to). */
  weighted: boolean;
  /** Added to the factor and bias penalties once, not × the count (absent in older model files: 0). */
  factorsFixed?: number;
  biasFixed?: number;
}

/** A user's ratings by item index. */
export interface RatedItems {
  readonly items: Int32Array;
  readonly values: Float64Array;
}

/** A user as the model sees them: their row and the ratings it came from (trained, or folded in). */
export interface UserVector {
  readonly row: Float32Array;
  readonly rated: RatedItems;
  /** Item ids in the fold-in ratings that the model does not know (ignored). */
  readonly unknownItems: string[];
}

/**
 * The minimum support the service and the command line ask of a recommended item by default: catalogue
 * coverage peaks around 5–10 training ratings on the anime data and MovieLens 100k, and precision and
 * NDCG on held-out favorites gain most up to 10 (docs/recommendations.md). `recommend` itself filters
 * nothing unless asked.
 */
export const DEFAULT_MIN_RATINGS = 10;

export interface FactorModelInit {
  layout: FactorLayout;
  mean: number;
  users: IdMap;
  items: IdMap;
  userRows: Float32Array;
  itemRows: Float32Array;
  regularization: Regularization;
  /** Rating scale for clipping predictions. */
  scale?: { min: number; max: number } | undefined;
  /** The training ratings by user (CSR over the same indices), to exclude and explain rated items. */
  train: { indptr: Int32Array; indices: Int32Array; values: Float64Array };
  /** Training ratings per item, for a model shipped without its training ratings (counted from `train` otherwise). */
  counts?: Int32Array | undefined;
}

/**
 * A fitted factor model (biased matrix factorization; the global mean and the biases baseline are the
 * special cases without factors): predictions, fold-in of new users, top-n, similar items and
 * explanations. ALS, SGD and the baselines all produce one.
 */
export class FactorModel implements Recommender<UserVector> {
  readonly layout: FactorLayout;
  readonly mean: number;
  readonly users: IdMap;
  readonly items: IdMap;
  readonly userRows: Float32Array;
  readonly itemRows: Float32Array;
  readonly regularization: Regularization;
  readonly scale: { min: number; max: number } | undefined;
  readonly train: FactorModelInit['train'];
  private itemNorms: Float64Array | undefined;
  private itemCounts: Int32Array | undefined;
  private fastPath: FactorKernels | undefined;
  private quantized: QuantizedScorer | undefined;
  private ranker: ItemRanker | undefined;
  private packedItemFactors: Float32Array | undefined;

  constructor(init: FactorModelInit) {
    const { stride } = init.layout;
    if (
      init.userRows.length !== init.users.size * stride ||
      init.itemRows.length !== init.items.size * stride
    ) {
      throw new Error('FactorModel: row arrays do not match the id maps and the layout');
    }
    this.layout = init.layout;
    this.mean = init.mean;
    this.users = init.users;
    this.items = init.items;
    this.userRows = init.userRows;
    this.itemRows = init.itemRows;
    this.regularization = init.regularization;
    this.scale = init.scale;
    this.train = init.train;
    this.itemCounts = init.counts;
  }

  /** Predicted rating of `item` for a known user id or a folded-in user, clipped to the scale. */
  predict(user: string | UserVector, item: string): number {
    const row = typeof user === 'string' ? this.userVector(user).row : user.row;
    return this.clip(this.score(row, 0, this.itemIndex(item)));
  }

  /** Batched predictions over dense indices (evaluation), clipped to the scale. */
  predictIndices(user: Int32Array, item: Int32Array, out = new Float64Array(user.length)): Float64Array {
    const { stride } = this.layout;
    for (let t = 0; t < user.length; t++) {
      out[t] = this.clip(this.score(this.userRows, user[t] * stride, item[t]));
    }
    return out;
  }

  /** The trained vector of a known user and the ratings it was trained on. */
  userVector(user: string): UserVector {
    const u = this.users.indexOf(user);
    if (u < 0) throw new Error(`unknown user "${user}": fold in their ratings instead`);
    const { stride } = this.layout;
    return {
      row: this.userRows.slice(u * stride, (u + 1) * stride),
      rated: ratedBy(this.train, u),
      unknownItems: [],
    };
  }

  /**
   * The vector of a user who was not in the training data, from their ratings, without retraining:
   * the closed-form ridge solve of their row against the fixed item rows, with the fit's penalties
   * (in WebAssembly; `explain` solves the same system in JavaScript to split the score).
   */
  foldIn(ratings: Iterable<{ item: string; value: number }>): UserVector {
    const { rated, unknownItems } = indexRatings(this.items, ratings);
    return { row: this.kernels(rated.items.length).foldIn(rated.items, rated.values), rated, unknownItems };
  }

  /**
   * Top-n items by predicted score for a known user id or a folded-in user: every item scored from
   * 16-bit rows, the few that could be in the top n rescored exactly.
   */
  recommend(user: string | UserVector, options: RecommendOptions = {}): ScoredItem[] {
    const vector = typeof user === 'string' ? this.userVector(user) : user;
    this.ranker ??= new ItemRanker(this.items, () => this.ratingCounts(), this.scale);
    this.quantized ??= new QuantizedScorer(this.itemRows, this.items.size, this.layout.stride);
    const { scores, bound } = this.quantized.score(vector.row);
    const exact = (j: number) => this.scoreItem(vector.row, j);
    return this.ranker.rankBounded(scores, bound, exact, vector.rated.items, options);
  }

  /** The predicted score (not clipped) of item j for a user row. */
  scoreItem(row: Float32Array, j: number): number {
    return this.score(row, 0, j);
  }

  /** Every item's predicted score for the user (not clipped), by item index. */
  scores(user: string | UserVector): Float64Array {
    const vector = typeof user === 'string' ? this.userVector(user) : user;
    return Float64Array.from({ length: this.items.size }, (_, j) => this.score(vector.row, 0, j));
  }

  /**
   * Items whose latent vectors point the same way (cosine similarity of the factor slots), optionally
   * only among items with at least `minRatings` training ratings and that pass `filter`.
   */
  similarItems(item: string, n = 10, options: SimilarOptions = {}): ScoredItem[] {
    const { factors, stride } = this.layout;
    if (factors === 0) throw new Error('this model has no item factors: similar items need a factor model');
    const j = this.itemIndex(item);
    const norms = this.norms();
    const counts = options.minRatings ? this.ratingCounts() : undefined;
    const top = new TopN(n);
    const a = j * stride;
    for (let other = 0; other < this.items.size; other++) {
      if (other === j || norms[other] === 0) continue;
      if (counts && counts[other] < (options.minRatings as number)) continue;
      if (options.filter && !options.filter(this.items.idAt(other))) continue;
      const b = other * stride;
      let dot = 0;
      for (let c = 0; c < factors; c++) dot += this.itemRows[a + c] * this.itemRows[b + c];
      const cosine = dot / (norms[j] * norms[other] || 1);
      if (cosine > top.threshold) top.push(other, cosine);
    }
    return top.sorted().map(({ index, score }) => ({ item: this.items.idAt(index), score }));
  }

  /**
   * Splits the score of `item` for a user into the mean, the biases and one term per rated item. The
   * user's row is the ridge solve x = A⁻¹ Σ_l z_l t_l (z_l the rated item's row, t_l its rating minus
   * mean and item bias), so the score's user part z_j·x = Σ_l (z_j·A⁻¹·z_l)·t_l: each rated item's weight
   * is exact, and the weights sum to the score of the folded-in user.
   */
  explain(user: string | UserVector, item: string, top = 5): Explanation {
    const vector = typeof user === 'string' ? this.userVector(user) : user;
    const j = this.itemIndex(item);
    const { stride, itemBiasSlot } = this.layout;
    const itemBias = itemBiasSlot >= 0 ? this.itemRows[j * stride + itemBiasSlot] : 0;
    const terms: Explanation['contributions'] = [];
    let userPart = 0;
    if (vector.rated.items.length > 0) {
      const system = this.ridgeSystem(vector.rated);
      const w = new Float64Array(system.size);
      for (let c = 0; c < system.size; c++) w[c] = this.itemRows[j * stride + system.slots[c]];
      choleskySolve(system.matrix, system.size, w);
      const { items, values } = vector.rated;
      for (let l = 0; l < items.length; l++) {
        let dot = 0;
        for (let c = 0; c < system.size; c++) dot += w[c] * system.z[l * system.size + c];
        const weight = dot * system.targets[l];
        userPart += weight;
        terms.push({ item: this.items.idAt(items[l]), rating: values[l], weight });
      }
    }
    terms.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
    const shown = terms.slice(0, top);
    return {
      item,
      score: this.mean + itemBias + userPart,
      mean: this.mean,
      itemBias,
      contributions: shown,
      rest: shown.reduce((left, t) => left - t.weight, userPart),
    };
  }

  /** The item factors, for a map (none without at least two factors). */
  mapVectors(): { vectors: Float32Array; dim: number } | undefined {
    const { factors } = this.layout;
    if (factors < 2) return undefined;
    this.packedItemFactors ??= this.itemFactors();
    return { vectors: this.packedItemFactors, dim: factors };
  }

  toFile(): ReturnType<typeof factorTensors> {
    return factorTensors(this);
  }

  /** Item factor vectors without the bias slots, items × factors (for projections and exports). */
  itemFactors(): Float32Array {
    return compact(this.itemRows, this.items.size, this.layout);
  }

  /** User factor vectors without the bias slots, users × factors. */
  userFactors(): Float32Array {
    return compact(this.userRows, this.users.size, this.layout);
  }

  /** The WebAssembly serving path, with room for `ratings` ratings per fold-in. */
  private kernels(ratings: number): FactorKernels {
    if (!this.fastPath || this.fastPath.capacity < ratings) {
      const capacity = Math.max(1024, 2 ** Math.ceil(Math.log2(Math.max(1, ratings))));
      this.fastPath = new FactorKernels(
        this.itemRows,
        this.items.size,
        this.layout,
        this.regularization,
        this.mean,
        capacity,
      );
    }
    return this.fastPath;
  }

  private score(userRows: Float32Array, at: number, j: number): number {
    const { stride } = this.layout;
    const b = j * stride;
    let s = 0;
    for (let c = 0; c < stride; c++) s += userRows[at + c] * this.itemRows[b + c];
    return this.mean + s;
  }

  private clip(x: number): number {
    if (!this.scale) return x;
    return Math.min(this.scale.max, Math.max(this.scale.min, x));
  }

  private itemIndex(item: string): number {
    const j = this.items.indexOf(item);
    if (j < 0) throw new Error(`unknown item "${item}"`);
    return j;
  }

  /** Training ratings per item. */
  ratingCounts(): Int32Array {
    if (!this.itemCounts) {
      this.itemCounts = new Int32Array(this.items.size);
      for (const j of this.train.indices) this.itemCounts[j]++;
    }
    return this.itemCounts;
  }

  private norms(): Float64Array {
    if (!this.itemNorms) {
      const { factors, stride } = this.layout;
      this.itemNorms = new Float64Array(this.items.size);
      for (let j = 0; j < this.items.size; j++) {
        let s = 0;
        for (let c = 0; c < factors; c++) s += this.itemRows[j * stride + c] ** 2;
        this.itemNorms[j] = Math.sqrt(s);
      }
    }
    return this.itemNorms;
  }

  /**
   * The ridge normal equations of one user row over its free slots (factors, then own bias):
   * A = Σ_l z_l z_lᵀ + diag(penalty), rhs = Σ_l z_l t_l, with A already Cholesky-factored.
   */
  private ridgeSystem(rated: RatedItems): {
    slots: number[];
    size: number;
    matrix: Float64Array;
    rhs: Float64Array;
    z: Float64Array;
    targets: Float64Array;
  } {
    const { factors, stride, userBiasSlot, itemBiasSlot } = this.layout;
    const slots = Array.from({ length: factors }, (_, c) => c);
    if (userBiasSlot >= 0) slots.push(userBiasSlot);
    const size = slots.length;
    const count = rated.items.length;
    const z = new Float64Array(count * size);
    const targets = new Float64Array(count);
    const matrix = new Float64Array(size * size);
    const rhs = new Float64Array(size);
    for (let l = 0; l < count; l++) {
      const at = rated.items[l] * stride;
      const t = rated.values[l] - this.mean - (itemBiasSlot >= 0 ? this.itemRows[at + itemBiasSlot] : 0);
      targets[l] = t;
      for (let c = 0; c < size; c++) {
        const zc = this.itemRows[at + slots[c]];
        z[l * size + c] = zc;
        rhs[c] += zc * t;
        for (let d = 0; d <= c; d++) matrix[c * size + d] += zc * z[l * size + d];
      }
    }
    const weight = this.regularization.weighted ? count : 1;
    for (let c = 0; c < size; c++) {
      const { bias, factors, biasFixed = 0, factorsFixed = 0 } = this.regularization;
      const penalty = slots[c] === userBiasSlot ? bias * weight + biasFixed : factors * weight + factorsFixed;
      // A floor keeps the system positive definite for an unregularized fit with few ratings.
      matrix[c * size + c] += Math.max(penalty, 1e-9);
      for (let d = 0; d < c; d++) matrix[d * size + c] = matrix[c * size + d];
    }
    choleskyFactor(matrix, size);
    return { slots, size, matrix, rhs, z, targets };
  }
}

function compact(rows: Float32Array, count: number, layout: FactorLayout): Float32Array {
  const { factors, stride } = layout;
  const out = new Float32Array(count * factors);
  for (let r = 0; r < count; r++) out.set(rows.subarray(r * stride, r * stride + factors), r * factors);
  return out;
}

/** User u's training ratings (a copy) from the ratings by user. */
export function ratedBy(train: FactorModelInit['train'], u: number): RatedItems {
  const { indptr, indices, values } = train;
  return { items: indices.slice(indptr[u], indptr[u + 1]), values: values.slice(indptr[u], indptr[u + 1]) };
}

/**
 * A fold-in's ratings by item index, in item order as training sees a user's (the last of repeated
 * items wins), and the ids the model lacks.
 */
export function indexRatings(
  items: IdMap,
  ratings: Iterable<{ item: string; value: number }>,
): { rated: RatedItems; unknownItems: string[] } {
  const byItem = new Map<number, number>();
  const unknownItems: string[] = [];
  for (const { item, value } of ratings) {
    if (!Number.isFinite(value)) throw new Error(`fold-in rating for "${item}" is not a number`);
    const j = items.indexOf(item);
    if (j < 0) unknownItems.push(item);
    else byItem.set(j, value);
  }
  // Filled by loops: typed arrays built from iterators take V8's slow generic path.
  const indices = new Int32Array(byItem.size);
  let k = 0;
  for (const j of byItem.keys()) indices[k++] = j;
  indices.sort();
  const values = new Float64Array(indices.length);
  for (let e = 0; e < indices.length; e++) values[e] = byItem.get(indices[e]) as number;
  return { rated: { items: indices, values }, unknownItems };
}

/** The loader of the factor models' files (mean, biases, ALS, SGD). */
export const loadFactor: ModelLoader = (tensors, extra, ids, source) =>
  new FactorModel(factorInitFrom(tensors, extra, ids, source));
