import type { IdMap } from '../data/id-map.js';
import type { Interactions } from '../data/interactions.js';
import { holdout } from '../eval/splits.js';
import type { Tensor } from '../io/safetensors.js';
import { type Gate, gateData, gateWeights, learnGate, unratedWeights } from './blend-gate.js';
import { factorLayout } from './factor-layout.js';
import { FactorModel, type UserVector } from './factor-model.js';
import type { ModelFamily } from './family.js';
import { type FitOptions, type FitResult, throwIfAborted } from './fit-options.js';
import { ItemRanker } from './item-ranker.js';
import { defineParams, type ParamSpec, type ParamValue, resolveParams, splitPartParams } from './params.js';
import { type BoundedScores, QuantizedScorer } from './quantized-scorer.js';
import type {
  Explanation,
  FoldedUser,
  ModelLoader,
  Recommender,
  RecommendOptions,
  ScoredItem,
  SimilarOptions,
  TagPreferences,
} from './recommender.js';

/**
 * Blends of models whose trust depends on how much an item was rated (the seed talk's part IV).
 *
 * BALSE: r̂ = σ(β(R_j − γ))·r̂_ALS + (1 − σ(β(R_j − γ)))·r̂_LASSO, R_j the item's number of training
 * ratings: a work rated often is predicted by ALS, a work rated little or never (cold start) by the
 * LASSO on its tags. `blend` generalizes it to any models, with softmax gates z_m = β_m(R_j − γ_m)
 * (the last model is the reference, z = 0) or with constant weights (`gate=fixed`). As in the talk:
 * the models are fitted on 70 % of the training ratings, the gate is learned by gradient descent (Adam)
 * on the other 30 %, then the models are refitted on all of them. These are BALSE's parameters, how
 * the gate is learned; a blend's add the models and the kind of gate.
 */
export const BALSE_PARAMS = defineParams([
  {
    name: 'holdout',
    type: 'number',
    default: 0.3,
    min: 0.05,
    max: 0.5,
    description: 'share of ratings that learns the gate',
  },
  { name: 'gateSteps', type: 'int', default: 1500, min: 1, description: 'gradient steps for the gate' },
]);

export const BLEND_PARAMS = defineParams([
  {
    name: 'models',
    type: 'string',
    default: 'als,lasso',
    pattern: /^[a-z]+(,[a-z]+)+$/,
    description: 'the models blended, comma-separated (sub-model parameters: --param als.factors=32)',
  },
  {
    name: 'gate',
    type: 'enum',
    default: 'count',
    values: ['count', 'fixed'],
    description: 'per-item gates or constant weights',
  },
  ...BALSE_PARAMS,
]);

/** A user of a blend: their state in every blended model. */
export interface BlendUser extends FoldedUser {
  readonly parts: FoldedUser[];
}

/** The fitted blend: its models, the learned gate and each item's training count. */
export class BlendModel implements Recommender<BlendUser> {
  readonly users: IdMap;
  readonly items: IdMap;
  /** The parts' scale (they are fitted on the same ratings): a blend of clipped predictions stays in it. */
  readonly scale: { min: number; max: number } | undefined;
  /** weights[m][j]: model m's weight for item j. */
  private readonly weights: Float64Array[];
  private readonly ranker: ItemRanker;
  private readonly blended: Float64Array;
  /** The fast path when every part is a factor model: one SIMD pass scores the whole blend. */
  private readonly concatenated: ((parts: readonly UserVector[]) => BoundedScores) | undefined;

  constructor(
    readonly parts: { family: string; model: Recommender }[],
    readonly gate: Gate,
    private readonly counts: Int32Array,
  ) {
    if (parts.length < 2) throw new Error('a blend needs at least two models');
    this.users = parts[0].model.users;
    this.items = parts[0].model.items;
    this.weights = parts.map(() => new Float64Array(this.items.size));
    const w = new Float64Array(parts.length);
    for (let j = 0; j < this.items.size; j++) {
      if (counts[j] > 0) gateWeights(gate, counts[j], w);
      else unratedWeights(w);
      for (let m = 0; m < parts.length; m++) this.weights[m][j] = w[m];
    }
    this.scale = parts.find(({ model }) => model.scale)?.model.scale;
    this.ranker = new ItemRanker(this.items, () => this.counts, this.scale);
    this.blended = new Float64Array(this.items.size);
    if (parts.every(({ model }) => model instanceof FactorModel)) {
      this.concatenated = concatenatedScorer(
        parts.map(({ model }) => model as FactorModel),
        this.weights,
      );
    }
  }

  /** The first model's weight for an item (BALSE: the gate σ(β(R_j − γ)) of ALS). */
  gateOf(item: string): number {
    return this.weights[0][this.itemIndex(item)];
  }

  predictIndices(user: Int32Array, item: Int32Array, out = new Float64Array(user.length)): Float64Array {
    out.fill(0);
    for (const [m, { model }] of this.parts.entries()) {
      const p = model.predictIndices(user, item);
      for (let t = 0; t < p.length; t++) out[t] += this.weights[m][item[t]] * p[t];
    }
    return out;
  }

  predict(user: string | BlendUser, item: string): number {
    const vector = typeof user === 'string' ? this.userVector(user) : user;
    const j = this.itemIndex(item);
    return this.parts.reduce(
      (s, { model }, m) => s + this.weights[m][j] * model.predict(vector.parts[m], item),
      0,
    );
  }

  userVector(user: string): BlendUser {
    const parts = this.parts.map(({ model }) => model.userVector(user));
    return { rated: parts[0].rated, unknownItems: [], parts };
  }

  foldIn(ratings: Iterable<{ item: string; value: number }>): BlendUser {
    const list = [...ratings];
    const parts = this.parts.map(({ model }) => model.foldIn(list));
    return { rated: parts[0].rated, unknownItems: parts[0].unknownItems, parts };
  }

  scores(user: string | BlendUser): ArrayLike<number> {
    const vector = typeof user === 'string' ? this.userVector(user) : user;
    if (this.concatenated) {
      const exact = this.exactScore(vector);
      return Float64Array.from({ length: this.items.size }, (_, j) => exact(j));
    }
    this.blended.fill(0);
    for (const [m, { model }] of this.parts.entries()) {
      const s = model.scores(vector.parts[m]);
      for (let j = 0; j < this.blended.length; j++) this.blended[j] += this.weights[m][j] * s[j];
    }
    return this.blended;
  }

  recommend(user: string | BlendUser, options: RecommendOptions = {}): ScoredItem[] {
    const vector = typeof user === 'string' ? this.userVector(user) : user;
    if (!this.concatenated) return this.ranker.rank(this.scores(vector), 0, vector.rated.items, options);
    const { scores, bound } = this.concatenated(vector.parts as UserVector[]);
    return this.ranker.rankBounded(scores, bound, this.exactScore(vector), vector.rated.items, options);
  }

  /** Item j's blended score, exactly (in f64), when every part is a factor model. */
  private exactScore(vector: BlendUser): (j: number) => number {
    const parts = vector.parts as UserVector[];
    const models = this.parts.map(({ model }) => model as FactorModel);
    return (j) =>
      models.reduce((s, model, m) => s + this.weights[m][j] * model.scoreItem(parts[m].row, j), 0);
  }

  /** Similar items by the first blended model that has item vectors (ALS in BALSE). */
  similarItems(item: string, n = 10, options: SimilarOptions = {}): ScoredItem[] {
    const part = this.parts.find(({ model }) => model.mapVectors());
    if (!part) throw new Error('no model of this blend has item vectors for similar items');
    return part.model.similarItems(item, n, options);
  }

  /** Each model's explanation scaled by its weight: rated works from ALS, tags from the LASSO. */
  explain(user: string | BlendUser, item: string, top = 5): Explanation {
    const vector = typeof user === 'string' ? this.userVector(user) : user;
    const j = this.itemIndex(item);
    // Only the models that weigh in this item explain it (an unrated item: the content model alone).
    const parts = this.parts
      .map(({ model }, m) => ({ model, m, w: this.weights[m][j] }))
      .filter(({ w }) => w > 0)
      .map(({ model, m, w }) => ({ w, why: model.explain(vector.parts[m], item, top) }));
    const sum = (f: (e: Explanation) => number) => parts.reduce((s, { w, why }) => s + w * f(why), 0);
    const contributions = parts
      .flatMap(({ w, why }) => why.contributions.map((c) => ({ ...c, weight: w * c.weight })))
      .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
    const tags = parts
      .flatMap(({ w, why }) => (why.tags ?? []).map((t) => ({ ...t, weight: w * t.weight })))
      .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
    const shown = contributions.slice(0, top);
    const shownTags = tags.slice(0, top);
    const hidden = (list: { weight: number }[]) => list.slice(top).reduce((s, c) => s + c.weight, 0);
    return {
      item,
      score: sum((e) => e.score),
      mean: sum((e) => e.mean),
      itemBias: sum((e) => e.itemBias),
      contributions: shown,
      rest: sum((e) => e.rest) + hidden(contributions),
      tags: shownTags,
      tagRest: sum((e) => e.tagRest ?? 0) + hidden(tags),
      gate: this.weights[0][j],
    };
  }

  ratingCounts(): Int32Array {
    return this.counts;
  }

  /** The tag preferences of the first blended model that learns from tags (the LASSO in BALSE). */
  tagPreferences(user: string | BlendUser, n = 5): TagPreferences {
    const vector = typeof user === 'string' ? this.userVector(user) : user;
    const m = this.parts.findIndex(({ model }) => model.tagPreferences);
    const model = this.parts[m]?.model;
    if (!model?.tagPreferences) return { likes: [], dislikes: [] };
    return model.tagPreferences(vector.parts[m], n);
  }

  mapVectors(): { vectors: Float32Array; dim: number } | undefined {
    for (const { model } of this.parts) {
      const vectors = model.mapVectors();
      if (vectors) return vectors;
    }
    return undefined;
  }

  toFile(): { tensors: Record<string, Tensor>; extra: Record<string, unknown> } {
    const tensors: Record<string, Tensor> = {
      item_counts: { dtype: 'I32', shape: [this.counts.length], data: this.counts },
    };
    const parts = this.parts.map(({ family, model }, m) => {
      const file = model.toFile();
      for (const [name, tensor] of Object.entries(file.tensors)) tensors[`m${m}.${name}`] = tensor;
      return { family, extra: file.extra };
    });
    return { tensors, extra: { parts, gate: this.gate } };
  }

  private itemIndex(item: string): number {
    const j = this.items.indexOf(item);
    if (j < 0) throw new Error(`unknown item "${item}"`);
    return j;
  }
}

/**
 * The loader of blend model files; each part's tensors go to the loader of its family, which `loaderOf`
 * gives (the registry's: this module cannot import it, the registry imports this one).
 */
export const blendLoader =
  (loaderOf: (family: string) => ModelLoader): ModelLoader =>
  (tensors, extra, ids, source) => {
    const parts = extra.parts as { family: string; extra: Record<string, unknown> }[] | undefined;
    const gate = extra.gate as Gate | undefined;
    const counts = tensors.item_counts?.data;
    if (!parts || !gate || !(counts instanceof Int32Array))
      throw new Error(`${source}: not a blend model file`);
    const models = parts.map(({ family, extra: partExtra }, m) => {
      const prefix = `m${m}.`;
      const own = Object.fromEntries(
        Object.entries(tensors)
          .filter(([name]) => name.startsWith(prefix))
          .map(([name, tensor]) => [name.slice(prefix.length), tensor]),
      );
      return { family, model: loaderOf(family)(own, partExtra, ids, source) };
    });
    return new BlendModel(models, gate, counts);
  };

/** Fits a blend of the given families (see BLEND_PARAMS); `balse` is the blend of als and lasso. */
export async function fitBlend(
  families: readonly ModelFamily[],
  data: Interactions,
  given: Record<string, ParamValue | undefined>,
  options: FitOptions,
  specs: readonly ParamSpec[] = BLEND_PARAMS,
): Promise<FitResult<BlendModel>> {
  const started = performance.now();
  const { own, parts: sub } = splitPartParams(given);
  // Checked against the family's own specs (BALSE has no models or gate), then read as a blend's: the
  // blend's defaults fill in what BALSE does not take.
  const params = resolveParams(BLEND_PARAMS, resolveParams(specs, own));
  const names = families.map((f) => f.name);
  for (const name of Object.keys(sub)) {
    if (!names.includes(name))
      throw new Error(`parameter for "${name}", which is not blended (${names.join(', ')})`);
  }
  const fit = (family: ModelFamily, part: Interactions) =>
    family.fit(part, sub[family.name] ?? {}, { ...options, validation: undefined, onProgress: undefined });
  const seed = options.seed ?? 0;
  const split = holdout(data, params.holdout, seed);
  const trainCounts = split.train.itemCounts();
  const predictions: Float64Array[] = [];
  for (const family of families) {
    throwIfAborted(options.signal);
    const { model } = await fit(family, split.train);
    predictions.push(model.predictIndices(split.test.user, split.test.item));
  }
  const gate = learnGate(
    params.gate,
    gateData(predictions, split.test.value, split.test.item, trainCounts),
    params.gateSteps,
  );
  const parts: { family: string; model: Recommender }[] = [];
  const epochSeconds: number[] = [];
  for (const family of families) {
    throwIfAborted(options.signal);
    const { model, report } = await fit(family, data);
    parts.push({ family: family.name, model });
    epochSeconds.push(...report.epochSeconds);
  }
  const model = new BlendModel(parts, gate, data.itemCounts());
  return { model, report: { fitSeconds: (performance.now() - started) / 1000, epochSeconds, curve: [] } };
}

/** Below this share of non-zero values a part's item rows are kept sparse (the LASSO: a few tags per work). */
const SPARSE_BELOW = 0.25;

/**
 * Σ_m w_mj (μ_m + x_m·y_mj) for every item, approximately (see QuantizedScorer), in one pass. Dense
 * parts (ALS) are one dot product: the user row [x_0, …, μ_0, μ_1, …] against the item row
 * [w_0j y_0j, …, w_0j, w_1j, …], built once. A sparse part (the LASSO: a few tags per work) is kept by
 * column: a column constant over the items (the slot pairing with the user's intercept) joins that
 * part's mean, and each other column c is added only when the user's coefficient x_m[c] is not zero —
 * a LASSO solution has few — over the items that carry it.
 */
function concatenatedScorer(
  models: readonly FactorModel[],
  weights: readonly Float64Array[],
): (parts: readonly UserVector[]) => BoundedScores {
  const count = models[0].items.size;
  const sparse = models.map((model) => density(model.itemRows) < SPARSE_BELOW);
  const strides = models.map((m, k) => (sparse[k] ? 0 : m.layout.stride));
  const offsets = strides.map((_, m) => strides.slice(0, m).reduce((a, b) => a + b, 0));
  const meansAt = strides.reduce((a, b) => a + b, 0);
  const { stride } = factorLayout(meansAt + models.length, false);
  const rows = new Float32Array(count * stride);
  for (let j = 0; j < count; j++) {
    for (const [m, model] of models.entries()) {
      const w = weights[m][j];
      rows[j * stride + meansAt + m] = w;
      if (sparse[m]) continue;
      const from = j * strides[m];
      for (let c = 0; c < strides[m]; c++) rows[j * stride + offsets[m] + c] = w * model.itemRows[from + c];
    }
  }
  const columns = models.map((model, m) => (sparse[m] ? sparseColumns(model, weights[m]) : undefined));
  const scorer = new QuantizedScorer(
    rows,
    count,
    stride,
    columns.flatMap((part) => part?.varying ?? []),
  );
  const user = new Float32Array(stride);
  const columnWeights = new Float32Array(columns.reduce((n, part) => n + (part?.varying.length ?? 0), 0));
  return (parts) => {
    let at = 0;
    for (const [m, model] of models.entries()) {
      const row = parts[m].row;
      let mean = model.mean;
      const part = columns[m];
      if (part) {
        for (const [c, value] of part.constant) mean += row[c] * value;
        for (const { slot } of part.varying) columnWeights[at++] = row[slot];
      } else {
        user.set(row, offsets[m]);
      }
      user[meansAt + m] = mean;
    }
    return scorer.score(user, columnWeights);
  };
}

/** A sparse part by column: the constant columns, and for each other column its items and weighted values. */
function sparseColumns(model: FactorModel, weights: Float64Array) {
  const { stride } = model.layout;
  const count = model.items.size;
  const constant: [number, number][] = [];
  const varying: { slot: number; items: Int32Array; values: Float32Array }[] = [];
  for (let c = 0; c < stride; c++) {
    const first = model.itemRows[c];
    let same = true;
    for (let j = 1; j < count && same; j++) same = model.itemRows[j * stride + c] === first;
    if (same) {
      if (first !== 0) constant.push([c, first]);
      continue;
    }
    const items: number[] = [];
    const values: number[] = [];
    for (let j = 0; j < count; j++) {
      const v = model.itemRows[j * stride + c];
      if (v === 0) continue;
      items.push(j);
      values.push(weights[j] * v);
    }
    varying.push({ slot: c, items: Int32Array.from(items), values: Float32Array.from(values) });
  }
  return { constant, varying };
}

function density(values: Float32Array): number {
  let nonZero = 0;
  for (const v of values) if (v !== 0) nonZero++;
  return values.length ? nonZero / values.length : 1;
}
