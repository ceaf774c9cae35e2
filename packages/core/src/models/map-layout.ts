import type { ItemTag } from '../data/dataset.js';
import type { Tensor } from '../io/safetensors.js';
import { kmeans } from '../math/kmeans.js';
import { type TsneOptions, tsne } from '../math/tsne.js';
import type { Recommender } from './recommender.js';

/** A region of the map: where its label goes, how many works it holds, and the genres that name it. */
export interface MapCluster {
  x: number;
  y: number;
  size: number;
  /** The genres most over-represented in it against all works mapped (lift), up to four, first the most. */
  genres: string[];
}

/**
 * A map of every work a model knows (docs/design.md, "The map"), computed once when the model is trained:
 * positions by t-SNE of the item vectors, in the order of the model's items, and its labelled clusters.
 */
export interface MapLayout {
  method: 'tsne';
  /** x, y per item. */
  xy: Float32Array;
  /** The cluster of each item (an index into `clusters`). */
  cluster: Int32Array;
  clusters: MapCluster[];
  seed: number;
  /** Wall time of the layout and the clustering. */
  seconds: number;
}

/** A genre names a cluster only if at least this share of its works carry it (lift alone favours rare ones). */
const LABEL_MIN_SHARE = 0.2;

/** About one cluster per this many works (at least 2): a dozen on the service's ~7k works, each large enough to read. */
const WORKS_PER_CLUSTER = 600;

/**
 * The map's t-SNE settings: fewer steps and a coarser Barnes-Hut than t-SNE's own defaults (750, θ 0.5),
 * because the layout runs in every training and on the service's first start. On the anime ALS vectors
 * (7,390 works) they halve its CPU time (17.0 s against 35.9 s in one pair of runs on a loaded machine)
 * for 0.299 against 0.304 of the 10 nearest works kept (bench/RESULTS.md, "Map layout").
 */
export const MAP_TSNE: Readonly<TsneOptions> = { iterations: 500, theta: 0.8 };

/** The t-SNE layout of a model's item vectors with its clusters labelled by `tags` (genres). */
export function computeMapLayout(
  model: Recommender,
  tags: ReadonlyMap<string, readonly ItemTag[]>,
  options: TsneOptions & { seed?: number } = {},
): MapLayout {
  const map = model.mapVectors();
  if (!map) throw new Error('a map needs a factor model with at least 2 factors');
  const started = performance.now();
  const count = model.items.size;
  const seed = options.seed ?? 0;
  const xy = Float32Array.from(tsne(map.vectors, count, map.dim, { ...MAP_TSNE, ...options, seed }));
  const k = Math.min(count, Math.max(2, Math.min(24, Math.round(count / WORKS_PER_CLUSTER))));
  const { assignment, centres } = kmeans(xy, count, 2, k, seed);
  const items = model.items.toArray();
  const labels = clusterGenres(
    assignment,
    k,
    items.map((id) => (tags.get(id) ?? []).map((t) => t.tag)),
    // Four, so that a map that hides some genres (adult ones) still has two to name a region by.
    4,
  );
  const clusters = labels.map((genres, c) => ({
    x: centres[2 * c],
    y: centres[2 * c + 1],
    size: assignment.filter((a) => a === c).length,
    genres,
  }));
  return {
    method: 'tsne',
    xy,
    cluster: assignment,
    clusters,
    seed,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Up to `size` genres per cluster: those whose share among its works is highest relative to their share
 * among all works (lift), among genres at least LABEL_MIN_SHARE of the cluster carries; a cluster where
 * none does is named by its most common genre; one without genres gets none.
 */
export function clusterGenres(
  assignment: Int32Array,
  k: number,
  genres: readonly (readonly string[])[],
  size = 2,
): string[][] {
  const overall = new Map<string, number>();
  const within = Array.from({ length: k }, () => new Map<string, number>());
  const sizes = new Int32Array(k);
  genres.forEach((list, i) => {
    const c = assignment[i];
    sizes[c]++;
    for (const g of new Set(list)) {
      overall.set(g, (overall.get(g) ?? 0) + 1);
      within[c].set(g, (within[c].get(g) ?? 0) + 1);
    }
  });
  const total = genres.length;
  return within.map((counts, c) => {
    const scored = [...counts]
      .map(([genre, n]) => ({
        genre,
        share: n / sizes[c],
        lift: n / sizes[c] / ((overall.get(genre) ?? 1) / total),
      }))
      .sort((a, b) => b.lift - a.lift || b.share - a.share || (a.genre < b.genre ? -1 : 1));
    const named = scored.filter((s) => s.share >= LABEL_MIN_SHARE).slice(0, size);
    if (named.length > 0) return named.map((s) => s.genre);
    const common = scored.sort((a, b) => b.share - a.share || (a.genre < b.genre ? -1 : 1))[0];
    return common ? [common.genre] : [];
  });
}

/** Tensor names of a layout in a model file, next to the model's own. */
export const MAP_TENSORS = { xy: 'map.xy', cluster: 'map.cluster' } as const;

/** A layout as model-file tensors (items × 2 positions, items cluster indices) and metadata. */
export function mapLayoutToFile(layout: MapLayout): {
  tensors: Record<string, Tensor>;
  meta: Record<string, unknown>;
} {
  const count = layout.cluster.length;
  return {
    tensors: {
      [MAP_TENSORS.xy]: { dtype: 'F32', shape: [count, 2], data: layout.xy },
      [MAP_TENSORS.cluster]: { dtype: 'I32', shape: [count], data: layout.cluster },
    },
    meta: { method: layout.method, seed: layout.seed, seconds: layout.seconds, clusters: layout.clusters },
  };
}

/** The layout stored in a model file, if any; a malformed one is an error naming the file. */
export function mapLayoutFromFile(
  tensors: Record<string, Tensor>,
  meta: Record<string, unknown> | undefined,
  items: number,
  source: string,
): MapLayout | undefined {
  const xy = tensors[MAP_TENSORS.xy];
  const cluster = tensors[MAP_TENSORS.cluster];
  if (!xy && !cluster && !meta) return undefined;
  const fail = (why: string): never => {
    throw new Error(`${source}: the map layout ${why}`);
  };
  if (xy?.dtype !== 'F32' || xy.shape[0] !== items || xy.shape[1] !== 2)
    fail(`needs ${MAP_TENSORS.xy}: F32 [${items}, 2]`);
  if (cluster?.dtype !== 'I32' || cluster.shape[0] !== items)
    fail(`needs ${MAP_TENSORS.cluster}: I32 [${items}]`);
  const clusters = meta?.clusters;
  if (!Array.isArray(clusters)) return fail('has no clusters');
  for (const c of clusters as unknown[]) {
    const ok =
      c !== null &&
      typeof c === 'object' &&
      ['x', 'y', 'size'].every((key) => typeof (c as Record<string, unknown>)[key] === 'number') &&
      Array.isArray((c as { genres?: unknown }).genres);
    if (!ok) fail('has a malformed cluster');
  }
  const assignment = (cluster as Tensor & { dtype: 'I32' }).data;
  if (assignment.some((a) => a < 0 || a >= clusters.length)) fail('assigns a work to no cluster');
  return {
    method: 'tsne',
    xy: (xy as Tensor & { dtype: 'F32' }).data,
    cluster: assignment,
    clusters: clusters as MapCluster[],
    seed: typeof meta?.seed === 'number' ? meta.seed : 0,
    seconds: typeof meta?.seconds === 'number' ? meta.seconds : 0,
  };
}
