import type { Fold } from '../data/dataset.js';
import { type EvaluateOptions, type Evaluation, evaluate, type FoldFigures } from '../eval/evaluate.js';
import { meanByKey } from '../eval/summary.js';
import type { ModelFamily } from '../models/family.js';
import type { ParamValue } from '../models/params.js';
import { type TuneOptions, type TuneResult, tune } from './tune.js';

export interface TunedEvaluation extends Evaluation {
  /** The search on each fold's training ratings. */
  tuned: TuneResult[];
}

/**
 * `evaluate` with a search first: on each fold, `tune` searches the parameters on the training ratings
 * only, then the best setting is fitted on them and scored on the test ratings. `params` shows a
 * parameter the folds tuned differently as its values joined by "/", fold by fold.
 */
export async function evaluateTuned(
  family: ModelFamily,
  fixed: Record<string, ParamValue | undefined>,
  folds: readonly Fold[],
  options: EvaluateOptions & { tune?: TuneOptions } = {},
): Promise<TunedEvaluation> {
  const { onFold, tune: tuneOptions, ...evaluateOptions } = options;
  const tuned: TuneResult[] = [];
  const figures: FoldFigures[] = [];
  const curves: number[][] = [];
  for (const [index, fold] of folds.entries()) {
    const result = await tune(family, fold.train, {
      ...tuneOptions,
      seed: options.seed,
      threads: options.threads,
      itemTags: options.itemTags,
      signal: options.signal,
      fixed,
    });
    const evaluation = await evaluate(family, result.params, [fold], evaluateOptions);
    tuned.push(result);
    figures.push(evaluation.folds[0]);
    curves.push(evaluation.curves[0]);
    onFold?.(index + 1, folds.length, evaluation.folds[0]);
  }
  return {
    model: family.name,
    params: foldByFold(tuned),
    folds: figures,
    mean: meanByKey(figures),
    curves,
    tuned,
  };
}

/** Each parameter's value, or its values fold by fold joined by "/" when the folds chose differently. */
function foldByFold(tuned: readonly TuneResult[]): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const key of Object.keys(tuned[0]?.params ?? {})) {
    const values = tuned.map((result) => result.params[key]);
    out[key] = values.every((value) => value === values[0]) ? values[0] : values.map(String).join('/');
  }
  return out;
}
