import {
  type Dataset,
  FactorModel,
  factorInitFrom,
  IdMap,
  type Regularization,
  type Tensor,
  toCsr,
} from 'osusume';
import type { SparkFactors } from './factor-parquet.js';
import { fromSparkId, type SparkIds } from './spark-ids.js';

export interface SparkModelOptions {
  /** Spark ids back to the data's (the file `export --parquet` wrote), when it numbered them. */
  ids?: SparkIds;
  /** The ratings Spark trained on: the items each user rated, their counts and the rating scale. */
  ratings?: { spec: string; data: Dataset };
  /** Spark's regParam: the fold-in of a new user solves the same ridge problem. */
  regParam: number;
  /** Added to every score: 0 for Spark's plain dot product, the mean if Spark was fed centred ratings. */
  mean: number;
}

/**
 * A factor model that predicts what Spark's ALSModel does, mean + user · item, with no biases
 * (docs/cli.md#import-factors). Spark's ALS weights regParam by each row's rating count (ALS-WR), which
 * is osusume's weighted penalty. Built through the model file's own tensors, so that what is saved is
 * what `loadRecommender` reads back.
 */
export function sparkFactorModel(
  users: SparkFactors,
  items: SparkFactors,
  options: SparkModelOptions,
): FactorModel {
  if (users.rank !== items.rank) {
    throw new Error(
      `${users.source} has ${users.rank} features per row, ${items.source} ${items.rank}: not one model`,
    );
  }
  const userMap = idMapOf(users, options.ids?.users ?? null);
  const itemMap = idMapOf(items, options.ids?.items ?? null);
  const train = options.ratings
    ? trainingRatings(options.ratings, userMap, itemMap, users.source, items.source)
    : { indptr: new Int32Array(userMap.size + 1), indices: new Int32Array(0), values: new Float64Array(0) };
  const rank = users.rank;
  const tensors: Record<string, Tensor> = {
    global_mean: { dtype: 'F64', shape: [], data: Float64Array.of(options.mean) },
    user_factors: { dtype: 'F32', shape: [userMap.size, rank], data: users.rows },
    item_factors: { dtype: 'F32', shape: [itemMap.size, rank], data: items.rows },
    train_indptr: { dtype: 'I32', shape: [train.indptr.length], data: train.indptr },
    train_items: { dtype: 'I32', shape: [train.indices.length], data: train.indices },
    train_values: { dtype: 'F64', shape: [train.values.length], data: train.values },
  };
  const regularization: Regularization = { factors: options.regParam, bias: 0, weighted: true };
  const extra = { factors: rank, biases: false, regularization, scale: options.ratings?.data.scale ?? null };
  const source = `${users.source} and ${items.source}`;
  return new FactorModel(factorInitFrom(tensors, extra, { users: userMap, items: itemMap }, source));
}

function idMapOf(side: SparkFactors, mapping: string[] | null): IdMap {
  const map = new IdMap();
  for (const id of side.ids) {
    const before = map.size;
    map.add(fromSparkId(id, mapping, side.source));
    if (map.size === before) throw new Error(`${side.source}: id ${id} appears twice`);
  }
  return map;
}

/** The training ratings by user over the factor files' ids; every user and item must have a row. */
function trainingRatings(
  ratings: NonNullable<SparkModelOptions['ratings']>,
  userMap: IdMap,
  itemMap: IdMap,
  usersSource: string,
  itemsSource: string,
): { indptr: Int32Array; indices: Int32Array; values: Float64Array } {
  const r = ratings.data.ratings;
  const user = new Int32Array(r.length);
  const item = new Int32Array(r.length);
  for (let t = 0; t < r.length; t++) {
    const u = r.users.idAt(r.user[t]);
    const i = r.items.idAt(r.item[t]);
    user[t] = userMap.indexOf(u);
    item[t] = itemMap.indexOf(i);
    if (user[t] < 0) throw missing(ratings.spec, 'user', u, usersSource);
    if (item[t] < 0) throw missing(ratings.spec, 'item', i, itemsSource);
  }
  const csr = toCsr(user, item, r.value, userMap.size, itemMap.size);
  return { indptr: csr.indptr, indices: csr.indices, values: csr.values };
}

function missing(spec: string, side: string, id: string, source: string): Error {
  return new Error(
    `${spec}: ${side} "${id}" has no row in ${source} (not the ratings Spark trained on, or ids that need --ids)`,
  );
}
