import type { FeatureColumns, FeatureMatrix } from '../../data/feature-matrix.js';
import { ArenaLayout, KernelArena } from '../../math/kernels.js';

/**
 * Bayesian FM's factor draws for rows that are two ones (one-hot user + item: plain matrix factorization),
 * in WebAssembly. On such rows Σ_{j≠i} v_jf x_j is the other feature's v_jf, so the partner of each column
 * entry, found once, replaces libFM's q cache and its updates. The columns, partners, factors, residuals,
 * normal draws and the group table live in one kernel memory; the sampler works on views of them.
 */
export class PairDraws {
  /** Residuals y − ŷ, one per row. */
  readonly e: Float64Array;
  /** Factors factor-major, vt[f·p + i]. */
  readonly vt: Float64Array;
  /** The normal draws of one factor's pass, one per feature, written before `draw`. */
  readonly noise: Float64Array;
  /** The groups' prior means and precisions of the factors, [g·k + f]. */
  readonly mu: Float64Array;
  readonly lambda: Float64Array;
  private readonly arena: KernelArena;
  private readonly at: Record<
    'colptr' | 'rows' | 'partners' | 'vt' | 'e' | 'noise' | 'groupOf' | 'mu' | 'lambda',
    number
  >;

  private constructor(
    cols: FeatureColumns,
    partners: Int32Array,
    groupOf: Int32Array,
    groups: number,
    private readonly k: number,
  ) {
    const p = groupOf.length;
    const n = partners.length / 2;
    const plan = new ArenaLayout();
    this.at = {
      colptr: plan.reserve(4 * (p + 1)),
      rows: plan.reserve(4 * partners.length),
      partners: plan.reserve(4 * partners.length),
      groupOf: plan.reserve(4 * p),
      vt: plan.reserve(8 * p * k),
      e: plan.reserve(8 * n),
      noise: plan.reserve(8 * p),
      mu: plan.reserve(8 * groups * k),
      lambda: plan.reserve(8 * groups * k),
    };
    this.arena = new KernelArena(plan);
    this.arena.i32(this.at.colptr, p + 1).set(cols.colptr);
    this.arena.i32(this.at.rows, partners.length).set(cols.rows);
    this.arena.i32(this.at.partners, partners.length).set(partners);
    this.arena.i32(this.at.groupOf, p).set(groupOf);
    this.vt = this.arena.f64(this.at.vt, p * k);
    this.e = this.arena.f64(this.at.e, n);
    this.noise = this.arena.f64(this.at.noise, p);
    this.mu = this.arena.f64(this.at.mu, groups * k);
    this.lambda = this.arena.f64(this.at.lambda, groups * k);
  }

  /** The pair draws for `m`, or undefined when its rows are not all two ones. */
  static of(m: FeatureMatrix, groupOf: Int32Array, groups: number, k: number): PairDraws | undefined {
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
    return new PairDraws(cols, partners, groupOf, groups, k);
  }

  /** Draws v_·f of every feature given everything else, keeping `e` current. */
  draw(f: number, alpha: number): void {
    const { at, k } = this;
    const p = this.noise.length;
    this.arena.kernels.mcmcPairFactor(
      p,
      at.colptr,
      at.rows,
      at.partners,
      at.vt + 8 * f * p,
      at.e,
      at.noise,
      at.groupOf,
      at.mu + 8 * f,
      at.lambda + 8 * f,
      k,
      alpha,
    );
  }
}
