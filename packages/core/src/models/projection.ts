import { type PlaneProjection, pca2d } from '../math/pca.js';
import type { Recommender } from './recommender.js';

export interface ItemPoint {
  item: string;
  x: number;
  y: number;
}

/**
 * The map of works (docs/design.md): a PCA projection of item factor vectors to 2-D. With `items`, the plane
 * is fitted on those items only (e.g. the most-rated works, whose vectors are reliable); `projection`
 * places any other vector (a user's favorites' mean) on the same plane.
 */
export function projectItems(
  model: Recommender,
  items?: readonly string[],
): { points: ItemPoint[]; projection: PlaneProjection } {
  const map = model.mapVectors();
  if (!map) throw new Error('a map needs a factor model with at least 2 factors');
  const { vectors: all, dim: factors } = map;
  const chosen = items ?? model.items.toArray();
  const rows = new Float32Array(chosen.length * factors);
  chosen.forEach((id, r) => {
    const j = model.items.indexOf(id);
    if (j < 0) throw new Error(`unknown item "${id}"`);
    rows.set(all.subarray(j * factors, (j + 1) * factors), r * factors);
  });
  const projection = pca2d(rows, chosen.length, factors);
  const points = chosen.map((item, r) => {
    const [x, y] = projection.project(rows, r * factors);
    return { item, x, y };
  });
  return { points, projection };
}
