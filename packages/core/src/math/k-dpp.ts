import type { Rng } from './rng.js';
import { symmetricEigen } from './symmetric-eigen.js';

/**
 * A low-rank L-ensemble L = B·Bᵀ over `size` items: B's rows (size × dim, row-major) are the items'
 * features, so L's entry (i, j) is the dot product of rows i and j (docs/recommendations.md, "Diverse
 * onboarding").
 */
export interface LowRankKernel {
  features: Float64Array;
  size: number;
  dim: number;
}

/** Eigenvalues below this fraction of the largest are rounding noise: the kernel's rank ends there. */
const RANK_TOLERANCE = 1e-10;

/**
 * The kernel L = diag(q)·S·diag(q) of Kulesza & Taskar (2012, §3.1): S the cosine similarity of the
 * items' vectors, q their quality. Row i of B is q_i·v_i/|v_i| (a zero vector gives a zero row: the item
 * is never drawn). `vectors` holds vectors of `dim` numbers back to back; `rows` picks the items.
 */
export function qualityKernel(
  vectors: ArrayLike<number>,
  dim: number,
  rows: readonly number[],
  quality: readonly number[],
): LowRankKernel {
  if (quality.length !== rows.length) {
    throw new Error(`qualityKernel: ${rows.length} rows but ${quality.length} qualities`);
  }
  const features = new Float64Array(rows.length * dim);
  rows.forEach((row, i) => {
    let norm = 0;
    for (let c = 0; c < dim; c++) norm += vectors[row * dim + c] ** 2;
    if (norm === 0 || !(quality[i] > 0)) return;
    const scale = quality[i] / Math.sqrt(norm);
    for (let c = 0; c < dim; c++) features[i * dim + c] = vectors[row * dim + c] * scale;
  });
  return { features, size: rows.length, dim };
}

/**
 * The kernel of the DPP conditioned on the items `given` being in the draw (Kulesza & Taskar 2012,
 * eq. 2.42): the Schur complement L − L_{·A}·L_A⁻¹·L_{A·}, which for L = B·Bᵀ is B·P·Bᵀ with P the
 * projection onto the complement of the span of the given rows. So each row loses its part along the
 * given items' features: an item like those already chosen keeps little weight. Given rows become zero.
 */
export function conditionKernel(kernel: LowRankKernel, given: readonly number[]): LowRankKernel {
  const { features, size, dim } = kernel;
  const out = Float64Array.from(features);
  // An orthonormal basis of the given rows' span (Gram–Schmidt, twice for stability).
  const basis: Float64Array[] = [];
  for (const g of given) {
    if (!(g >= 0 && g < size)) throw new Error(`conditionKernel: item ${g} is not in 0..${size - 1}`);
    const u = features.slice(g * dim, (g + 1) * dim);
    const before = norm(u);
    for (let pass = 0; pass < 2; pass++) for (const b of basis) axpy(u, b, -dot(u, b));
    const after = norm(u);
    if (after > 1e-9 * before && after > 0) basis.push(u.map((x) => x / after));
  }
  for (let i = 0; i < size; i++) {
    const row = out.subarray(i * dim, (i + 1) * dim);
    for (let pass = 0; pass < 2; pass++) for (const b of basis) axpy(row, b, -dot(row, b));
  }
  return { features: out, size, dim };
}

/**
 * Elementary symmetric polynomials e_l(λ_1..λ_n) for l = 0..k and n = 0..N (Kulesza & Taskar 2012,
 * Algorithm 7): e[n][l] = e[n−1][l] + λ_n·e[n−1][l−1].
 */
export function elementarySymmetric(values: ArrayLike<number>, k: number): Float64Array[] {
  const table = [new Float64Array(k + 1)];
  table[0][0] = 1;
  for (let n = 1; n <= values.length; n++) {
    const prev = table[n - 1];
    const row = new Float64Array(k + 1);
    row[0] = 1;
    for (let l = 1; l <= k; l++) row[l] = prev[l] + values[n - 1] * prev[l - 1];
    table.push(row);
  }
  return table;
}

/**
 * An exact draw of k distinct items from the k-DPP of the kernel: P(Y) ∝ det(L_Y) over sets of size k.
 * Kulesza & Taskar (2012), Algorithm 1 with the eigenvector selection of their Algorithm 8 (elementary
 * symmetric polynomials), in the dual form of §3.3: the eigen-decomposition is of the dim × dim matrix
 * Bᵀ·B, not of the size × size L, so a draw costs O(dim³ + size·dim·k + size·k²). When k exceeds the
 * kernel's rank no set of k items has a positive determinant: it throws, or with `atMost` draws as many
 * items as the rank allows.
 */
export function sampleKDpp(
  kernel: LowRankKernel,
  k: number,
  rng: Rng,
  options: { atMost?: boolean } = {},
): number[] {
  const { features, size, dim } = kernel;
  if (!Number.isInteger(k) || k < 0) throw new Error(`sampleKDpp: k must be an integer ≥ 0, got ${k}`);
  // C = Bᵀ·B: its eigenvectors v̂ give L's as B·v̂/√λ with the same eigenvalues.
  const c = new Float64Array(dim * dim);
  for (let i = 0; i < size; i++) {
    const o = i * dim;
    for (let p = 0; p < dim; p++) {
      const x = features[o + p];
      if (x === 0) continue;
      for (let q = p; q < dim; q++) c[p * dim + q] += x * features[o + q];
    }
  }
  for (let p = 0; p < dim; p++) for (let q = 0; q < p; q++) c[p * dim + q] = c[q * dim + p];
  const { values, vectors } = symmetricEigen(c, dim);
  const floor = RANK_TOLERANCE * Math.max(values[0] ?? 0, 0);
  const lambdas = Array.from(values, (v) => (v > floor ? v : 0));
  const rank = lambdas.filter((v) => v > 0).length;
  if (k > rank && !options.atMost) throw new Error(`sampleKDpp: k = ${k} exceeds the kernel's rank ${rank}`);
  k = Math.min(k, rank);

  // Phase 1 (Algorithm 8): eigenvector n is kept with probability λ_n·e_{l−1}^{n−1} / e_l^n.
  if (k === 0) return [];
  const e = elementarySymmetric(lambdas, k);
  const chosen: number[] = [];
  for (let n = dim, l = k; n > 0 && l > 0; n--) {
    if (rng.uniform() < (lambdas[n - 1] * e[n - 1][l - 1]) / e[n][l]) {
      chosen.push(n - 1);
      l--;
    }
  }
  // The chosen eigenvectors of L, orthonormal columns over the items.
  let basis = chosen.map((n) => {
    const v = new Float64Array(size);
    const scale = 1 / Math.sqrt(lambdas[n]);
    for (let i = 0; i < size; i++) {
      let s = 0;
      for (let p = 0; p < dim; p++) s += features[i * dim + p] * vectors[p * dim + n];
      v[i] = s * scale;
    }
    return v;
  });

  // Phase 2 (Algorithm 1): draw item i with probability Σ_v v_i² / |V|, then keep V's part orthogonal to e_i.
  const drawn: number[] = [];
  while (basis.length > 0) {
    const weights = new Float64Array(size);
    let total = 0;
    for (const v of basis) for (let i = 0; i < size; i++) weights[i] += v[i] * v[i];
    for (const w of weights) total += w;
    let u = rng.uniform() * total;
    let item = size - 1;
    for (let i = 0; i < size; i++) {
      u -= weights[i];
      if (u < 0 && weights[i] > 0) {
        item = i;
        break;
      }
    }
    drawn.push(item);
    // Eliminate item from the span: subtract the column with the largest entry there, then re-orthonormalize.
    let pivot = 0;
    for (let j = 1; j < basis.length; j++)
      if (Math.abs(basis[j][item]) > Math.abs(basis[pivot][item])) pivot = j;
    const p = basis[pivot];
    basis = basis
      .filter((_, j) => j !== pivot)
      .map((v) => {
        const w = Float64Array.from(v);
        axpy(w, p, -v[item] / p[item]);
        return w;
      });
    orthonormalize(basis);
  }
  return drawn;
}

function orthonormalize(columns: Float64Array[]): void {
  for (let j = 0; j < columns.length; j++) {
    for (let pass = 0; pass < 2; pass++)
      for (let i = 0; i < j; i++) axpy(columns[j], columns[i], -dot(columns[j], columns[i]));
    const n = norm(columns[j]);
    for (let i = 0; i < columns[j].length; i++) columns[j][i] /= n;
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** a += scale·b */
function axpy(a: Float64Array, b: ArrayLike<number>, scale: number): void {
  for (let i = 0; i < a.length; i++) a[i] += scale * b[i];
}
