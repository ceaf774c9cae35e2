import type { Interactions } from '../data/interactions.js';
import type { FeatureModelFamily } from './features/feature-family.js';
import type { FitOptions, FitResult } from './fit-options.js';
import type { ParamSpec, ParamValue } from './params.js';
import type { ModelLoader } from './recommender.js';

/**
 * A model family by name, as the command line and the service see it (docs/design.md, the model contract):
 * its hyper-parameters, its fit, the loader of its model files and, for a blend, the families it is made of.
 * Every family is in one registry (registry.ts).
 */
export interface ModelFamily {
  name: string;
  description: string;
  params: readonly ParamSpec[];
  /**
   * The families a blend is made of, given its parameters (reported with their resolved defaults). A blend
   * takes its parts' parameters as `part.key=value`.
   */
  parts?(params: Record<string, ParamValue | undefined>): string[];
  /** Learns from implicit interactions: its scores rank items and are not ratings (no RMSE). */
  implicit?: boolean;
  fit(
    data: Interactions,
    params: Record<string, ParamValue | undefined>,
    options?: FitOptions,
  ): Promise<FitResult>;
  /** Turns this family's model files back into models. */
  load: ModelLoader;
  /**
   * For the models on feature rows (FM, IRT, Elo, DeepFM, …): the same model fitted directly on encoded
   * rows, which `osusume eval` and `compare` measure with `--features` and `--task`.
   */
  features?: FeatureModelFamily;
}
