import type { FeatureMatrix } from '../../data/feature-matrix.js';
import type { FmParameters } from '../fm/fm-kernel.js';
import type { ParamSpec, ParamValues } from '../params.js';

/** What a model on feature rows predicts: a real value (a rating) or the chance of a 1 (a right answer). */
export type FeatureTask = 'regression' | 'binary';

export interface FeatureFitOptions {
  task: FeatureTask;
  seed: number;
  threads?: number;
  /**
   * Rows the caller will predict (the test rows). A sampler (Bayesian FM) averages its predictions on
   * them over the samples, as libFM does; other models ignore them.
   */
  predictOn?: readonly FeatureMatrix[];
  /** Held-out rows for early stopping (DeepFM) or learning curves. */
  validation?: FeatureMatrix;
  onEpoch?: (epoch: number, loss: number) => void;
  signal?: AbortSignal;
}

/** How a linear predictor becomes a prediction: itself, σ(η) or Φ(η) (Bayesian FM's probit). */
export type FeatureLink = 'identity' | 'logistic' | 'probit';

/** A fitted model on feature rows. */
export interface FeatureModel {
  /** One prediction per row: the value for regression, the probability of a 1 for a binary task. */
  predict(rows: FeatureMatrix): Float64Array;
  /**
   * The model as an order-2 factorization machine over the same features, prediction = link(ŷ), for the
   * models that are one (FM, IRT, Elo, logistic MF, linear models): what turns them into recommenders.
   * Absent for the others (DeepFM, higher-order FMs).
   */
  asFm?(): { params: FmParameters; link: FeatureLink };
}

export interface FeatureFitReport {
  fitSeconds: number;
  /** Seconds of each epoch (an SGD pass, an ALS sweep, an MCMC sample). */
  epochSeconds: number[];
  /** The validation metric after each epoch (RMSE, or log-loss for a binary task), when validation was given. */
  curve: number[];
}

export interface FeatureFitResult {
  model: FeatureModel;
  report: FeatureFitReport;
}

/** The result of a fit begun at `started` (performance.now()): the report's fitSeconds run to now. */
export function featureFitResult(
  started: number,
  model: FeatureModel,
  epochSeconds: number[],
  curve: number[],
): FeatureFitResult {
  return { model, report: { fitSeconds: (performance.now() - started) / 1000, epochSeconds, curve } };
}

/** A model family on feature rows, by name, as `osusume eval --model` sees it. */
export interface FeatureModelFamily {
  name: string;
  description: string;
  params: readonly ParamSpec[];
  tasks: readonly FeatureTask[];
  /** Why the family's models cannot serve as recommenders, for those that cannot. */
  notARecommender?: string;
  fit(train: FeatureMatrix, params: ParamValues, options: FeatureFitOptions): Promise<FeatureFitResult>;
}
