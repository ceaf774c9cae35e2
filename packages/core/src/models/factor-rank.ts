import type { Interactions } from '../data/interactions.js';
import { symmetricEigen } from '../math/symmetric-eigen.js';
import { type FactorLayout, factorLayout } from './factor-layout.js';
import type { Standardization } from './factor-training.js';

/**
 * How many factors a fit keeps (docs/defaults.md, "How many factors"). A factor model with more factors
 * than the data's taste has fits noise in the extra ones; ridge penalties shrink every direction alike, so
 * no single penalty both keeps the taste and drops the noise. The product UVᵀ is rotated onto its singular
 * directions, strongest first, and the leading r kept, r chosen on held-out ratings.
 */

/** Rows of the same layout whose latent slots are the singular directions of UVᵀ, strongest first. */
export interface PrincipalRows {
  userRows: Float32Array;
  itemRows: Float32Array;
  /** The singular values of UVᵀ, largest first. */
  strengths: Float64Array;
}

/**
 * U·W_u and V·W_v with W_u = A^{-1/2}·P·S^{1/2}, W_v = B^{-1/2}·Q·S^{1/2}, where A = UᵀU, B = VᵀV and
 * P·S·Qᵀ is the SVD of A^{1/2}·B^{1/2}: the product of the new rows is UVᵀ, and their k-th latent slots
 * hold its k-th singular direction. Bias and constant slots are copied unchanged.
 */
export function principalRows(
  userRows: Float32Array,
  itemRows: Float32Array,
  layout: FactorLayout,
): PrincipalRows {
  const k = layout.factors;
  const a = latentGram(userRows, layout);
  const b = latentGram(itemRows, layout);
  const [aRoot, aInverseRoot] = roots(a, k);
  const [bRoot, bInverseRoot] = roots(b, k);
  const c = multiply(aRoot, bRoot, k);
  const cct = multiply(c, transpose(c, k), k);
  const { values, vectors: p } = symmetricEigen(cct, k);
  const strengths = values.map((v) => Math.sqrt(Math.max(v, 0)));
  // Q's columns: Cᵀ·P_m / s_m (0 for a direction without strength).
  const q = new Float64Array(k * k);
  for (let m = 0; m < k; m++) {
    if (strengths[m] <= 0) continue;
    for (let col = 0; col < k; col++) {
      let s = 0;
      for (let row = 0; row < k; row++) s += c[row * k + col] * p[row * k + m];
      q[col * k + m] = s / strengths[m];
    }
  }
  const scaleColumns = (m: Float64Array): Float64Array => m.map((x, i) => x * Math.sqrt(strengths[i % k]));
  return {
    userRows: rotate(userRows, layout, scaleColumns(multiply(aInverseRoot, p, k))),
    itemRows: rotate(itemRows, layout, scaleColumns(multiply(bInverseRoot, q, k))),
    strengths,
  };
}

/** Rows of `layout` cut to their first `rank` latent slots, in the layout of `rank` factors. */
export function leadingRows(
  rows: Float32Array,
  layout: FactorLayout,
  rank: number,
): { rows: Float32Array; layout: FactorLayout } {
  const cut = factorLayout(rank, layout.biases);
  const count = rows.length / layout.stride;
  const out = new Float32Array(count * cut.stride);
  for (let r = 0; r < count; r++) {
    const from = r * layout.stride;
    const to = r * cut.stride;
    out.set(rows.subarray(from, from + rank), to);
    if (layout.biases) {
      out[to + cut.userBiasSlot] = rows[from + layout.userBiasSlot];
      out[to + cut.itemBiasSlot] = rows[from + layout.itemBiasSlot];
    }
  }
  return { rows: out, layout: cut };
}

/** The rank held-out ratings prefer, and how sure they are of it. */
export interface HeldOutRank {
  rank: number;
  /** Paired z statistic of the squared errors at all factors minus those at `rank` (0 when rank = all). */
  z: number;
  /** Held-out RMSE at `rank` and with all factors. */
  rmse: number;
  fullRmse: number;
}

/**
 * The number of leading principal factors (principalRows) with the smallest RMSE on `heldOut`, and the
 * paired z statistic of its gain over all factors, from one pass over the ratings (prefix sums over the
 * factors). Rows are in standardized units; predictions are clipped to `scale` as the model's are.
 */
export function heldOutRank(
  rows: PrincipalRows,
  layout: FactorLayout,
  heldOut: Interactions,
  std: Standardization,
  scale: { min: number; max: number },
): HeldOutRank {
  const { stride, factors: k } = layout;
  const { userRows, itemRows } = rows;
  const n = heldOut.length;
  const squared = (rank: number, t: number, prefix: Float64Array): number => {
    const p = Math.min(scale.max, Math.max(scale.min, std.mean + std.sd * prefix[rank]));
    return (p - heldOut.value[t]) ** 2;
  };
  const prefix = new Float64Array(k + 1);
  const fill = (t: number): void => {
    const u = heldOut.user[t] * stride;
    const j = heldOut.item[t] * stride;
    let base = 0;
    for (let c = k; c < stride; c++) base += userRows[u + c] * itemRows[j + c];
    prefix[0] = base;
    for (let c = 0; c < k; c++) prefix[c + 1] = prefix[c] + userRows[u + c] * itemRows[j + c];
  };
  const sums = new Float64Array(k + 1);
  for (let t = 0; t < n; t++) {
    fill(t);
    for (let r = 0; r <= k; r++) sums[r] += squared(r, t, prefix);
  }
  let rank = k;
  for (let r = 0; r < k; r++) if (sums[r] < sums[rank]) rank = r;
  let mean = 0;
  let square = 0;
  for (let t = 0; t < n; t++) {
    fill(t);
    const d = squared(k, t, prefix) - squared(rank, t, prefix);
    mean += d / n;
    square += (d * d) / n;
  }
  const sd = Math.sqrt(Math.max(square - mean * mean, 0) * (n / Math.max(n - 1, 1)));
  const z = rank === k || sd === 0 ? 0 : mean / (sd / Math.sqrt(n));
  return { rank, z, rmse: Math.sqrt(sums[rank] / n), fullRmse: Math.sqrt(sums[k] / n) };
}

/** UᵀU over the latent slots of rows of `layout`, k × k. */
function latentGram(rows: Float32Array, layout: FactorLayout): Float64Array {
  const { factors: k, stride } = layout;
  const gram = new Float64Array(k * k);
  for (let at = 0; at < rows.length; at += stride) {
    for (let a = 0; a < k; a++) {
      const x = rows[at + a];
      if (x === 0) continue;
      for (let b = 0; b <= a; b++) gram[a * k + b] += x * rows[at + b];
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) gram[b * k + a] = gram[a * k + b];
  return gram;
}

/** M^{1/2} and the pseudo-inverse M^{-1/2} of a symmetric positive semi-definite k × k matrix. */
function roots(m: Float64Array, k: number): [Float64Array, Float64Array] {
  const { values, vectors } = symmetricEigen(m, k);
  const floor = Math.max(values[0], 0) * 1e-12;
  const root = new Float64Array(k * k);
  const inverse = new Float64Array(k * k);
  for (let c = 0; c < k; c++) {
    if (values[c] <= floor) continue;
    const s = Math.sqrt(values[c]);
    for (let a = 0; a < k; a++) {
      const va = vectors[a * k + c];
      for (let b = 0; b < k; b++) {
        const w = va * vectors[b * k + c];
        root[a * k + b] += s * w;
        inverse[a * k + b] += w / s;
      }
    }
  }
  return [root, inverse];
}

function multiply(x: Float64Array, y: Float64Array, k: number): Float64Array {
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let c = 0; c < k; c++) {
      const xic = x[i * k + c];
      if (xic === 0) continue;
      for (let j = 0; j < k; j++) out[i * k + j] += xic * y[c * k + j];
    }
  }
  return out;
}

function transpose(x: Float64Array, k: number): Float64Array {
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) out[j * k + i] = x[i * k + j];
  return out;
}

/** Each row's latent slots times W (k × k); the other slots copied. */
function rotate(rows: Float32Array, layout: FactorLayout, w: Float64Array): Float32Array {
  const { factors: k, stride } = layout;
  const out = new Float32Array(rows);
  const latent = new Float64Array(k);
  for (let at = 0; at < rows.length; at += stride) {
    for (let c = 0; c < k; c++) latent[c] = rows[at + c];
    for (let m = 0; m < k; m++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += latent[c] * w[c * k + m];
      out[at + m] = s;
    }
  }
  return out;
}
