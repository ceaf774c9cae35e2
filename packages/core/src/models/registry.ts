import { ALS_PARAMS, fitAls } from './als.js';
import { BIASES_PARAMS, fitBiases, fitMean, MEAN_PARAMS } from './baseline.js';
import { BINARY_FAMILIES } from './binary/families.js';
import { BALSE_PARAMS, BLEND_PARAMS, blendLoader, fitBlend } from './blend.js';
import { DEEP_FAMILY, DEEPFM_FAMILY } from './deep/deepfm-family.js';
import { loadFactor } from './factor-model.js';
import type { ModelFamily } from './family.js';
import type { FeatureModelFamily } from './features/feature-family.js';
import { recommenderFamily } from './features/recommender-family.js';
import { FM_FAMILY } from './fm/fm-family.js';
import { BPR_PARAMS, fitBpr, loadBpr } from './implicit/bpr.js';
import { EASE_PARAMS, fitEase, loadEase } from './implicit/ease.js';
import { fitIals, IALS_PARAMS } from './implicit/ials.js';
import { loadIals } from './implicit/ials-model.js';
import { fitLasso, LASSO_PARAMS, loadLasso } from './lasso.js';
import { type ParamValue, type ParamValues, resolveParams, splitPartParams } from './params.js';
import type { ModelLoader } from './recommender.js';
import { fitSgd, SGD_PARAMS } from './sgd.js';

/** BALSE blends ALS and the tag LASSO; a `blend` the models its `models` parameter names. */
const BALSE_PARTS = ['als', 'lasso'];

function blendModels(params: Record<string, ParamValue | undefined>): string[] {
  return String(params.models ?? 'als,lasso').split(',');
}

/** A blend's parts are loaded by their own families' loaders. */
const loadBlend = blendLoader((name) => familyLoader(name));

/** Every model family, by name: the rating models, the blends and the models on feature rows. */
export const MODEL_FAMILIES: readonly ModelFamily[] = [
  {
    name: 'mean',
    description: 'the global mean rating',
    params: MEAN_PARAMS,
    fit: fitMean,
    load: loadFactor,
  },
  {
    name: 'biases',
    description: 'mean + regularized user and item biases',
    params: BIASES_PARAMS,
    fit: fitBiases,
    load: loadFactor,
  },
  {
    name: 'als',
    description: 'ALS-WR matrix factorization with biases',
    params: ALS_PARAMS,
    fit: fitAls,
    load: loadFactor,
  },
  {
    name: 'sgd',
    description: 'biased matrix factorization by SGD',
    params: SGD_PARAMS,
    fit: fitSgd,
    load: loadFactor,
  },
  {
    name: 'ials',
    description:
      'implicit ALS (Hu–Koren–Volinsky): interactions as preferences with confidence; scores, not ratings',
    params: IALS_PARAMS,
    implicit: true,
    fit: fitIals,
    load: loadIals,
  },
  {
    name: 'ease',
    description:
      'EASE (Steck): closed-form item-item weights on interactions; scores, not ratings (≤ 5000 items)',
    params: EASE_PARAMS,
    implicit: true,
    fit: fitEase,
    load: loadEase,
  },
  {
    name: 'bpr',
    description: 'BPR (Rendle et al.): factors with item biases ranked by sampled pairs; scores, not ratings',
    params: BPR_PARAMS,
    implicit: true,
    fit: fitBpr,
    load: loadBpr,
  },
  {
    name: 'lasso',
    description: 'per-user LASSO on item tags: predicts works nobody rated, explains by tags (needs tags)',
    params: LASSO_PARAMS,
    fit: fitLasso,
    load: loadLasso,
  },
  {
    name: 'balse',
    description: 'BALSE: ALS and the tag LASSO blended by a gate on each item’s rating count (needs tags)',
    params: BALSE_PARAMS,
    parts: () => [...BALSE_PARTS],
    fit: (data, params, options = {}) =>
      fitBlend(BALSE_PARTS.map(modelFamily), data, params, options, BALSE_PARAMS),
    load: loadBlend,
  },
  {
    name: 'blend',
    description: 'any models blended by per-item gates on rating counts, or constant weights',
    params: BLEND_PARAMS,
    parts: (params) => blendModels(params),
    fit: (data, params, options = {}) =>
      fitBlend(blendModels(params).map(modelFamily), data, params, options),
    load: loadBlend,
  },
  // The models on feature rows, fitted on the ratings laid out as `features` (FM, IRT, Elo, …).
  ...[FM_FAMILY, ...BINARY_FAMILIES, DEEPFM_FAMILY, DEEP_FAMILY].map(recommenderFamily),
];

export function modelFamily(name: string): ModelFamily {
  const family = MODEL_FAMILIES.find((f) => f.name === name);
  if (!family)
    throw new Error(`unknown model "${name}"; available: ${MODEL_FAMILIES.map((f) => f.name).join(', ')}`);
  return family;
}

/** The models on feature rows (the registry's families that have `features`), as they fit encoded rows. */
export const FEATURE_MODEL_FAMILIES: readonly FeatureModelFamily[] = MODEL_FAMILIES.flatMap((f) =>
  f.features ? [f.features] : [],
);

/** A model on feature rows, for `osusume eval` and `compare` with `--features` and `--task`. */
export function featureModelFamily(name: string): FeatureModelFamily {
  const family = modelFamily(name);
  if (!family.features) {
    const names = FEATURE_MODEL_FAMILIES.map((f) => f.name).join(', ');
    throw new Error(`model "${name}" does not work on feature rows; models that do: ${names}`);
  }
  return family.features;
}

/**
 * The loader of a family's model files. A file of a family this registry does not know is read as a plain
 * factor model: the layout that a numpy user writes (factor-model-file.ts).
 */
export function familyLoader(name: string): ModelLoader {
  return MODEL_FAMILIES.find((f) => f.name === name)?.load ?? loadFactor;
}

/**
 * The families a blend is made of, each with the parameters given to it as `part.key=value` (not yet
 * completed with defaults); none for a family that is not a blend.
 */
export function familyParts(
  family: ModelFamily,
  given: Record<string, ParamValue | undefined>,
): { family: ModelFamily; params: Record<string, ParamValue | undefined> }[] {
  if (!family.parts) return [];
  const { parts } = splitPartParams(given);
  return family.parts(given).map((name) => ({ family: modelFamily(name), params: parts[name] ?? {} }));
}

/**
 * A family's parameters checked and completed with defaults; a blend's also hold each blended model's,
 * as `model.key=value` (the given ones and the defaults), so that a report or a model file says what was
 * fitted. A `model.key` for a model not blended passes through, for the fit to refuse.
 */
export function familyParams(
  family: ModelFamily,
  given: Record<string, ParamValue | undefined>,
): ParamValues {
  if (!family.parts) return resolveParams(family.params, given);
  const { own, parts } = splitPartParams(given);
  const params: ParamValues = resolveParams(family.params, own);
  const passed: ParamValues = {};
  for (const [name, part] of Object.entries(parts)) {
    for (const [key, value] of Object.entries(part))
      if (value !== undefined) passed[`${name}.${key}`] = value;
  }
  for (const { family: part, params: given } of familyParts(family, { ...passed, ...params })) {
    for (const [key, value] of Object.entries(resolveParams(part.params, given)))
      params[`${part.name}.${key}`] = value;
  }
  return { ...passed, ...params };
}

/** What `eval` and `compare` say beside the RMSE of an implicit model. */
export function implicitRmseNote(family: ModelFamily): string | undefined {
  if (!family.implicit) return undefined;
  return `${family.name} scores items for ranking, it does not predict ratings: its RMSE and MAE are meaningless (judge it by ranking metrics: --protocol rank:recent:N)`;
}
