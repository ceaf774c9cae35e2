import { IdMap } from '../data/id-map.js';
import { type LoadModelOptions, loadModelFile, saveModelFile } from '../io/model-file.js';
import type { Tensor } from '../io/safetensors.js';
import { loadBlend } from './blend.js';
import { FactorModel } from './factor-model.js';
import { factorInitFrom } from './factor-model-file.js';
import { loadFeatureRecommender } from './features/feature-recommender.js';
import { FEATURE_MODEL_FAMILIES } from './features/registry.js';
import { loadBpr } from './implicit/bpr.js';
import { loadEase } from './implicit/ease.js';
import { loadIals } from './implicit/ials-model.js';
import { loadLasso } from './lasso.js';
import type { Recommender } from './recommender.js';

/** What a saved model records besides its tensors. */
export interface SavedModelInfo {
  /** Model family name ("als", "sgd", "lasso", "balse", …). */
  model: string;
  params: Record<string, unknown>;
  seed?: number;
  fingerprint?: string;
  metrics?: Record<string, number>;
}

/** Turns a file's tensors and metadata back into a model. */
export type ModelLoader = (
  tensors: Record<string, Tensor>,
  extra: Record<string, unknown>,
  ids: { users: IdMap; items: IdMap },
  source: string,
) => Recommender;

export const loadFactor: ModelLoader = (tensors, extra, ids, source) =>
  new FactorModel(factorInitFrom(tensors, extra, ids, source));

/** Writes any model in the osusume model-file layout (safetensors), atomically. */
export async function saveRecommender(path: string, model: Recommender, info: SavedModelInfo): Promise<void> {
  const { tensors, extra } = model.toFile();
  await saveModelFile(
    path,
    { ...info, users: model.users.toArray(), items: model.items.toArray(), extra },
    tensors,
  );
}

/**
 * Families whose files are not plain factor models. Thunks, read at call time: the blend module imports
 * this one, and a loader must not be touched while the modules are still being evaluated.
 */
const LOADERS: Record<string, () => ModelLoader> = {
  balse: () => loadBlend,
  blend: () => loadBlend,
  bpr: () => loadBpr,
  ease: () => loadEase,
  ials: () => loadIals,
  lasso: () => loadLasso,
  ...Object.fromEntries(FEATURE_MODEL_FAMILIES.map((f) => [f.name, () => loadFeatureRecommender])),
};

/** The loader of a family's model files. */
export function loaderFor(family: string): ModelLoader {
  return LOADERS[family]?.() ?? loadFactor;
}

/** Reads a model file; the family recorded in it picks the loader. */
export async function loadRecommender(
  path: string,
  options: Pick<LoadModelOptions, 'expectModel'> = {},
): Promise<{ model: Recommender; info: SavedModelInfo }> {
  const { header, tensors } = await loadModelFile(path, { expectModel: options.expectModel, copy: true });
  if (!header.users || !header.items) throw new Error(`${path}: no id maps in its metadata`);
  const ids = { users: IdMap.from(header.users), items: IdMap.from(header.items) };
  return {
    model: loaderFor(header.model)(tensors, header.extra ?? {}, ids, path),
    info: {
      model: header.model,
      params: header.params,
      seed: header.seed,
      fingerprint: header.fingerprint,
      metrics: header.metrics,
    },
  };
}
