import type { Dataset } from '../../data/dataset.js';
import type { FeatureMatrix } from '../../data/feature-matrix.js';
import { FEATURES_SYNTAX, FeatureEncoder } from '../../data/feature-spec.js';
import { Interactions } from '../../data/interactions.js';
import type { ModelFamily } from '../family.js';
import type { FitOptions, FitResult } from '../fit-options.js';
import type { FmParameters } from '../fm/fm-kernel.js';
import { type ParamSpec, type ParamValues, resolveParams } from '../params.js';
import type { FeatureLink, FeatureModelFamily, FeatureTask } from './feature-family.js';
import {
  FeatureRecommender,
  type FeatureRecommenderInit,
  type ItemSide,
  loadFeatureRecommender,
} from './feature-recommender.js';

/**
 * A model on feature rows as a rating-model family (`osusume train`, the service): it lays the
 * `features` spec over the ratings (and the items' tags and metadata), fits on the encoded rows, and
 * turns the fitted model's FM view into a FeatureRecommender.
 */
export function recommenderFamily(family: FeatureModelFamily): ModelFamily {
  const params: readonly ParamSpec[] = [
    ...family.params,
    {
      name: 'features',
      type: 'string',
      default: 'irt',
      description: `train and the service: the feature rows, users and items and optionally item-side terms, + or , between terms (eval and compare take --features): ${FEATURES_SYNTAX}`,
    },
    {
      name: 'task',
      type: 'enum',
      default: family.tasks[0],
      values: family.tasks,
      description:
        'train and the service: a rating (regression) or the chance of a 1 (binary, 0/1 ratings) (eval and compare take --task)',
    },
  ];
  return {
    name: family.name,
    description: family.description,
    params,
    fit: (data, given, options) => fitRecommender(family, resolveParams(params, given), data, options),
    load: loadFeatureRecommender,
    features: family,
  };
}

async function fitRecommender(
  family: FeatureModelFamily,
  values: ParamValues,
  data: Interactions,
  options: FitOptions = {},
): Promise<FitResult> {
  if (family.notARecommender) {
    throw new Error(`model ${family.name} cannot recommend: ${family.notARecommender}`);
  }
  const { features, task, ...own } = values;
  const dataset: Dataset = {
    kind: 'ratings',
    source: 'ratings',
    ratings: data,
    items: options.itemInfo ?? new Map(),
    tags: options.itemTags,
    scale: valueRange(data.value),
    skipped: 0,
  };
  const encoder = FeatureEncoder.forData(String(features), dataset);
  checkRecommendable(encoder);
  const epochs = Number(own.iterations ?? own.epochs ?? own.passes ?? 0);
  const started = performance.now();
  const fit = await family.fit(encoder.encode(data), own, {
    task: task as FeatureTask,
    seed: options.seed ?? 0,
    threads: options.threads,
    signal: options.signal,
    validation: options.validation ? encoder.encode(options.validation) : undefined,
    onEpoch: (epoch) =>
      options.onProgress?.({
        epoch,
        epochs: Math.max(epochs, epoch),
        elapsedSeconds: (performance.now() - started) / 1000,
      }),
  });
  const view = fit.model.asFm?.();
  if (!view)
    throw new Error(`model ${family.name} with these parameters cannot recommend (it is not an order-2 FM)`);
  const init = recommenderInit(view.params, view.link, encoder, data, task === 'regression');
  // A fold-in's prior: the spread of the trained users' parameters and, for ratings, the training residuals'.
  const draft = new FeatureRecommender(init);
  const noise = task === 'regression' ? meanSquaredError(draft, data) : 1;
  return { model: new FeatureRecommender({ ...init, prior: { ...init.prior, noise } }), report: fit.report };
}

function valueRange(values: Float64Array): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.length > 0 ? { min, max } : { min: 0, max: 1 };
}

/** Recommending needs one-hot users and items; counts of earlier answers describe a learner's history, not a user. */
function checkRecommendable(encoder: FeatureEncoder): void {
  const kinds = encoder.terms.map((t) => t.kind);
  if (!kinds.includes('user') || !kinds.includes('item')) {
    throw new Error('a recommender needs the features user and item (e.g. features=irt, or irt+tags)');
  }
  const history = kinds.find((kind) => kind === 'skill' || kind === 'wins' || kind === 'fails');
  if (history) {
    throw new Error(
      `feature "${history}" is for knowledge tracing and cannot recommend; use user, item and item-side terms (tags, cat:…, num:…)`,
    );
  }
}

/** The FM's parameters split into users, items and the item-side features, and the training ratings by user. */
function recommenderInit(
  fm: FmParameters,
  link: FeatureLink,
  encoder: FeatureEncoder,
  data: Interactions,
  regression: boolean,
): FeatureRecommenderInit {
  const { k } = fm;
  const userField = encoder.fields[encoder.terms.findIndex((t) => t.kind === 'user')];
  const itemField = encoder.fields[encoder.terms.findIndex((t) => t.kind === 'item')];
  const block = (offset: number, size: number) => ({
    weights: fm.w.slice(offset, offset + size),
    factors: fm.v.slice(offset * k, (offset + size) * k),
  });
  const user = block(userField.offset, userField.size);
  const item = block(itemField.offset, itemField.size);
  const itemRows = encoder.encode(
    new Interactions({
      users: data.users,
      items: data.items,
      user: new Int32Array(data.items.size).fill(-1),
      item: Int32Array.from({ length: data.items.size }, (_, j) => j),
      value: new Float64Array(data.items.size),
    }),
  );
  return {
    users: data.users,
    items: data.items,
    link,
    k,
    w0: fm.w0,
    userWeights: user.weights,
    userFactors: user.factors,
    itemWeights: item.weights,
    itemFactors: item.factors,
    side: itemSide(fm, itemRows, itemField.offset, itemField.size, (f) => encoder.featureLabel(f)),
    prior: {
      weight: meanSquare(user.weights),
      factors: meanSquare(user.factors),
      noise: 1,
    },
    scale: regression ? valueRange(data.value) : { min: 0, max: 1 },
    train: data.byUser(),
  };
}

/** The item-side features other than the item's own one-hot, renumbered densely in feature order. */
function itemSide(
  fm: FmParameters,
  rows: FeatureMatrix,
  itemOffset: number,
  itemCount: number,
  label: (feature: number) => string,
): ItemSide {
  const { k } = fm;
  const dense = new Map<number, number>();
  for (const f of rows.indices) {
    if (f < itemOffset || f >= itemOffset + itemCount) dense.set(f, 0);
  }
  const features = [...dense.keys()].sort((a, b) => a - b);
  for (const [g, f] of features.entries()) dense.set(f, g);
  const indptr = new Int32Array(rows.rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows.rows; r++) {
    for (let e = rows.indptr[r]; e < rows.indptr[r + 1]; e++) {
      const g = dense.get(rows.indices[e]);
      if (g === undefined) continue;
      indices.push(g);
      values.push(rows.values[e]);
    }
    indptr[r + 1] = indices.length;
  }
  const factors = new Float64Array(features.length * k);
  for (const [g, f] of features.entries()) factors.set(fm.v.subarray(f * k, (f + 1) * k), g * k);
  return {
    names: features.map(label),
    weights: Float64Array.from(features, (f) => fm.w[f]),
    factors,
    indptr,
    indices: Int32Array.from(indices),
    values: Float64Array.from(values),
  };
}

function meanSquare(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v * v;
  return values.length > 0 ? s / values.length : 0;
}

function meanSquaredError(model: FeatureRecommender, data: Interactions): number {
  const predicted = model.predictIndices(data.user, data.item);
  let s = 0;
  for (let t = 0; t < predicted.length; t++) s += (predicted[t] - data.value[t]) ** 2;
  return predicted.length > 0 ? s / predicted.length : 1;
}
