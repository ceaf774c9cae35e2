import { IdMap } from '../data/id-map.js';
import { type LoadModelOptions, loadModelFile, saveModelFile } from '../io/model-file.js';
import type { Recommender } from './recommender.js';
import { familyLoader } from './registry.js';

/** What a saved model records besides its tensors. */
export interface SavedModelInfo {
  /** Model family name ("als", "sgd", "lasso", "balse", …). */
  model: string;
  params: Record<string, unknown>;
  seed?: number;
  fingerprint?: string;
  metrics?: Record<string, number>;
}

/** Writes any model in the osusume model-file layout (safetensors), atomically. */
export async function saveRecommender(path: string, model: Recommender, info: SavedModelInfo): Promise<void> {
  const { tensors, extra } = model.toFile();
  await saveModelFile(
    path,
    { ...info, users: model.users.toArray(), items: model.items.toArray(), extra },
    tensors,
  );
}

/** Reads a model file; the family recorded in it loads it. */
export async function loadRecommender(
  path: string,
  options: Pick<LoadModelOptions, 'expectModel'> = {},
): Promise<{ model: Recommender; info: SavedModelInfo }> {
  const { header, tensors } = await loadModelFile(path, { expectModel: options.expectModel, copy: true });
  if (!header.users || !header.items) throw new Error(`${path}: no id maps in its metadata`);
  const ids = { users: IdMap.from(header.users), items: IdMap.from(header.items) };
  return {
    model: familyLoader(header.model)(tensors, header.extra ?? {}, ids, path),
    info: {
      model: header.model,
      params: header.params,
      seed: header.seed,
      fingerprint: header.fingerprint,
      metrics: header.metrics,
    },
  };
}
