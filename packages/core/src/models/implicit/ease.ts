import type { IdMap } from '../../data/id-map.js';
import type { Interactions } from '../../data/interactions.js';
import type { Tensor } from '../../io/safetensors.js';
import { indexRatings } from '../factor-model.js';
import type { FitOptions, FitResult } from '../fit-options.js';
import { ItemRanker } from '../item-ranker.js';
import { defineParams, resolveParams } from '../params.js';
import type {
  Explanation,
  FoldedUser,
  ModelLoader,
  Recommender,
  RecommendOptions,
  ScoredItem,
  SimilarOptions,
} from '../recommender.js';
import { TopN } from '../top-n.js';
import { implicitExplanation } from './explanation.js';

/**
 * EASE (Steck 2019): an item-item model whose weight matrix B (items × items, zero diagonal) is the
 * closed-form ridge regression of every item's column of X on the other columns: with P = (XᵀX + λI)⁻¹,
 * B = I − P·diag(1/diag(P)). A user's score for item j is Σᵢ x_ui·B[i, j] over their items i, so fold-in
 * is free and each item's share of a score is exact. The inverse is dense: O(n³) time and 8n² bytes for
 * n items, which is why `maxItems` refuses large catalogues (docs/implicit.md).
 */
export const EASE_PARAMS = defineParams([
  { name: 'lambda', type: 'number', default: 250, min: 1e-9, description: 'ridge penalty on B' },
  {
    name: 'maxItems',
    type: 'int',
    default: 5000,
    min: 1,
    max: 20000,
    description: 'refuse catalogues larger than this (the dense inverse is O(items³))',
  },
]);

/** The training interactions by user, as every model keeps them. */
interface TrainRows {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

export async function fitEase(
  data: Interactions,
  given: Record<string, number | boolean | string | undefined> = {},
  _options: FitOptions = {},
): Promise<FitResult<EaseModel>> {
  const params = resolveParams(EASE_PARAMS, given);
  const n = data.items.size;
  const maxItems = params.maxItems;
  if (n > maxItems) {
    throw new Error(
      `ease: ${n} items exceed maxItems=${maxItems}: it inverts a dense items × items matrix ` +
        `(O(items³) time, ${((8 * n * n) / 2 ** 30).toFixed(1)} GiB); use ials, or --param maxItems=${n} to insist`,
    );
  }
  const started = performance.now();
  const { indptr, indices, values } = data.byUser();
  for (const v of values) {
    if (!(v >= 0)) throw new Error(`ease: weight ${v} is not a number ≥ 0: read the data with --implicit`);
  }
  const gram = new Float64Array(n * n);
  for (let u = 0; u + 1 < indptr.length; u++) {
    for (let a = indptr[u]; a < indptr[u + 1]; a++) {
      const row = indices[a] * n;
      for (let b = indptr[u]; b < indptr[u + 1]; b++) gram[row + indices[b]] += values[a] * values[b];
    }
  }
  for (let j = 0; j < n; j++) gram[j * n + j] += params.lambda;
  invertSpd(gram, n);
  const weights = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (i !== j) weights[i * n + j] = -gram[i * n + j] / gram[j * n + j];
  }
  const model = new EaseModel(data.users, data.items, weights, { indptr, indices, values });
  const seconds = (performance.now() - started) / 1000;
  return { model, report: { fitSeconds: seconds, epochSeconds: [seconds], curve: [] } };
}

/**
 * In-place inverse of a symmetric positive-definite n × n matrix (row-major) by Gauss–Jordan elimination
 * without pivoting (safe for SPD: every pivot stays positive), n³ multiply-adds over contiguous rows.
 */
function invertSpd(a: Float64Array, n: number): void {
  for (let k = 0; k < n; k++) {
    const pk = k * n;
    const pivot = a[pk + k];
    if (!(pivot > 0)) throw new Error(`ease: XᵀX + λI is not positive definite (pivot ${k} is ${pivot})`);
    a[pk + k] = 1;
    for (let j = 0; j < n; j++) a[pk + j] /= pivot;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const pi = i * n;
      const f = a[pi + k];
      if (f === 0) continue;
      a[pi + k] = 0;
      for (let j = 0; j < n; j++) a[pi + j] -= f * a[pk + j];
    }
  }
}

/** A fitted EASE model: scores = the user's interaction weights times B. */
export class EaseModel implements Recommender {
  readonly scale = undefined;
  private counts: Int32Array | undefined;
  private ranker: ItemRanker | undefined;
  private readonly buffer: Float64Array;

  constructor(
    readonly users: IdMap,
    readonly items: IdMap,
    /** B, items × items, row i = what item i adds to every item's score. */
    readonly weights: Float32Array,
    readonly train: TrainRows,
  ) {
    if (weights.length !== items.size * items.size) throw new Error('EaseModel: B does not match the items');
    this.buffer = new Float64Array(items.size);
  }

  predictIndices(user: Int32Array, item: Int32Array, out = new Float64Array(user.length)): Float64Array {
    const { indptr, indices, values } = this.train;
    const n = this.items.size;
    for (let t = 0; t < user.length; t++) {
      let s = 0;
      for (let e = indptr[user[t]]; e < indptr[user[t] + 1]; e++)
        s += values[e] * this.weights[indices[e] * n + item[t]];
      out[t] = s;
    }
    return out;
  }

  predict(user: string | FoldedUser, item: string): number {
    return this.scores(user)[this.itemIndex(item)];
  }

  userVector(user: string): FoldedUser {
    const u = this.users.indexOf(user);
    if (u < 0) throw new Error(`unknown user "${user}": fold in their ratings instead`);
    const { indptr, indices, values } = this.train;
    return {
      rated: {
        items: indices.slice(indptr[u], indptr[u + 1]),
        values: values.slice(indptr[u], indptr[u + 1]),
      },
      unknownItems: [],
    };
  }

  /** Free: a new user is their interactions. */
  foldIn(ratings: Iterable<{ item: string; value: number }>): FoldedUser {
    return indexRatings(this.items, ratings);
  }

  scores(user: string | FoldedUser): Float64Array {
    const { items, values } = (typeof user === 'string' ? this.userVector(user) : user).rated;
    const n = this.items.size;
    const out = this.buffer.fill(0);
    for (let l = 0; l < items.length; l++) {
      const row = items[l] * n;
      const x = values[l];
      for (let j = 0; j < n; j++) out[j] += x * this.weights[row + j];
    }
    return out;
  }

  recommend(user: string | FoldedUser, options: RecommendOptions = {}): ScoredItem[] {
    const vector = typeof user === 'string' ? this.userVector(user) : user;
    this.ranker ??= new ItemRanker(this.items, () => this.ratingCounts());
    return this.ranker.rank(this.scores(vector), 0, vector.rated.items, options);
  }

  /** The items this one adds most to (largest B[item, j]). */
  similarItems(item: string, n = 10, options: SimilarOptions = {}): ScoredItem[] {
    const i = this.itemIndex(item);
    const size = this.items.size;
    const counts = options.minRatings ? this.ratingCounts() : undefined;
    const top = new TopN(n);
    for (let j = 0; j < size; j++) {
      if (j === i || (counts && counts[j] < (options.minRatings as number))) continue;
      if (options.filter && !options.filter(this.items.idAt(j))) continue;
      const w = this.weights[i * size + j];
      if (w > top.threshold) top.push(j, w);
    }
    return top.sorted().map(({ index, score }) => ({ item: this.items.idAt(index), score }));
  }

  /** Each of the user's items i weighs x_ui·B[i, item]; they sum to the score exactly. */
  explain(user: string | FoldedUser, item: string, top = 5): Explanation {
    const { items, values } = (typeof user === 'string' ? this.userVector(user) : user).rated;
    const j = this.itemIndex(item);
    const n = this.items.size;
    let score = 0;
    const terms = Array.from(items, (i, l) => {
      const weight = values[l] * this.weights[i * n + j];
      score += weight;
      return { item: this.items.idAt(i), rating: values[l], weight };
    });
    return implicitExplanation(item, 0, score, terms, top);
  }

  ratingCounts(): Int32Array {
    if (!this.counts) {
      this.counts = new Int32Array(this.items.size);
      for (const j of this.train.indices) this.counts[j]++;
    }
    return this.counts;
  }

  mapVectors(): undefined {
    return undefined;
  }

  toFile(): { tensors: Record<string, Tensor>; extra: Record<string, unknown> } {
    const n = this.items.size;
    const { indptr, indices, values } = this.train;
    return {
      tensors: {
        ease_weights: { dtype: 'F32', shape: [n, n], data: this.weights },
        train_indptr: { dtype: 'I32', shape: [indptr.length], data: indptr },
        train_items: { dtype: 'I32', shape: [indices.length], data: indices },
        train_values: { dtype: 'F64', shape: [values.length], data: values },
      },
      extra: {},
    };
  }

  private itemIndex(item: string): number {
    const j = this.items.indexOf(item);
    if (j < 0) throw new Error(`unknown item "${item}"`);
    return j;
  }
}

export const loadEase: ModelLoader = (tensors, _extra, ids, source) => {
  const take = (name: string): Tensor['data'] => {
    const t = tensors[name];
    if (!t) throw new Error(`${source}: not an EASE model file: tensor ${name} is missing`);
    return t.data;
  };
  const indptr = take('train_indptr') as Int32Array;
  if (indptr.length !== ids.users.size + 1)
    throw new Error(`${source}: train_indptr does not match the users`);
  return new EaseModel(ids.users, ids.items, take('ease_weights') as Float32Array, {
    indptr,
    indices: take('train_items') as Int32Array,
    values: take('train_values') as Float64Array,
  });
};
