import type { Interactions } from '../data/interactions.js';
import { ALS_PARAMS, fitAls } from './als.js';
import { BIASES_PARAMS, fitBiases, fitMean, MEAN_PARAMS } from './baseline.js';
import { BALSE_PARAMS, BLEND_PARAMS, fitBlend } from './blend.js';
import { recommenderFamily } from './features/recommender-family.js';
import { FEATURE_MODEL_FAMILIES } from './features/registry.js';
import type { FitOptions, FitResult } from './fit-options.js';
import { BPR_PARAMS, fitBpr } from './implicit/bpr.js';
import { EASE_PARAMS, fitEase } from './implicit/ease.js';
import { fitIals, IALS_PARAMS } from './implicit/ials.js';
import { fitLasso, LASSO_PARAMS } from './lasso.js';
import { type ParamSpec, type ParamValue, type ParamValues, resolveParams } from './params.js';
import { fitSgd, SGD_PARAMS } from './sgd.js';

/** A model family by name: its hyper-parameters and its fit, as the command line and the service see it. */
export interface ModelFamily {
  name: string;
  description: string;
  params: readonly ParamSpec[];
  /** Takes `model.key=value` parameters for the models it is made of (blends). */
  nestedParams?: boolean;
  /** The families a blend is made of, given its parameters (reported with their resolved defaults). */
  parts?(params: Record<string, ParamValue | undefined>): string[];
  /** Learns from implicit interactions: its scores rank items and are not ratings (no RMSE). */
  implicit?: boolean;
  fit(
    data: Interactions,
    params: Record<string, ParamValue | undefined>,
    options?: FitOptions,
  ): Promise<FitResult>;
}

/** BALSE blends ALS and the tag LASSO; a `blend` the models its `models` parameter names. */
const BALSE_PARTS = ['als', 'lasso'];

function blendModels(params: Record<string, ParamValue | undefined>): string[] {
  return String(params.models ?? 'als,lasso').split(',');
}

export const MODEL_FAMILIES: readonly ModelFamily[] = [
  { name: 'mean', description: 'the global mean rating', params: MEAN_PARAMS, fit: fitMean },
  {
    name: 'biases',
    description: 'mean + regularized user and item biases',
    params: BIASES_PARAMS,
    fit: fitBiases,
  },
  { name: 'als', description: 'ALS-WR matrix factorization with biases', params: ALS_PARAMS, fit: fitAls },
  { name: 'sgd', description: 'biased matrix factorization by SGD', params: SGD_PARAMS, fit: fitSgd },
  {
    name: 'ials',
    description:
      'implicit ALS (Hu–Koren–Volinsky): interactions as preferences with confidence; scores, not ratings',
    params: IALS_PARAMS,
    implicit: true,
    fit: fitIals,
  },
  {
    name: 'ease',
    description:
      'EASE (Steck): closed-form item-item weights on interactions; scores, not ratings (≤ 5000 items)',
    params: EASE_PARAMS,
    implicit: true,
    fit: fitEase,
  },
  {
    name: 'bpr',
    description: 'BPR (Rendle et al.): factors with item biases ranked by sampled pairs; scores, not ratings',
    params: BPR_PARAMS,
    implicit: true,
    fit: fitBpr,
  },
  {
    name: 'lasso',
    description: 'per-user LASSO on item tags: predicts works nobody rated, explains by tags (needs tags)',
    params: LASSO_PARAMS,
    fit: fitLasso,
  },
  {
    name: 'balse',
    description: 'BALSE: ALS and the tag LASSO blended by a gate on each item’s rating count (needs tags)',
    params: BALSE_PARAMS,
    nestedParams: true,
    parts: () => [...BALSE_PARTS],
    fit: (data, params, options = {}) =>
      fitBlend(BALSE_PARTS.map(modelFamily), data, params, options, BALSE_PARAMS),
  },
  {
    name: 'blend',
    description: 'any models blended by per-item gates on rating counts, or constant weights',
    params: BLEND_PARAMS,
    nestedParams: true,
    parts: (params) => blendModels(params),
    fit: (data, params, options = {}) =>
      fitBlend(blendModels(params).map(modelFamily), data, params, options),
  },
  // The models on feature rows, fitted on the ratings laid out as `features` (FM, IRT, Elo, …).
  ...FEATURE_MODEL_FAMILIES.map(recommenderFamily),
];

/**
 * A family's parameters checked and completed with defaults; a blend's also hold each blended model's,
 * as `model.key=value` (the given ones and the defaults), so that a report or a model file says what was
 * fitted. A `model.key` for a model not blended passes through, for the fit to refuse.
 */
export function familyParams(
  family: ModelFamily,
  given: Record<string, ParamValue | undefined>,
): ParamValues {
  const nested = family.nestedParams === true;
  const own = Object.fromEntries(Object.entries(given).filter(([key]) => !(nested && key.includes('.'))));
  const passed = Object.fromEntries(
    Object.entries(given).filter(([key, value]) => nested && key.includes('.') && value !== undefined),
  ) as ParamValues;
  const params: ParamValues = resolveParams(family.params, own);
  for (const name of family.parts?.(params) ?? []) {
    const prefix = `${name}.`;
    const part = Object.fromEntries(
      Object.entries(passed)
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, value]) => [key.slice(prefix.length), value]),
    );
    for (const [key, value] of Object.entries(resolveParams(modelFamily(name).params, part)))
      params[prefix + key] = value;
  }
  return { ...passed, ...params };
}

export function modelFamily(name: string): ModelFamily {
  const family = MODEL_FAMILIES.find((f) => f.name === name);
  if (!family)
    throw new Error(`unknown model "${name}"; available: ${MODEL_FAMILIES.map((f) => f.name).join(', ')}`);
  return family;
}

/** What `eval` and `compare` say beside the RMSE of an implicit model. */
export function implicitRmseNote(family: ModelFamily): string | undefined {
  if (!family.implicit) return undefined;
  return `${family.name} scores items for ranking, it does not predict ratings: its RMSE and MAE are meaningless (judge it by ranking metrics: --protocol rank:recent:N)`;
}
