import { Rng } from './rng.js';

/** A linear map to the plane of the two principal components of a set of vectors. */
export interface PlaneProjection {
  readonly mean: Float64Array;
  /** Two unit vectors (dim each), first the direction of largest variance. */
  readonly components: [Float64Array, Float64Array];
  /** Variance along each component. */
  readonly variance: [number, number];
  project(vector: ArrayLike<number>, offset?: number): [number, number];
}

/**
 * PCA to two dimensions of `count` row vectors of length `dim` (row-major): the covariance matrix
 * (dim × dim, small: dim is a factor count) and its two leading eigenvectors by power iteration with
 * deflation. Signs are fixed (largest coordinate positive) so the picture does not flip between runs.
 */
export function pca2d(rows: ArrayLike<number>, count: number, dim: number): PlaneProjection {
  if (count === 0 || dim === 0) throw new Error('PCA needs at least one vector with at least one dimension');
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r++) for (let c = 0; c < dim; c++) mean[c] += rows[r * dim + c] / count;
  const cov = new Float64Array(dim * dim);
  const centered = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let c = 0; c < dim; c++) centered[c] = rows[r * dim + c] - mean[c];
    for (let a = 0; a < dim; a++) {
      const x = centered[a] / count;
      for (let b = 0; b <= a; b++) cov[a * dim + b] += x * centered[b];
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) cov[b * dim + a] = cov[a * dim + b];
  const rng = new Rng(1);
  const first = leadingEigenvector(cov, dim, rng);
  const v1 = rayleigh(cov, dim, first);
  for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) cov[a * dim + b] -= v1 * first[a] * first[b];
  const second = dim > 1 ? leadingEigenvector(cov, dim, rng) : new Float64Array(dim);
  const v2 = dim > 1 ? rayleigh(cov, dim, second) : 0;
  const project = (vector: ArrayLike<number>, offset = 0): [number, number] => {
    let x = 0;
    let y = 0;
    for (let c = 0; c < dim; c++) {
      const d = vector[offset + c] - mean[c];
      x += d * first[c];
      y += d * second[c];
    }
    return [x, y];
  };
  return { mean, components: [first, second], variance: [v1, Math.max(0, v2)], project };
}

function leadingEigenvector(matrix: Float64Array, dim: number, rng: Rng): Float64Array {
  let v = new Float64Array(dim).map(() => rng.normal());
  normalize(v);
  let next = new Float64Array(dim);
  for (let iteration = 0; iteration < 500; iteration++) {
    next.fill(0);
    for (let a = 0; a < dim; a++) {
      let s = 0;
      for (let b = 0; b < dim; b++) s += matrix[a * dim + b] * v[b];
      next[a] = s;
    }
    if (normalize(next) === 0) return v;
    let change = 0;
    for (let a = 0; a < dim; a++) change += Math.abs(next[a] - v[a]);
    [v, next] = [next, v];
    if (change < 1e-10) break;
  }
  let largest = 0;
  for (let a = 1; a < dim; a++) if (Math.abs(v[a]) > Math.abs(v[largest])) largest = a;
  if (v[largest] < 0) for (let a = 0; a < dim; a++) v[a] = -v[a];
  return v;
}

function rayleigh(matrix: Float64Array, dim: number, v: Float64Array): number {
  let s = 0;
  for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) s += v[a] * matrix[a * dim + b] * v[b];
  return s;
}

function normalize(v: Float64Array): number {
  let norm = 0;
  for (let a = 0; a < v.length; a++) norm += v[a] * v[a];
  norm = Math.sqrt(norm);
  if (norm > 0) for (let a = 0; a < v.length; a++) v[a] /= norm;
  return norm;
}
