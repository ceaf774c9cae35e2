import type { Interactions } from '../data/interactions.js';
import {
  buildTagMatrix,
  inMemoryTags,
  TAG_WEIGHTINGS,
  type TagSource,
  type TagWeighting,
} from '../data/tags.js';
import { rmse } from '../eval/metrics.js';
import { type LassoOutputs, type LassoProblem, LassoSolver, type SparseRows } from '../math/lasso-cd.js';
import { Rng } from '../math/rng.js';
import { balancedRanges, defaultThreads } from '../parallel/kernel-pool.js';
import { LassoThreads, shared } from '../parallel/lasso-pool.js';
import { factorLayout, setFixedSlots } from './factor-layout.js';
import { FactorModel, type FactorModelInit, indexRatings, type UserVector } from './factor-model.js';
import { factorInitFrom, factorTensors } from './factor-model-file.js';
import { type FitOptions, type FitReport, type FitResult, throwIfAborted } from './fit-options.js';
import { defineParams, type ParamValues, resolveParams } from './params.js';
import type { Explanation, ModelLoader, TagPreferences } from './recommender.js';

/**
 * Per-user LASSO on item tags (the seed talk's part IV): each user is a sparse vector of tag
 * preferences w_u and an intercept b_u, r̂ = b_u + w_u·T_j clipped to the rating scale, fitted by
 * coordinate descent (math/lasso-cd.ts) on their own ratings, in parallel over users. A work nobody
 * rated still has tags, hence a prediction; and the weights explain it ("you seem to like Mecha and
 * Space but not Harem"). With `alpha=auto`, α is the value of a geometric grid with the lowest K-fold
 * cross-validated RMSE on the training ratings; the grid starts at the smallest α that zeroes every
 * user's w and goes down by 1e-3.
 */
export const LASSO_PARAMS = defineParams([
  {
    name: 'alpha',
    type: 'string',
    default: 'auto',
    description: 'L1 penalty (a number > 0), or auto: chosen by cross-validation on the training ratings',
  },
  {
    name: 'weighting',
    type: 'enum',
    // tf-idf: rare tags say more about a work; better than binary on the anime data on every subset.
    default: 'tfidf',
    values: TAG_WEIGHTINGS,
    description: 'tag values: binary, tfidf (weight × log(N/df)) or the given weights',
  },
  {
    name: 'folds',
    type: 'int',
    default: 3,
    min: 2,
    max: 20,
    description: 'cross-validation folds (alpha=auto)',
  },
  {
    name: 'grid',
    type: 'int',
    default: 12,
    min: 2,
    max: 100,
    description: 'α values at most (alpha=auto), geometric from the one that zeroes every user down by 1e-3',
  },
  {
    name: 'maxSweeps',
    type: 'int',
    default: 200,
    min: 1,
    description: 'coordinate-descent sweeps per solve, at most',
  },
  {
    name: 'tol',
    type: 'number',
    default: 1e-5,
    min: 0,
    description: 'a solve stops when a sweep moves no coefficient more than this',
  },
]);

/** How far down from the largest useful α the `alpha=auto` grid goes. */
const GRID_DEPTH = 1e-3;
/**
 * Grid values cross-validated per round. Small α values cost the most (ill-conditioned solves), so the
 * search goes down the grid a round at a time and stops once the CV RMSE has risen for two values past
 * its minimum.
 */
const CV_ROUND = 4;

/** What a LASSO model keeps besides its factor rows. */
export interface LassoContent {
  /** Tag names, one per factor slot. */
  tags: readonly string[];
  alpha: number;
  weighting: TagWeighting;
  /** The intercept of a user without ratings: the training mean. */
  fallbackMean: number;
  tol: number;
  maxSweeps: number;
  /** With alpha=auto: the α values tried (the grid down to where the search stopped), each one's CV RMSE. */
  selection?: { grid: number[]; rmse: number[] } | undefined;
}

/** The n largest positive and the n most negative of a user's tag weights. */
export function strongestTags(weights: { tag: string; weight: number }[], n: number): TagPreferences {
  return {
    likes: weights
      .filter((t) => t.weight > 0)
      .sort((a, b) => b.weight - a.weight)
      .slice(0, n),
    dislikes: weights
      .filter((t) => t.weight < 0)
      .sort((a, b) => a.weight - b.weight)
      .slice(0, n),
  };
}

/**
 * The fitted LASSO as a factor model of `tags` factors with biases, mean 0: user row [w_u, b_u, 1],
 * item row [T_j, 1, 0]. Predictions, top-n and similar items (cosine of tag vectors) are the factor
 * model's; fold-in solves the LASSO, and explanations split the score by tag.
 */
export class LassoModel extends FactorModel {
  readonly tags: readonly string[];
  readonly alpha: number;
  readonly weighting: TagWeighting;
  readonly fallbackMean: number;
  readonly tol: number;
  readonly maxSweeps: number;
  readonly selection: LassoContent['selection'];
  private tagRowsCache: SparseRows | undefined;
  private solver: LassoSolver | undefined;

  constructor(init: FactorModelInit, content: LassoContent) {
    super(init);
    if (content.tags.length !== init.layout.factors || !init.layout.biases)
      throw new Error('LassoModel: expected one factor per tag, with biases');
    this.tags = content.tags;
    this.alpha = content.alpha;
    this.weighting = content.weighting;
    this.fallbackMean = content.fallbackMean;
    this.tol = content.tol;
    this.maxSweeps = content.maxSweeps;
    this.selection = content.selection;
  }

  /**
   * A user who was not in the training data, from their ratings: the same LASSO at the model's α, by the
   * same coordinate descent (no ratings: no tag preference, the training mean as intercept).
   */
  override foldIn(ratings: Iterable<{ item: string; value: number }>): UserVector {
    const { rated, unknownItems } = indexRatings(this.items, ratings);
    const p = this.tags.length;
    const w = new Float64Array(p);
    this.solver ??= new LassoSolver(p);
    this.solver.load(this.tagRows(), rated.items, rated.values, 0, rated.items.length);
    let b = this.fallbackMean;
    if (this.solver.count > 0) {
      this.solver.solve(this.alpha, w, this.tol, this.maxSweeps);
      b = this.solver.intercept(w);
    }
    const row = new Float32Array(this.layout.stride);
    row.set(w);
    row[this.layout.userBiasSlot] = b;
    row[this.layout.itemBiasSlot] = 1;
    return { row, rated, unknownItems };
  }

  /**
   * score = b_u + Σ_t w_ut·T_jt (before clipping): `mean` is the user's intercept b_u, `tags` the terms
   * w_ut·T_jt largest in size, `tagRest` the sum of the others; no rated item and no item bias enter.
   */
  override explain(user: string | UserVector, item: string, top = 5): Explanation {
    const row = typeof user === 'string' ? this.userVector(user).row : user.row;
    const j = this.items.indexOf(item);
    if (j < 0) throw new Error(`unknown item "${item}"`);
    const { stride, userBiasSlot } = this.layout;
    const mean = row[userBiasSlot];
    const terms: { tag: string; weight: number }[] = [];
    let content = 0;
    for (let t = 0; t < this.tags.length; t++) {
      const weight = row[t] * this.itemRows[j * stride + t];
      if (weight === 0) continue;
      content += weight;
      terms.push({ tag: this.tags[t], weight });
    }
    terms.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
    const tags = terms.slice(0, top);
    return {
      item,
      score: mean + content,
      mean,
      itemBias: 0,
      contributions: [],
      rest: 0,
      tags,
      tagRest: terms.slice(top).reduce((s, t) => s + t.weight, 0),
    };
  }

  /** The `n` tags the user likes most (largest positive weights) and dislikes most (most negative). */
  tagPreferences(user: string | UserVector, n = 5): TagPreferences {
    const row = typeof user === 'string' ? this.userVector(user).row : user.row;
    return strongestTags(
      this.tags.map((tag, t) => ({ tag, weight: row[t] })),
      n,
    );
  }

  /** The factor tensors (user_factors = tag weights, item_factors = tag matrix) and the LASSO settings. */
  override toFile(): ReturnType<typeof factorTensors> {
    const file = factorTensors(this);
    const lasso: LassoContent = {
      tags: this.tags,
      alpha: this.alpha,
      weighting: this.weighting,
      fallbackMean: this.fallbackMean,
      tol: this.tol,
      maxSweeps: this.maxSweeps,
      selection: this.selection,
    };
    return { tensors: file.tensors, extra: { ...file.extra, lasso } };
  }

  /** Each item's non-zero tag values, as the model stores them (f32), for fold-in. */
  private tagRows(): SparseRows {
    this.tagRowsCache ??= sparseTagRows(this.itemRows, this.items.size, this.tags.length, this.layout.stride);
    return this.tagRowsCache;
  }
}

export const loadLasso: ModelLoader = (tensors, extra, ids, source) => {
  const content = extra.lasso as Partial<LassoContent> | undefined;
  const fail = (why: string): never => {
    throw new Error(`${source}: not a lasso model file: ${why}`);
  };
  if (!content || !Array.isArray(content.tags)) return fail('no tag names in its metadata');
  if (!(typeof content.alpha === 'number' && content.alpha > 0)) return fail('no α in its metadata');
  const init = factorInitFrom(tensors, extra, ids, source);
  if (init.layout.factors !== content.tags.length)
    fail(`${content.tags.length} tag names for ${init.layout.factors} factors`);
  return new LassoModel(init, {
    tags: content.tags,
    alpha: content.alpha,
    weighting: content.weighting ?? 'binary',
    fallbackMean: content.fallbackMean ?? 0,
    tol: content.tol ?? 1e-5,
    maxSweeps: content.maxSweeps ?? 200,
    selection: content.selection,
  });
};

/** Fits the per-user LASSO on `options.itemTags` (see LASSO_PARAMS); throws when no item has tags. */
export async function fitLasso(
  data: Interactions,
  given: Record<string, ParamValues[string] | undefined> = {},
  options: FitOptions = {},
): Promise<FitResult<LassoModel>> {
  const params = resolveParams(LASSO_PARAMS, given);
  const settings: LassoSettings = {
    alpha: parseAlpha(params.alpha),
    weighting: params.weighting,
    folds: params.folds,
    grid: params.grid,
    tol: params.tol,
    maxSweeps: params.maxSweeps,
  };
  const started = performance.now();
  const sources = options.itemTags ? [inMemoryTags(options.itemTags)] : [];
  const content = await itemContent(data.items, sources, settings.weighting);
  if (content.tags.length === 0) {
    throw new Error(
      options.itemTags && options.itemTags.size > 0
        ? 'lasso needs item tags: none of the tagged items is in the ratings (do the item ids match?)'
        : 'lasso needs item tags: the data has none; pass --tags <file>',
    );
  }
  // The workers load while the problem is built.
  const pool = LassoThreads.start(
    Math.max(1, Math.min(options.threads ?? defaultThreads(), data.users.size)),
  );
  try {
    return await fitWithThreads(data, settings, content, options, pool, started);
  } finally {
    await pool.close();
  }
}

/** The resolved parameters of a fit. */
interface LassoSettings {
  alpha: number | 'auto';
  weighting: TagWeighting;
  folds: number;
  grid: number;
  tol: number;
  maxSweeps: number;
}

/** The tags and the model's item rows [T_j, 1, 0]; the dense f64 tag matrix is not kept (it is large with many tags). */
async function itemContent(
  items: Interactions['items'],
  sources: readonly TagSource[],
  weighting: TagWeighting,
): Promise<{ tags: string[]; itemRows: Float32Array }> {
  const matrix = await buildTagMatrix(items, sources, weighting);
  const p = matrix.tags.length;
  const layout = factorLayout(p, true);
  const { stride } = layout;
  const itemRows = new Float32Array(items.size * stride);
  for (let j = 0; j < items.size; j++) {
    for (let t = 0; t < p; t++) itemRows[j * stride + t] = matrix.values[j * p + t];
  }
  setFixedSlots(itemRows, layout, 'item');
  return { tags: matrix.tags, itemRows };
}

async function fitWithThreads(
  data: Interactions,
  settings: LassoSettings,
  content: { tags: string[]; itemRows: Float32Array },
  options: FitOptions,
  pool: LassoThreads,
  started: number,
): Promise<FitResult<LassoModel>> {
  const { weighting, folds, tol, maxSweeps } = settings;
  const { tags, itemRows } = content;
  const p = tags.length;
  const layout = factorLayout(p, true);
  const { stride } = layout;

  const byUser = data.byUser();
  const nUsers = data.users.size;
  const scale = data.range();
  const fallbackMean = data.mean();
  const gridSize = settings.alpha === 'auto' ? settings.grid : 0;
  // Solves read the tag values the model keeps (f32), so fold-in reproduces a training user's row.
  const tagRows = sparseTagRows(itemRows, data.items.size, p, stride);
  const problem: LassoProblem = {
    tags: p,
    tagRows: {
      indptr: shared(Int32Array, tagRows.indptr),
      indices: shared(Int32Array, tagRows.indices),
      values: shared(Float64Array, tagRows.values),
    },
    ratings: {
      indptr: shared(Int32Array, byUser.indptr),
      indices: shared(Int32Array, byUser.indices),
      values: shared(Float64Array, byUser.values),
    },
    folds: shared(Uint8Array, gridSize > 0 ? foldOfEach(data.length, folds, options.seed ?? 0) : []),
    scale,
    fallbackMean,
  };
  const outputs: LassoOutputs = {
    weights: shared(Float64Array, nUsers * p),
    intercepts: shared(Float64Array, nUsers),
    errors: shared(Float64Array, nUsers * gridSize),
    tested: shared(Float64Array, gridSize > 0 ? nUsers : 0),
  };

  pool.share(problem, outputs);
  const ranges = balancedRanges(byUser.indptr, pool.threads);
  const epochs = gridSize > 0 ? 2 : 1;
  const report: FitReport = { fitSeconds: 0, epochSeconds: [], curve: [] };
  const progress = (epoch: number): void =>
    options.onProgress?.({ epoch, epochs, elapsedSeconds: (performance.now() - started) / 1000 });
  let alpha: number;
  let selection: LassoContent['selection'];
  if (settings.alpha === 'auto') {
    throwIfAborted(options.signal);
    const top = largestUsefulAlpha(problem, nUsers);
    const grid = Array.from({ length: gridSize }, (_, g) => top * GRID_DEPTH ** (g / (gridSize - 1)));
    let done = 0;
    let scores: number[] = [];
    let best = 0;
    while (done < gridSize && done - best <= 2) {
      throwIfAborted(options.signal);
      const alphas = grid.slice(done, done + CV_ROUND);
      await pool.run({ kind: 'cv', alphas, first: done, columns: gridSize, folds, tol, maxSweeps }, ranges);
      done += alphas.length;
      scores = crossValidatedRmse(outputs, gridSize, done);
      best = scores.indexOf(Math.min(...scores));
    }
    selection = { grid: grid.slice(0, done), rmse: scores };
    alpha = grid[best];
    progress(1);
  } else {
    alpha = settings.alpha;
  }

  throwIfAborted(options.signal);
  // One solve per user to convergence, not an epoch: the report has no epoch times.
  await pool.run({ kind: 'fit', alpha, tol, maxSweeps }, ranges);

  const userRows = new Float32Array(nUsers * stride);
  for (let u = 0; u < nUsers; u++) {
    for (let t = 0; t < p; t++) userRows[u * stride + t] = outputs.weights[u * p + t];
    userRows[u * stride + layout.userBiasSlot] = outputs.intercepts[u];
  }
  setFixedSlots(userRows, layout, 'user');
  const model = new LassoModel(
    {
      layout,
      mean: 0,
      users: data.users,
      items: data.items,
      userRows,
      itemRows,
      regularization: { factors: 0, bias: 0, weighted: false },
      scale,
      train: { indptr: byUser.indptr, indices: byUser.indices, values: byUser.values },
    },
    { tags, alpha, weighting, fallbackMean, tol, maxSweeps, selection },
  );
  if (options.validation) {
    const { user, item, value } = options.validation;
    report.curve.push(rmse(model.predictIndices(user, item), value));
  }
  progress(epochs);
  report.fitSeconds = (performance.now() - started) / 1000;
  return { model, report };
}

function parseAlpha(text: string): number | 'auto' {
  if (text.trim().toLowerCase() === 'auto') return 'auto';
  const alpha = text.trim() === '' ? Number.NaN : Number(text);
  if (!(Number.isFinite(alpha) && alpha > 0))
    throw new Error(`parameter alpha=${text}: expected a number > 0 or auto`);
  return alpha;
}

/** The smallest α at which every user's w is 0 (max over users of max_t |c_t|), 1 if that is 0. */
function largestUsefulAlpha(problem: LassoProblem, users: number): number {
  const solver = new LassoSolver(problem.tags);
  const { indptr, indices, values } = problem.ratings;
  let top = 0;
  for (let u = 0; u < users; u++) {
    solver.load(problem.tagRows, indices, values, indptr[u], indptr[u + 1]);
    top = Math.max(top, solver.maxCovariance());
  }
  return top > 0 ? top : 1;
}

/**
 * RMSE at the first `done` α values of the grid over every scored held-out rating, summed in user order
 * (the same for any thread count).
 */
function crossValidatedRmse(outputs: LassoOutputs, gridSize: number, done: number): number[] {
  const sums = new Float64Array(done);
  let count = 0;
  for (let u = 0; u < outputs.tested.length; u++) {
    count += outputs.tested[u];
    for (let g = 0; g < done; g++) sums[g] += outputs.errors[u * gridSize + g];
  }
  return Array.from(sums, (s) => Math.sqrt(s / Math.max(1, count)));
}

/** A K-fold assignment of `n` rating entries: a random order cut into K contiguous runs. */
function foldOfEach(n: number, k: number, seed: number): Uint8Array {
  const order = new Rng(seed).permutation(n);
  const fold = new Uint8Array(n);
  for (let r = 0; r < n; r++) fold[order[r]] = Math.floor((r * k) / n);
  return fold;
}

/** The non-zero tag values of each item row (factor slots 0..tags-1), as sparse rows. */
function sparseTagRows(itemRows: Float32Array, items: number, tags: number, stride: number): SparseRows {
  const indptr = new Int32Array(items + 1);
  for (let j = 0; j < items; j++) {
    let n = 0;
    for (let t = 0; t < tags; t++) if (itemRows[j * stride + t] !== 0) n++;
    indptr[j + 1] = indptr[j] + n;
  }
  const indices = new Int32Array(indptr[items]);
  const values = new Float64Array(indptr[items]);
  for (let j = 0, a = 0; j < items; j++) {
    for (let t = 0; t < tags; t++) {
      const v = itemRows[j * stride + t];
      if (v === 0) continue;
      indices[a] = t;
      values[a++] = v;
    }
  }
  return { indptr, indices, values };
}
