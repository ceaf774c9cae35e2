import type { ItemInfo, ItemTag } from '../data/dataset.js';
import type { Interactions } from '../data/interactions.js';
import type { Recommender } from './recommender.js';

/** Options every model's `fit` takes (docs/design.md, model contract). */
export interface FitOptions {
  /** Seed of the one random generator the fit uses (default 0): the same seed gives the same model. */
  seed?: number;
  /** Worker threads for the models that use them (default: the cores available). */
  threads?: number;
  /** Called after each epoch (ALS sweep, SGD pass). */
  onProgress?: (progress: Progress) => void;
  /** Stops the fit between epochs; `fit` then rejects with an AbortError. */
  signal?: AbortSignal;
  /** Ratings to score after each epoch (learning curves); never used for fitting. */
  validation?: Interactions;
  /** Weighted tags by item id, for the models that learn from content (lasso, balse). */
  itemTags?: Map<string, ItemTag[]>;
  /** Item metadata by item id, for the feature models' `cat:` and `num:` terms. */
  itemInfo?: Map<string, ItemInfo>;
}

export interface Progress {
  epoch: number;
  epochs: number;
  elapsedSeconds: number;
  /** RMSE on `FitOptions.validation`, when given. */
  validationRmse?: number;
}

/** What a fit measured, kept with the model. */
export interface FitReport {
  fitSeconds: number;
  /** Seconds of each epoch (ALS sweep or SGD pass), evaluation excluded. */
  epochSeconds: number[];
  /** Validation RMSE after each epoch, when `validation` was given. */
  curve: number[];
  /** The latent factors the model kept, when the fit chose how many (ALS's pruning). */
  factors?: number;
  /** The factor penalty the model was finished with, when the fit chose it (ALS after a cut). */
  lambda?: number;
}

/** What every fit returns: the fitted model and what the fit measured. */
export interface FitResult<M extends Recommender = Recommender> {
  model: M;
  report: FitReport;
}

/**
 * Median of the epoch times: what `epochSeconds` reports. NaN for a model without epochs (a closed form,
 * the LASSO's one solve per user): there is no epoch to time, and 0 or the whole fit would pass for one.
 */
export function medianSeconds(times: number[]): number {
  if (times.length === 0) return Number.NaN;
  const sorted = times.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const error = new Error('fit aborted');
    error.name = 'AbortError';
    throw error;
  }
}
