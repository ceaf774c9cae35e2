import type { Fold } from '../data/dataset.js';
import type { ModelFamily } from '../models/family.js';
import { type FitOptions, medianSeconds } from '../models/fit-options.js';
import type { ParamValue } from '../models/params.js';
import { familyParams } from '../models/registry.js';
import { mae, rmse } from './metrics.js';
import { seedTableSubsets } from './protocol-subsets.js';
import { rankFigures } from './rank-fold.js';
import { meanByKey } from './summary.js';

/**
 * One fold's figures: rmse, mae, fitSeconds, epochSeconds, epochs (+ factors and lambda when the fit
 * chose them; + rmseLeastRated, rmseColdStart;
 * + precision@k, recall@k, ndcg@k, map@k, coverage@k, rankedUsers with `rankAt`).
 */
export type FoldFigures = Record<string, number>;

export interface Evaluation {
  model: string;
  params: Record<string, ParamValue>;
  folds: FoldFigures[];
  mean: Record<string, number>;
  /** Test RMSE after each epoch, per fold (only with `curves`). */
  curves: number[][];
}

export interface EvaluateOptions {
  seed?: number;
  threads?: number;
  /** Also report RMSE on the 1,000 least-rated and on the cold-start test ratings (the seed talk's table). */
  seedTable?: boolean;
  /** Record test RMSE after every epoch (learning curves; costs one pass over the test set per epoch). */
  curves?: boolean;
  onFold?: (fold: number, folds: number, figures: FoldFigures) => void;
  /** The cut-offs k of the top-k figures to compute (precision@k, recall@k, …; see rank-fold.ts). */
  rankAt?: readonly number[];
  /** Item tags for the content models (lasso, balse). */
  itemTags?: FitOptions['itemTags'];
  signal?: AbortSignal;
}

/** Fits `family` on each fold's training ratings and scores its test ratings. */
export async function evaluate(
  family: ModelFamily,
  given: Record<string, ParamValue | undefined>,
  folds: readonly Fold[],
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const params = familyParams(family, given);
  const results: FoldFigures[] = [];
  const curves: number[][] = [];
  for (const [index, fold] of folds.entries()) {
    const { model, report } = await family.fit(fold.train, params, {
      seed: options.seed ?? 0,
      threads: options.threads,
      validation: options.curves ? fold.test : undefined,
      signal: options.signal,
      itemTags: options.itemTags,
    });
    const { test } = fold;
    const predicted = model.predictIndices(test.user, test.item);
    const figures: FoldFigures = {
      rmse: rmse(predicted, test.value),
      mae: mae(predicted, test.value),
      fitSeconds: report.fitSeconds,
      epochSeconds: medianSeconds(report.epochSeconds),
      epochs: report.epochSeconds.length,
    };
    if (report.factors !== undefined) figures.factors = report.factors;
    if (report.lambda !== undefined) figures.lambda = report.lambda;
    if (options.seedTable) {
      const subsets = seedTableSubsets(fold.train, test);
      figures.rmseLeastRated = subsetRmse(predicted, test.value, subsets.leastRated);
      figures.rmseColdStart = subsetRmse(predicted, test.value, subsets.coldStart);
      figures.coldStartRatings = subsets.coldStart.length;
    }
    if (options.rankAt?.length) {
      Object.assign(figures, rankFigures(model, fold.train, test, options.rankAt));
      if ('skippedUsers' in fold && typeof fold.skippedUsers === 'number')
        figures.skippedUsers = fold.skippedUsers;
    }
    results.push(figures);
    curves.push(report.curve);
    options.onFold?.(index + 1, folds.length, figures);
  }
  return { model: family.name, params, folds: results, mean: meanByKey(results), curves };
}

function subsetRmse(predicted: Float64Array, actual: Float64Array, positions: Int32Array): number {
  if (positions.length === 0) return Number.NaN;
  let se = 0;
  for (const p of positions) se += (predicted[p] - actual[p]) ** 2;
  return Math.sqrt(se / positions.length);
}
