import type { FeatureMatrix } from '../../data/feature-matrix.js';
import { ArenaLayout, KernelArena } from '../../math/kernels.js';
import { fmFactorSums } from './fm-kernel.js';

/**
 * q = Σⱼ v_jf x_j is cached for every factor (n·k numbers) when that takes at most this many; otherwise one
 * factor's worth is recomputed before its draws (libFM's way, O(nnz) each).
 */
const Q_CACHE_LIMIT = 1 << 25;

type Buffer =
  | 'colptr'
  | 'rows'
  | 'values'
  | 'partners'
  | 'groupOf'
  | 'vt'
  | 'e'
  | 'scale'
  | 'q'
  | 'noise'
  | 'mu'
  | 'lambda';

/**
 * Bayesian FM's factor draws in WebAssembly. The training columns, the factors, the residuals, the normal
 * draws and the group table live in one kernel memory; the sampler works on views of them. Two kernels:
 * - rows that are two ones (one-hot user + item: plain matrix factorization): Σ_{j≠i} v_jf x_j on a row of
 *   feature i is the other feature's v_jf, so the partner of each column entry, found once, replaces
 *   libFM's q cache and its updates;
 * - any other rows: the q cache of each factor, kept current by the draws.
 */
export class FactorDraws {
  /** Residuals y − ŷ, one per row. */
  readonly e: Float64Array;
  /** Each row's noise scale s: its precision is α·s (1 unless the sampler draws per-feature scales). */
  readonly scale: Float64Array;
  /** Factors factor-major, vt[f·p + i]. */
  readonly vt: Float64Array;
  /** The normal draws of one factor's pass, one per feature, written before `draw`. */
  readonly noise: Float64Array;
  /** The groups' prior means and precisions of the factors, [g·k + f]. */
  readonly mu: Float64Array;
  readonly lambda: Float64Array;
  private readonly arena: KernelArena;
  private readonly at: Record<Buffer, number>;
  private readonly q: Float64Array;
  /** Whether q holds every factor's sums (else one factor's, recomputed per factor). */
  private readonly persistent: boolean;
  private qReady = false;
  /** Whether the rows are pairs of ones (the partner kernel) or not (the q kernel). */
  private readonly pairs: boolean;

  constructor(
    private readonly train: FeatureMatrix,
    groupOf: Int32Array,
    groups: number,
    private readonly k: number,
  ) {
    const cols = train.columns();
    const p = train.features;
    const n = train.rows;
    const nnz = train.nnz;
    const partners = pairPartners(train);
    this.persistent = n * k <= Q_CACHE_LIMIT;
    const qLength = partners ? 0 : this.persistent ? n * k : n;
    const plan = new ArenaLayout();
    this.at = {
      colptr: plan.reserve(4 * (p + 1)),
      rows: plan.reserve(4 * nnz),
      values: plan.reserve(partners ? 0 : 8 * nnz),
      partners: plan.reserve(partners ? 4 * nnz : 0),
      groupOf: plan.reserve(4 * p),
      vt: plan.reserve(8 * p * k),
      e: plan.reserve(8 * n),
      scale: plan.reserve(8 * n),
      q: plan.reserve(8 * qLength),
      noise: plan.reserve(8 * p),
      mu: plan.reserve(8 * groups * k),
      lambda: plan.reserve(8 * groups * k),
    };
    this.arena = new KernelArena(plan);
    this.arena.i32(this.at.colptr, p + 1).set(cols.colptr);
    this.arena.i32(this.at.rows, nnz).set(cols.rows);
    if (partners) this.arena.i32(this.at.partners, nnz).set(partners);
    else this.arena.f64(this.at.values, nnz).set(cols.values);
    this.arena.i32(this.at.groupOf, p).set(groupOf);
    this.vt = this.arena.f64(this.at.vt, p * k);
    this.e = this.arena.f64(this.at.e, n);
    this.scale = this.arena.f64(this.at.scale, n).fill(1);
    this.q = this.arena.f64(this.at.q, qLength);
    this.noise = this.arena.f64(this.at.noise, p);
    this.mu = this.arena.f64(this.at.mu, groups * k);
    this.lambda = this.arena.f64(this.at.lambda, groups * k);
    this.pairs = partners !== undefined;
  }

  /** Draws v_·f of every feature given everything else, keeping `e` (and q) current. */
  draw(f: number, alpha: number): void {
    const { at, k, train } = this;
    const p = train.features;
    const n = train.rows;
    const v = at.vt + 8 * f * p;
    const mu = at.mu + 8 * f;
    const lambda = at.lambda + 8 * f;
    const { kernels } = this.arena;
    // The arguments after the column data are the same for both kernels.
    const draw = [at.noise, at.groupOf, mu, lambda, k, alpha] as const;
    if (this.pairs) {
      kernels.mcmcPairFactor(p, at.colptr, at.rows, at.partners, v, at.e, at.scale, ...draw);
      return;
    }
    if (this.persistent && !this.qReady) {
      for (let g = 0; g < k; g++) fmFactorSums(train, this.vt, 1, g * p, this.q.subarray(g * n, (g + 1) * n));
      this.qReady = true;
    }
    if (!this.persistent) fmFactorSums(train, this.vt, 1, f * p, this.q);
    const q = at.q + (this.persistent ? 8 * f * n : 0);
    kernels.mcmcFactor(p, at.colptr, at.rows, at.values, v, at.e, q, at.scale, ...draw);
  }
}

/** The other feature of each column entry when every row is two ones; undefined for any other matrix. */
function pairPartners(m: FeatureMatrix): Int32Array | undefined {
  const cols = m.columns();
  if (!cols.values.every((x) => x === 1)) return undefined;
  for (let r = 0; r < m.rows; r++) if (m.indptr[r + 1] - m.indptr[r] !== 2) return undefined;
  const partners = new Int32Array(m.nnz);
  for (let i = 0; i + 1 < cols.colptr.length; i++) {
    for (let t = cols.colptr[i]; t < cols.colptr[i + 1]; t++) {
      const at = m.indptr[cols.rows[t]];
      partners[t] = m.indices[at] === i ? m.indices[at + 1] : m.indices[at];
    }
  }
  return partners;
}
