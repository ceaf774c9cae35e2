import type { Dataset, Fold } from '../data/dataset.js';
import type { FeatureMatrix } from '../data/feature-matrix.js';
import type { FeatureEncoder } from '../data/feature-spec.js';
import type { FeatureModelFamily, FeatureTask } from '../models/features/feature-family.js';
import { medianSeconds } from '../models/fit-options.js';
import { type ParamValue, resolveParams } from '../models/params.js';
import type { Evaluation, FoldFigures } from './evaluate.js';
import { accuracy, auc, logLoss, mae, rmse } from './metrics.js';
import { Split } from './splits.js';
import { meanByKey } from './summary.js';

/** One train/test split as feature rows. */
export interface FeatureFold {
  name: string;
  train: FeatureMatrix;
  test: FeatureMatrix;
}

/**
 * Folds as feature rows. Random splits (kfold, holdout, saved splits…) select rows of the whole data set
 * encoded once, so a test row's counters (wins, fails) count all of that learner's earlier answers, in
 * training or not. A `given` test set and official folds encode each side on its own.
 */
export function featureFolds(
  folds: readonly Fold[],
  data: Dataset,
  encoder: FeatureEncoder,
  given?: Dataset,
): FeatureFold[] {
  if (given) {
    return [
      {
        name: 'given',
        train: encoder.encode(data.ratings, data.skills?.skill),
        test: encoder.encode(given.ratings, given.skills?.skill),
      },
    ];
  }
  if (folds.every((fold) => fold instanceof Split && fold.source === data.ratings)) {
    const all = encoder.encode(data.ratings, data.skills?.skill);
    return folds.map((fold) => {
      const split = fold as Split;
      return {
        name: split.name,
        train: all.select(split.trainPositions),
        test: all.select(split.testPositions),
      };
    });
  }
  if (encoder.usesHistory)
    throw new Error('features wins and fails need a random split or a given test file');
  return folds.map((fold) => ({
    name: fold.name,
    train: encoder.encode(fold.train),
    test: encoder.encode(fold.test),
  }));
}

export interface EvaluateFeaturesOptions {
  task: FeatureTask;
  seed?: number;
  threads?: number;
  onFold?: (fold: number, folds: number, figures: FoldFigures) => void;
  signal?: AbortSignal;
}

/**
 * Fits a feature model family on each fold's training rows and scores its test rows: RMSE and MAE for
 * regression; AUC, log-loss and accuracy for a binary task. The same JSON as `evaluate`.
 */
export async function evaluateFeatures(
  family: FeatureModelFamily,
  given: Record<string, ParamValue | undefined>,
  folds: readonly FeatureFold[],
  options: EvaluateFeaturesOptions,
): Promise<Evaluation> {
  const { task } = options;
  if (!family.tasks.includes(task)) {
    throw new Error(`model ${family.name} does not do ${task}; it does ${family.tasks.join(', ')}`);
  }
  const params = resolveParams(family.params, given);
  const results: FoldFigures[] = [];
  const curves: number[][] = [];
  for (const [index, fold] of folds.entries()) {
    if (task === 'binary') {
      checkBinary(fold.train, 'training');
      checkBinary(fold.test, 'test');
    }
    const { model, report } = await family.fit(fold.train, params, {
      task,
      seed: options.seed ?? 0,
      threads: options.threads,
      predictOn: [fold.test],
      signal: options.signal,
    });
    const predicted = model.predict(fold.test);
    const actual = fold.test.target;
    const figures: FoldFigures =
      task === 'binary'
        ? {
            auc: auc(predicted, actual),
            logloss: logLoss(predicted, actual),
            accuracy: accuracy(predicted, actual),
          }
        : { rmse: rmse(predicted, actual), mae: mae(predicted, actual) };
    figures.fitSeconds = report.fitSeconds;
    figures.epochSeconds = medianSeconds(report.epochSeconds);
    figures.epochs = report.epochSeconds.length;
    results.push(figures);
    curves.push(report.curve);
    options.onFold?.(index + 1, folds.length, figures);
  }
  return { model: family.name, params, folds: results, mean: meanByKey(results), curves };
}

function checkBinary(rows: FeatureMatrix, side: string): void {
  for (let r = 0; r < rows.rows; r++) {
    const y = rows.target[r];
    if (y !== 0 && y !== 1) {
      throw new Error(
        `a binary task needs 0/1 outcomes, but ${side} row ${r + 1} has ${y}: use kt: or dkvmn: data, or --task regression`,
      );
    }
  }
}
