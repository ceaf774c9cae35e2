import { IdMap } from '../data/id-map.js';
import { type LoadModelOptions, loadModelFile, saveModelFile } from '../io/model-file.js';
import type { Tensor } from '../io/safetensors.js';
import { MAP_TENSORS, type MapLayout, mapLayoutFromFile, mapLayoutToFile } from './map-layout.js';
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

/**
 * Writes any model in the osusume model-file layout (safetensors), atomically; with `layout`, the map of
 * its items travels in the same file (so wherever the model goes, its map goes too).
 */
export async function saveRecommender(
  path: string,
  model: Recommender,
  info: SavedModelInfo,
  layout?: MapLayout,
): Promise<void> {
  const { tensors, extra } = model.toFile();
  const map = layout ? mapLayoutToFile(layout) : undefined;
  await saveModelFile(
    path,
    { ...info, users: model.users.toArray(), items: model.items.toArray(), extra, map: map?.meta },
    { ...tensors, ...map?.tensors },
  );
}

/** Reads a model file; the family recorded in it loads it. Its map layout comes back when it has one. */
export async function loadRecommender(
  path: string,
  options: Pick<LoadModelOptions, 'expectModel'> = {},
): Promise<{ model: Recommender; info: SavedModelInfo; layout?: MapLayout }> {
  const { header, tensors } = await loadModelFile(path, { expectModel: options.expectModel, copy: true });
  if (!header.users || !header.items) throw new Error(`${path}: no id maps in its metadata`);
  const ids = { users: IdMap.from(header.users), items: IdMap.from(header.items) };
  const own: Record<string, Tensor> = {};
  const mapNames = new Set<string>(Object.values(MAP_TENSORS));
  for (const [name, tensor] of Object.entries(tensors)) if (!mapNames.has(name)) own[name] = tensor;
  return {
    model: familyLoader(header.model)(own, header.extra ?? {}, ids, path),
    info: {
      model: header.model,
      params: header.params,
      seed: header.seed,
      fingerprint: header.fingerprint,
      metrics: header.metrics,
    },
    layout: mapLayoutFromFile(tensors, header.map, header.items.length, path),
  };
}
