import type { IdMap } from '../../data/id-map.js';
import type { Tensor } from '../../io/safetensors.js';
import { choleskySolve } from '../../math/cholesky.js';
import { type FactorModelInit, indexRatings, type RatedItems, ratedBy } from '../factor-model.js';
import { ItemRanker } from '../item-ranker.js';
import { strongestTags } from '../lasso.js';
import { QuantizedScorer } from '../quantized-scorer.js';
import type {
  Explanation,
  FoldedUser,
  Recommender,
  RecommendOptions,
  ScoredItem,
  SimilarOptions,
  TagPreferences,
} from '../recommender.js';
import { TopN } from '../top-n.js';
import type { FeatureLink } from './feature-family.js';
import { fitUser, linkMean, type UserDesign, type UserPrior, userSystem } from './user-fit.js';

/** A user of a feature model: their own weight and factors (trained, or fitted to their ratings). */
export interface FeatureUser extends FoldedUser {
  readonly rated: RatedItems;
  readonly weight: number;
  readonly factors: Float64Array;
}

/** The item-side features besides each item's own one-hot (tags, categories, numbers), and who has which. */
export interface ItemSide {
  names: string[];
  weights: Float64Array;
  /** side features × k */
  factors: Float64Array;
  /** Item j's side features are indices[indptr[j] … indptr[j + 1]), with values. */
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

/**
 * An order-2 factorization machine restricted to one-hot users, one-hot items and item-side features:
 * ŷ = w₀ + w_u + w_i + Σ_g x_g w_g + ⟨v_u, v_i + Σ_g x_g v_g⟩ + (the item side's own pairs), the
 * prediction link(ŷ). FM, IRT, Elo, logistic MF and linear models on user–item features are all of it.
 */
export interface FeatureRecommenderInit {
  users: IdMap;
  items: IdMap;
  link: FeatureLink;
  k: number;
  w0: number;
  userWeights: Float64Array;
  /** users × k */
  userFactors: Float64Array;
  itemWeights: Float64Array;
  /** items × k */
  itemFactors: Float64Array;
  side: ItemSide;
  /** The prior of a folded-in user's parameters. */
  prior: UserPrior;
  scale?: FactorModelInit['scale'];
  /** The training ratings by user (CSR over the same indices), to exclude and explain rated items. */
  train: FactorModelInit['train'];
}

/**
 * A feature model as a recommender. With the user fixed, the score of item j is c_j + w_u + ⟨v_u, z_j⟩:
 * the item's constant c_j (everything without the user) and its side vector z_j = v_i + Σ_g x_g v_g are
 * computed once, so scoring every item for a user costs O(items·k). A new user's (w_u, v_u) is fitted to
 * their ratings under a prior (`fitUser`): a ridge solve for regression, a few IRLS steps for binary links.
 */
export class FeatureRecommender implements Recommender<FeatureUser> {
  readonly users: IdMap;
  readonly items: IdMap;
  readonly scale: { min: number; max: number } | undefined;
  private readonly init: FeatureRecommenderInit;
  /** c_j per item. */
  private readonly constants: Float64Array;
  /** z_j per item, items × k. */
  private readonly vectors: Float64Array;
  private readonly buffer: Float64Array;
  private itemCounts: Int32Array | undefined;
  private ranker: ItemRanker | undefined;
  private quantized: QuantizedScorer | undefined;

  constructor(init: FeatureRecommenderInit) {
    const { users, items, k } = init;
    if (
      init.userWeights.length !== users.size ||
      init.userFactors.length !== users.size * k ||
      init.itemWeights.length !== items.size ||
      init.itemFactors.length !== items.size * k ||
      init.side.indptr.length !== items.size + 1 ||
      init.side.factors.length !== init.side.names.length * k
    ) {
      throw new Error('FeatureRecommender: parameter arrays do not match the id maps and the factor count');
    }
    this.init = init;
    this.users = users;
    this.items = items;
    this.scale = init.scale;
    this.constants = new Float64Array(items.size);
    this.vectors = new Float64Array(items.size * k);
    this.buffer = new Float64Array(items.size);
    this.precompute();
  }

  get link(): FeatureLink {
    return this.init.link;
  }

  /** c_j = w₀ + w_i + Σ_g x_g w_g + the side's pairs, by Rendle's identity; z_j = v_i + Σ_g x_g v_g. */
  private precompute(): void {
    const { k, w0, itemWeights, itemFactors, side } = this.init;
    for (let j = 0; j < this.items.size; j++) {
      const z = this.vectors.subarray(j * k, (j + 1) * k);
      z.set(itemFactors.subarray(j * k, (j + 1) * k));
      let linear = w0 + itemWeights[j];
      let squares = 0;
      for (let f = 0; f < k; f++) squares += z[f] * z[f];
      for (let e = side.indptr[j]; e < side.indptr[j + 1]; e++) {
        const g = side.indices[e];
        const x = side.values[e];
        linear += side.weights[g] * x;
        for (let f = 0; f < k; f++) {
          const vx = side.factors[g * k + f] * x;
          z[f] += vx;
          squares += vx * vx;
        }
      }
      let pairs = 0;
      for (let f = 0; f < k; f++) pairs += z[f] * z[f];
      this.constants[j] = linear + 0.5 * (pairs - squares);
    }
  }

  /** The linear predictor of item j for a user's (weight, factors). */
  private predictor(weight: number, factors: ArrayLike<number>, at: number, j: number): number {
    const { k } = this.init;
    let s = this.constants[j] + weight;
    for (let f = 0; f < k; f++) s += factors[at + f] * this.vectors[j * k + f];
    return s;
  }

  private clip(x: number): number {
    return this.scale ? Math.min(this.scale.max, Math.max(this.scale.min, x)) : x;
  }

  predictIndices(user: Int32Array, item: Int32Array, out = new Float64Array(user.length)): Float64Array {
    const { k, link, userWeights, userFactors } = this.init;
    for (let t = 0; t < user.length; t++) {
      const u = user[t];
      const eta = this.predictor(userWeights[u], userFactors, u * k, item[t]);
      out[t] = this.clip(linkMean(link, eta));
    }
    return out;
  }

  predict(user: string | FeatureUser, item: string): number {
    const vector = this.resolve(user);
    return this.clip(
      linkMean(this.init.link, this.predictor(vector.weight, vector.factors, 0, this.itemIndex(item))),
    );
  }

  userVector(user: string): FeatureUser {
    const u = this.users.indexOf(user);
    if (u < 0) throw new Error(`unknown user "${user}": fold in their ratings instead`);
    const { k, userWeights, userFactors, train } = this.init;
    return {
      weight: userWeights[u],
      factors: userFactors.slice(u * k, (u + 1) * k),
      rated: ratedBy(train, u),
      unknownItems: [],
    };
  }

  /** A new user's weight and factors fitted to their ratings with the item side fixed (see `fitUser`). */
  foldIn(ratings: Iterable<{ item: string; value: number }>): FeatureUser {
    const { rated, unknownItems } = indexRatings(this.items, ratings);
    const theta = fitUser(this.design(rated), this.init.link, this.init.prior);
    return { weight: theta[0], factors: theta.subarray(1), rated, unknownItems };
  }

  /** Every item's prediction (link applied, not clipped); the array is reused by the next call. */
  scores(user: string | FeatureUser): Float64Array {
    const vector = this.resolve(user);
    const { link } = this.init;
    const out = this.buffer;
    for (let j = 0; j < out.length; j++) {
      out[j] = linkMean(link, this.predictor(vector.weight, vector.factors, 0, j));
    }
    return out;
  }

  /**
   * Top-n items as factor models find them: every item's c_j + ⟨v_u, z_j⟩ from 16-bit rows (z_j, c_j)
   * in WebAssembly, the few that could be in the top n rescored exactly. The link is monotone, so the
   * candidates by linear predictor are the candidates by prediction.
   */
  recommend(user: string | FeatureUser, options: RecommendOptions = {}): ScoredItem[] {
    const vector = this.resolve(user);
    const { k, link } = this.init;
    this.ranker ??= new ItemRanker(this.items, () => this.ratingCounts(), this.scale);
    this.quantized ??= new QuantizedScorer(this.scoringRows(), this.items.size, k + 1);
    const row = new Float32Array(k + 1);
    row.set(vector.factors);
    row[k] = 1;
    const { scores, bound } = this.quantized.score(row);
    const exact = (j: number) => linkMean(link, this.predictor(vector.weight, vector.factors, 0, j));
    return this.ranker.rankBounded(scores, bound, exact, vector.rated.items, options);
  }

  /** Per item (z_j, c_j) in f32, the rows the quantized scorer copies. */
  private scoringRows(): Float32Array {
    const { k } = this.init;
    const rows = new Float32Array(this.items.size * (k + 1));
    for (let j = 0; j < this.items.size; j++) {
      rows.set(this.vectors.subarray(j * k, (j + 1) * k), j * (k + 1));
      rows[j * (k + 1) + k] = this.constants[j];
    }
    return rows;
  }

  /** Items whose side vectors z_j point the same way (cosine): items with like factors and like tags. */
  similarItems(item: string, n = 10, options: SimilarOptions = {}): ScoredItem[] {
    const { k } = this.init;
    if (k === 0) throw new Error('this model has no item factors: similar items need factors > 0');
    const j = this.itemIndex(item);
    const norm = (i: number) => Math.hypot(...this.vectors.subarray(i * k, (i + 1) * k));
    const own = norm(j);
    const counts = options.minRatings ? this.ratingCounts() : undefined;
    const top = new TopN(n);
    for (let other = 0; other < this.items.size; other++) {
      if (other === j) continue;
      if (counts && counts[other] < (options.minRatings as number)) continue;
      if (options.filter && !options.filter(this.items.idAt(other))) continue;
      const length = norm(other);
      if (length === 0) continue;
      let dot = 0;
      for (let f = 0; f < k; f++) dot += this.vectors[j * k + f] * this.vectors[other * k + f];
      const cosine = dot / (own * length || 1);
      if (cosine > top.threshold) top.push(other, cosine);
    }
    return top.sorted().map(({ index, score }) => ({ item: this.items.idAt(index), score }));
  }

  /**
   * The linear predictor of `item` split into its terms (the prediction is link(score): for a binary
   * model the terms add up to log-odds): mean = w₀; itemBias = w_i and half of the item's pairs with its
   * tags; each tag g its weight, the user's taste for it ⟨v_u, v_g⟩ and half of its pairs on the item
   * side; and the user × item part w_u + ⟨v_u, v_i⟩, split by rated item. The user's parameters solve
   * θ = H⁻¹ Σ_l a_l·w_l·ζ_l (`userSystem`), so that part is Σ_l (ãᵀH⁻¹a_l)·w_l·ζ_l with ã = (1, v_i): exact
   * for a folded-in user; for a trained user (whose θ came from the joint fit) `rest` keeps the difference.
   */
  explain(user: string | FeatureUser, item: string, top = 5): Explanation {
    const vector = this.resolve(user);
    const j = this.itemIndex(item);
    const { k, w0, itemWeights, itemFactors, side, link, prior } = this.init;
    const vi = itemFactors.subarray(j * k, (j + 1) * k);
    const dot = (a: ArrayLike<number>, at: number, b: ArrayLike<number>, bt: number) => {
      let s = 0;
      for (let f = 0; f < k; f++) s += a[at + f] * b[bt + f];
      return s;
    };
    let itemBias = itemWeights[j];
    const tags: { tag: string; weight: number }[] = [];
    for (let e = side.indptr[j]; e < side.indptr[j + 1]; e++) {
      const g = side.indices[e];
      const x = side.values[e];
      const withItem = 0.5 * x * dot(vi, 0, side.factors, g * k);
      itemBias += withItem;
      let weight = x * (side.weights[g] + dot(vector.factors, 0, side.factors, g * k)) + withItem;
      for (let h = side.indptr[j]; h < side.indptr[j + 1]; h++) {
        if (h !== e)
          weight += 0.5 * x * side.values[h] * dot(side.factors, g * k, side.factors, side.indices[h] * k);
      }
      tags.push({ tag: side.names[g], weight });
    }
    const userPart = vector.weight + dot(vector.factors, 0, vi, 0);
    const terms: Explanation['contributions'] = [];
    const { rated } = vector;
    if (rated.items.length > 0) {
      const theta = Float64Array.of(vector.weight, ...vector.factors);
      const fit = userSystem(this.design(rated), link, prior, theta);
      const s = Float64Array.of(1, ...vi);
      choleskySolve(fit.information, k + 1, s);
      for (let l = 0; l < rated.items.length; l++) {
        const weight = (s[0] + dot(s, 1, this.vectors, rated.items[l] * k)) * fit.work[l];
        terms.push({ item: this.items.idAt(rated.items[l]), rating: rated.values[l], weight });
      }
    }
    const largest = <T extends { weight: number }>(list: T[]) =>
      list.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).slice(0, top);
    const shown = largest(terms);
    const tagSum = tags.reduce((sum, t) => sum + t.weight, 0);
    const shownTags = largest(tags);
    return {
      item,
      score: w0 + itemBias + userPart + tagSum,
      mean: w0,
      itemBias,
      contributions: shown,
      rest: shown.reduce((left, t) => left - t.weight, userPart),
      ...(side.names.length > 0
        ? { tags: shownTags, tagRest: shownTags.reduce((left, t) => left - t.weight, tagSum) }
        : {}),
    };
  }

  /**
   * The tags (item-side features) the user likes and dislikes most: the user's own part of a tag's
   * effect, ⟨v_u, v_g⟩ (a tag's weight w_g is everyone's). None without factors.
   */
  tagPreferences(user: string | FeatureUser, n = 5): TagPreferences {
    const vector = this.resolve(user);
    const { k, side } = this.init;
    const weights = side.names.map((tag, g) => {
      let weight = 0;
      for (let f = 0; f < k; f++) weight += vector.factors[f] * side.factors[g * k + f];
      return { tag, weight };
    });
    return strongestTags(weights, n);
  }

  /** Training ratings per item index. */
  ratingCounts(): Int32Array {
    if (!this.itemCounts) {
      this.itemCounts = new Int32Array(this.items.size);
      for (const j of this.init.train.indices) this.itemCounts[j]++;
    }
    return this.itemCounts;
  }

  /** The items' side vectors z_j, for a map (none below two factors). */
  mapVectors(): { vectors: Float32Array; dim: number } | undefined {
    const { k } = this.init;
    return k >= 2 ? { vectors: Float32Array.from(this.vectors), dim: k } : undefined;
  }

  toFile(): { tensors: Record<string, Tensor>; extra: Record<string, unknown> } {
    return featureTensors(this.init);
  }

  private resolve(user: string | FeatureUser): FeatureUser {
    return typeof user === 'string' ? this.userVector(user) : user;
  }

  private itemIndex(item: string): number {
    const j = this.items.indexOf(item);
    if (j < 0) throw new Error(`unknown item "${item}"`);
    return j;
  }

  /** A user's ratings as offsets c_j, side vectors z_j and targets. */
  private design(rated: RatedItems): UserDesign {
    const { k } = this.init;
    const count = rated.items.length;
    const offsets = new Float64Array(count);
    const vectors = new Float64Array(count * k);
    for (let l = 0; l < count; l++) {
      const j = rated.items[l];
      offsets[l] = this.constants[j];
      vectors.set(this.vectors.subarray(j * k, (j + 1) * k), l * k);
    }
    return { k, offsets, vectors, targets: Float64Array.from(rated.values) };
  }
}

const F64 = (data: Float64Array, shape: number[]): Tensor => ({ dtype: 'F64', shape, data });
const I32 = (data: Int32Array): Tensor => ({ dtype: 'I32', shape: [data.length], data });

/**
 * The model file's tensors: `w0`, `user_weights`, `user_factors` (users × k), `item_weights`,
 * `item_factors`, the side features' `side_weights`, `side_factors` and the items' side rows
 * (`side_indptr`, `side_indices`, `side_values`), and the training ratings; `extra` keeps the link, k, the
 * side features' names, the fold-in prior and the scale.
 */
function featureTensors(init: FeatureRecommenderInit): {
  tensors: Record<string, Tensor>;
  extra: Record<string, unknown>;
} {
  const { k, users, items, side, train } = init;
  return {
    tensors: {
      w0: F64(Float64Array.of(init.w0), []),
      user_weights: F64(init.userWeights, [users.size]),
      user_factors: F64(init.userFactors, [users.size, k]),
      item_weights: F64(init.itemWeights, [items.size]),
      item_factors: F64(init.itemFactors, [items.size, k]),
      side_weights: F64(side.weights, [side.names.length]),
      side_factors: F64(side.factors, [side.names.length, k]),
      side_indptr: I32(side.indptr),
      side_indices: I32(side.indices),
      side_values: F64(side.values, [side.values.length]),
      train_indptr: I32(train.indptr),
      train_items: I32(train.indices),
      train_values: F64(train.values, [train.values.length]),
    },
    extra: {
      link: init.link,
      factors: k,
      sideNames: side.names,
      prior: init.prior,
      scale: init.scale ?? null,
    },
  };
}

/** Reads `featureTensors`' output back; throws, naming the file, on a missing or mis-sized tensor. */
export function loadFeatureRecommender(
  tensors: Record<string, Tensor>,
  extra: Record<string, unknown>,
  ids: { users: IdMap; items: IdMap },
  source: string,
): FeatureRecommender {
  const fail = (why: string): never => {
    throw new Error(`${source}: not a feature model file: ${why}`);
  };
  const k = Number(extra.factors);
  const link = extra.link as FeatureLink;
  if (!Number.isInteger(k) || k < 0) fail('no factor count in its metadata');
  if (!['identity', 'logistic', 'probit'].includes(link)) fail(`unknown link "${String(extra.link)}"`);
  const names = Array.isArray(extra.sideNames) ? extra.sideNames.map(String) : fail('no side feature names');
  const take = <T extends Tensor['data']>(name: string, length?: number): T => {
    const t = tensors[name] ?? fail(`tensor ${name} is missing`);
    if (length !== undefined && t.data.length !== length) {
      fail(`tensor ${name} has ${t.data.length} values, expected ${length}`);
    }
    return t.data as T;
  };
  const { users, items } = ids;
  const sideIndptr = take<Int32Array>('side_indptr', items.size + 1);
  const trainIndptr = take<Int32Array>('train_indptr', users.size + 1);
  return new FeatureRecommender({
    users,
    items,
    link,
    k,
    w0: take<Float64Array>('w0', 1)[0],
    userWeights: take('user_weights', users.size),
    userFactors: take('user_factors', users.size * k),
    itemWeights: take('item_weights', items.size),
    itemFactors: take('item_factors', items.size * k),
    side: {
      names,
      weights: take('side_weights', names.length),
      factors: take('side_factors', names.length * k),
      indptr: sideIndptr,
      indices: take('side_indices', sideIndptr[items.size]),
      values: take('side_values', sideIndptr[items.size]),
    },
    prior: extra.prior as UserPrior,
    scale: (extra.scale as { min: number; max: number } | null) ?? undefined,
    train: {
      indptr: trainIndptr,
      indices: take('train_items', trainIndptr[users.size]),
      values: take('train_values', trainIndptr[users.size]),
    },
  });
}
