import type { FeatureMatrix } from '../../data/feature-matrix.js';
import type { Rng } from '../../math/rng.js';

/** The parameters of an order-2 factorization machine over `features` features with `k` factors each. */
export interface FmParameters {
  k: number;
  /** The global bias w₀. */
  w0: number;
  /** One weight per feature. */
  w: Float64Array;
  /** The factors, feature-major: v[i·k + f]. */
  v: Float64Array;
}

export function fmParameters(features: number, k: number): FmParameters {
  return { k, w0: 0, w: new Float64Array(features), v: new Float64Array(features * k) };
}

/** Where every FM solver starts: w₀ and w at 0, the factors N(0, init²) from `rng`. */
export function randomFmParameters(features: number, k: number, init: number, rng: Rng): FmParameters {
  const params = fmParameters(features, k);
  for (let i = 0; i < params.v.length; i++) params.v[i] = rng.normal() * init;
  return params;
}

/**
 * q[r] = Σᵢ v_if x_ri for every row: the one-factor cache that makes ∂ŷ/∂v_if = xᵢ (q − v_if xᵢ) O(1).
 * v_if is v[i·stride + at]: feature-major factors give stride k and at f, factor-major ones 1 and f·p.
 */
export function fmFactorSums(
  m: FeatureMatrix,
  v: Float64Array,
  stride: number,
  at: number,
  q: Float64Array,
): void {
  const { indptr, indices, values } = m;
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    const end = indptr[r + 1];
    for (let e = indptr[r]; e < end; e++) s += v[indices[e] * stride + at] * values[e];
    q[r] = s;
  }
}

/**
 * ŷ(x) = w₀ + Σᵢ wᵢxᵢ + Σ_{i<j} ⟨vᵢ, vⱼ⟩ xᵢxⱼ for one row, in O(k·nnz) by Rendle's identity (2010, lemma
 * 3.1): Σ_{i<j} ⟨vᵢ, vⱼ⟩ xᵢxⱼ = ½ Σ_f [(Σᵢ v_if xᵢ)² − Σᵢ v_if² xᵢ²]. `sums` (length k) receives
 * Σᵢ v_if xᵢ, from which the gradient follows: ∂ŷ/∂v_if = xᵢ (sums_f − v_if xᵢ).
 */
export function fmPredictRow(p: FmParameters, m: FeatureMatrix, row: number, sums: Float64Array): number {
  const { k, w, v } = p;
  const begin = m.indptr[row];
  const end = m.indptr[row + 1];
  let linear = p.w0;
  sums.fill(0, 0, k);
  let squares = 0;
  for (let e = begin; e < end; e++) {
    const i = m.indices[e];
    const x = m.values[e];
    linear += w[i] * x;
    const base = i * k;
    for (let f = 0; f < k; f++) {
      const vx = v[base + f] * x;
      sums[f] += vx;
      squares += vx * vx;
    }
  }
  let pairs = 0;
  for (let f = 0; f < k; f++) pairs += sums[f] * sums[f];
  return linear + 0.5 * (pairs - squares);
}
