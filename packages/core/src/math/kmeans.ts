import { Rng } from './rng.js';

/** A clustering: each point's cluster, and the clusters' centres (k × dim, row-major). */
export interface Clustering {
  assignment: Int32Array;
  centres: Float64Array;
  k: number;
}

/**
 * Lloyd's k-means of `count` points of `dim` coordinates, started by k-means++ (Arthur & Vassilvitskii
 * 2007) from a seeded generator, so the same points and seed give the same clusters. Stops when no point
 * changes cluster, or after `iterations`.
 */
export function kmeans(
  points: ArrayLike<number>,
  count: number,
  dim: number,
  k: number,
  seed = 0,
  iterations = 100,
): Clustering {
  if (k < 1 || k > count) throw new Error(`k-means needs 1 ≤ k ≤ ${count} points, got k = ${k}`);
  const rng = new Rng(seed);
  const centres = new Float64Array(k * dim);
  const nearest = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
  let chosen = rng.int(count);
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < dim; d++) centres[c * dim + d] = points[chosen * dim + d];
    let total = 0;
    for (let i = 0; i < count; i++) {
      nearest[i] = Math.min(nearest[i], distance(points, i * dim, centres, c * dim, dim));
      total += nearest[i];
    }
    // The next centre is drawn with probability proportional to the squared distance to the nearest one.
    let r = rng.uniform() * total;
    chosen = count - 1;
    for (let i = 0; i < count; i++) {
      r -= nearest[i];
      if (r < 0) {
        chosen = i;
        break;
      }
    }
  }
  const assignment = new Int32Array(count).fill(-1);
  const sums = new Float64Array(k * dim);
  const sizes = new Int32Array(k);
  for (let iteration = 0; iteration < iterations; iteration++) {
    let changed = 0;
    for (let i = 0; i < count; i++) {
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const d = distance(points, i * dim, centres, c * dim, dim);
        if (d < bestDistance) {
          bestDistance = d;
          best = c;
        }
      }
      if (assignment[i] !== best) changed++;
      assignment[i] = best;
    }
    if (changed === 0) break;
    sums.fill(0);
    sizes.fill(0);
    for (let i = 0; i < count; i++) {
      const c = assignment[i];
      sizes[c]++;
      for (let d = 0; d < dim; d++) sums[c * dim + d] += points[i * dim + d];
    }
    // An emptied cluster keeps its centre.
    for (let c = 0; c < k; c++) {
      if (sizes[c] > 0) for (let d = 0; d < dim; d++) centres[c * dim + d] = sums[c * dim + d] / sizes[c];
    }
  }
  return { assignment, centres, k };
}

function distance(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (a[ao + d] - b[bo + d]) ** 2;
  return s;
}
