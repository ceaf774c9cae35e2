import { choleskyFactor, choleskySolve } from './cholesky.js';

/**
 * The LASSO of one user's ratings on the tags of the items they rated,
 *
 *   min_{w,b} (1/(2n)) Σ_j (r_j − b − w·T_j)² + α‖w‖₁,
 *
 * by coordinate descent on the covariance form. The intercept is not penalized, so at the optimum
 * b = r̄ − w·T̄, and what is left of the objective is ½ wᵀGw − cᵀw + α‖w‖₁ (up to a constant) with the
 * Gram matrix of the centered tag rows G = (1/n) Σ (T_j − T̄)(T_j − T̄)ᵀ and their covariance with the
 * centered ratings c = (1/n) Σ (T_j − T̄)(r_j − r̄). Both are built once per user from the sparse tag
 * rows (an item carries a few tags: O(tags per item²) per rating), after which a sweep costs O(tags)
 * plus O(tags) per coefficient that moves: coordinate t is set to S(c_t − Σ_{s≠t} G_ts w_s, α) / G_tt
 * (S the soft threshold), keeping q = Gw up to date. Sweeps alternate between all coordinates and only
 * the non-zero ones until a full sweep moves no coefficient by more than `tol`. The caller's w is the
 * starting point, which is how a path of decreasing α, or a previous solution, warm-starts the solve.
 *
 * Coordinate descent finds the support and signs of w quickly but then crawls when G is ill-conditioned
 * (a user with few ratings and a small α). So after a sweep that moved something, once per support
 * and signs s, the solver tries the exact solution on that support, G_AA w_A = c_A − α·s_A, adjusting
 * the support by a few active-set steps (see solveOnSupport), and keeps it only if it satisfies the
 * optimality (KKT) conditions of the whole problem: the same signs, and |c_t − (Gw)_t| ≤ α off the
 * support. Otherwise the sweeps go on (and try again on the next support).
 */

/** Compressed sparse rows (column indices ascending within a row). */
export interface SparseRows {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

export class LassoSolver {
  /** G, tags × tags. */
  readonly gram: Float64Array;
  /** c. */
  readonly cov: Float64Array;
  /** T̄. */
  readonly tagMean: Float64Array;
  /** r̄. */
  ratingMean = 0;
  /** n: the ratings loaded. */
  count = 0;
  /** Gw, kept up to date by the sweeps. */
  private readonly q: Float64Array;
  // Scratch for the exact solve on a support.
  private readonly support: Int32Array;
  private readonly signs: Float64Array;
  private readonly system: Float64Array;
  private readonly candidate: Float64Array;
  private readonly candidateQ: Float64Array;

  constructor(readonly tags: number) {
    this.gram = new Float64Array(tags * tags);
    this.cov = new Float64Array(tags);
    this.tagMean = new Float64Array(tags);
    this.q = new Float64Array(tags);
    this.support = new Int32Array(tags);
    this.signs = new Float64Array(tags);
    this.system = new Float64Array(tags * tags);
    this.candidate = new Float64Array(tags);
    this.candidateQ = new Float64Array(tags);
  }

  /**
   * Builds G, c, T̄ and r̄ from the ratings at entries [begin, end) of (items, values), leaving out the
   * entries whose `fold` is `skip` (cross-validation); `tagRows` holds each item's tags.
   */
  load(
    tagRows: SparseRows,
    items: Int32Array,
    values: Float64Array,
    begin: number,
    end: number,
    fold?: Uint8Array,
    skip = -1,
  ): void {
    const p = this.tags;
    const { gram, cov, tagMean } = this;
    const { indptr, indices, values: weights } = tagRows;
    gram.fill(0);
    cov.fill(0);
    tagMean.fill(0);
    let n = 0;
    let sum = 0;
    for (let e = begin; e < end; e++) {
      if (fold && fold[e] === skip) continue;
      const j = items[e];
      const r = values[e];
      n++;
      sum += r;
      const last = indptr[j + 1];
      for (let a = indptr[j]; a < last; a++) {
        const ta = indices[a];
        const va = weights[a];
        tagMean[ta] += va;
        cov[ta] += va * r;
        const row = ta * p;
        for (let b = a; b < last; b++) gram[row + indices[b]] += va * weights[b];
      }
    }
    this.count = n;
    if (n === 0) {
      this.ratingMean = 0;
      return;
    }
    const rMean = sum / n;
    this.ratingMean = rMean;
    for (let t = 0; t < p; t++) tagMean[t] /= n;
    for (let t = 0; t < p; t++) {
      const mt = tagMean[t];
      cov[t] = cov[t] / n - mt * rMean;
      const square = gram[t * p + t] / n;
      // Raw moments minus the mean's outer product: a tag constant over the user's items leaves
      // rounding dust on the diagonal instead of 0, and it must count as no variance at all.
      const variance = square - mt * mt;
      gram[t * p + t] = variance > 1e-12 * square ? variance : 0;
      if (gram[t * p + t] === 0) cov[t] = 0;
      for (let s = t + 1; s < p; s++) {
        const g = gram[t * p + s] / n - mt * tagMean[s];
        gram[t * p + s] = g;
        gram[s * p + t] = g;
      }
    }
  }

  /**
   * Minimizes ½ wᵀGw − cᵀw + α‖w‖₁ from the given w (updated in place); returns the sweeps made. Stops
   * when a sweep over all coordinates moves none by more than `tol`, or after `maxSweeps` sweeps.
   */
  solve(alpha: number, w: Float64Array, tol: number, maxSweeps: number): number {
    const p = this.tags;
    const { gram, cov, q } = this;
    q.fill(0);
    for (let s = 0; s < p; s++) {
      if (gram[s * p + s] === 0) w[s] = 0;
      const ws = w[s];
      if (ws === 0) continue;
      for (let t = 0; t < p; t++) q[t] += gram[s * p + t] * ws;
    }
    let full = true;
    let sweeps = 0;
    // Whether the exact solve was tried on the current support already.
    let tried = false;
    while (sweeps < maxSweeps) {
      sweeps++;
      let moved = 0;
      let supportChanged = false;
      for (let t = 0; t < p; t++) {
        const wt = w[t];
        if (!full && wt === 0) continue;
        const d = gram[t * p + t];
        if (d === 0) continue;
        const rho = cov[t] - q[t] + d * wt;
        const next = rho > alpha ? (rho - alpha) / d : rho < -alpha ? (rho + alpha) / d : 0;
        const delta = next - wt;
        if (delta === 0) continue;
        if (Math.sign(next) !== Math.sign(wt)) supportChanged = true;
        w[t] = next;
        const row = t * p;
        for (let s = 0; s < p; s++) q[s] += delta * gram[row + s];
        if (Math.abs(delta) > moved) moved = Math.abs(delta);
      }
      if (supportChanged) tried = false;
      if (moved <= tol) {
        if (full) break;
        full = true;
      } else if (!tried) {
        tried = true;
        if (this.solveOnSupport(alpha, w)) break;
        full = false;
      } else {
        full = false;
      }
    }
    return sweeps;
  }

  /**
   * The exact minimizer with the support and signs of w, if it is one (see the module comment): then w
   * and q take it and the result is true; otherwise nothing changes. When the solve on the support keeps
   * its signs but a coordinate off it breaks optimality (|c_t − (Gw)_t| > α), that coordinate joins the
   * support with the sign of its gradient; a coordinate whose solve changes sign leaves it; and the solve
   * is repeated. Coordinate descent crawls over the last changes of support, and these few small solves
   * finish it instead of many sweeps. Whatever is accepted passes the full optimality check.
   */
  private solveOnSupport(alpha: number, w: Float64Array): boolean {
    const p = this.tags;
    const { gram, cov, support, signs, system, candidate, candidateQ } = this;
    let k = 0;
    for (let t = 0; t < p; t++) {
      if (w[t] === 0) continue;
      support[k] = t;
      signs[k++] = Math.sign(w[t]);
    }
    if (k === 0) return false;
    // Off the support the subgradient condition; on it the solve's residual (G_AA may be ill-conditioned).
    const slack = 1e-9 * (alpha + this.maxCovariance());
    // Support changes made here; bounded, since adding and dropping could otherwise cycle.
    let changes = 0;
    for (;;) {
      for (let i = 0; i < k; i++) {
        const row = support[i] * p;
        for (let j = 0; j < k; j++) system[i * k + j] = gram[row + support[j]];
        candidate[i] = cov[support[i]] - alpha * signs[i];
      }
      try {
        choleskyFactor(system, k);
      } catch {
        return false; // singular on this support (fewer ratings than tags, or tags that always co-occur)
      }
      choleskySolve(system, k, candidate);
      // A coordinate whose solve changes sign leaves the support (it crosses zero on the way).
      let kept = 0;
      for (let i = 0; i < k; i++) {
        if (Math.sign(candidate[i]) !== signs[i]) continue;
        support[kept] = support[i];
        signs[kept] = signs[i];
        candidate[kept++] = candidate[i];
      }
      if (kept < k) {
        k = kept;
        if (k === 0 || ++changes > 2 * p) return false;
        continue;
      }
      candidateQ.fill(0);
      for (let i = 0; i < k; i++) {
        const row = support[i] * p;
        const x = candidate[i];
        for (let s = 0; s < p; s++) candidateQ[s] += gram[row + s] * x;
      }
      let worst = -1;
      let worstExcess = slack;
      for (let t = 0, i = 0; t < p; t++) {
        const gradient = cov[t] - candidateQ[t];
        if (i < k && support[i] === t) {
          if (Math.abs(gradient - alpha * signs[i]) > slack) return false;
          i++;
        } else {
          const excess = Math.abs(gradient) - alpha;
          if (excess <= slack) continue;
          if (gram[t * p + t] === 0) return false; // violated but cannot move (no variance): left to the sweeps
          if (excess > worstExcess) {
            worst = t;
            worstExcess = excess;
          }
        }
      }
      if (worst < 0) break;
      if (++changes > 2 * p) return false;
      // The violating coordinate joins the support (kept sorted), with the sign that lowers the objective.
      let at = k;
      while (at > 0 && support[at - 1] > worst) {
        support[at] = support[at - 1];
        signs[at] = signs[at - 1];
        at--;
      }
      support[at] = worst;
      signs[at] = Math.sign(cov[worst] - candidateQ[worst]);
      k++;
    }
    w.fill(0);
    for (let i = 0; i < k; i++) w[support[i]] = candidate[i];
    this.q.set(candidateQ);
    return true;
  }

  /** b = r̄ − w·T̄, the intercept that goes with w. */
  intercept(w: Float64Array): number {
    let b = this.ratingMean;
    for (let t = 0; t < this.tags; t++) b -= w[t] * this.tagMean[t];
    return b;
  }

  /** max_t |c_t|: the smallest α at which w = 0 is the solution. */
  maxCovariance(): number {
    let max = 0;
    for (let t = 0; t < this.tags; t++) max = Math.max(max, Math.abs(this.cov[t]));
    return max;
  }
}

/** b + w·T_j for item j. */
export function lassoScore(tagRows: SparseRows, j: number, w: Float64Array, b: number): number {
  let s = b;
  for (let a = tagRows.indptr[j]; a < tagRows.indptr[j + 1]; a++)
    s += w[tagRows.indices[a]] * tagRows.values[a];
  return s;
}

/** Everything the per-user solves read: shared by the worker threads (SharedArrayBuffer-backed arrays). */
export interface LassoProblem {
  tags: number;
  /** Each item's tags. */
  tagRows: SparseRows;
  /** Each user's ratings (indices are item indices). */
  ratings: SparseRows;
  /** Cross-validation fold of each rating entry (for `cv` jobs). */
  folds: Uint8Array;
  scale: { min: number; max: number };
  /** The intercept of a user without ratings. */
  fallbackMean: number;
}

/** What the per-user solves write, each user only its own part. */
export interface LassoOutputs {
  /** users × tags. */
  weights: Float64Array;
  intercepts: Float64Array;
  /** cv: users × grid, the user's squared held-out errors at each α. */
  errors: Float64Array;
  /** cv: users × folds × tags, where each user's path stopped in each fold (the next round's start). */
  pathWeights: Float64Array;
  /** cv: the user's held-out ratings that were scored. */
  tested: Float64Array;
}

export type LassoJob =
  | { kind: 'fit'; alpha: number; tol: number; maxSweeps: number }
  | {
      kind: 'cv';
      /** The α values of this round, decreasing; they are columns first.. of `errors`. */
      alphas: number[];
      first: number;
      /** Columns of `errors` (the whole grid). */
      columns: number;
      folds: number;
      tol: number;
      maxSweeps: number;
    };

/** Runs a job for users [begin, end). */
export function runLassoJob(
  problem: LassoProblem,
  outputs: LassoOutputs,
  job: LassoJob,
  begin: number,
  end: number,
): void {
  if (job.kind === 'fit') fitUsers(problem, outputs, job, begin, end);
  else crossValidateUsers(problem, outputs, job, begin, end);
}

/** Each user's w (warm-started from what `outputs.weights` holds) and b at one α. */
function fitUsers(
  problem: LassoProblem,
  outputs: LassoOutputs,
  job: Extract<LassoJob, { kind: 'fit' }>,
  begin: number,
  end: number,
): void {
  const { tags, tagRows, ratings } = problem;
  const solver = new LassoSolver(tags);
  for (let u = begin; u < end; u++) {
    const w = outputs.weights.subarray(u * tags, (u + 1) * tags);
    solver.load(tagRows, ratings.indices, ratings.values, ratings.indptr[u], ratings.indptr[u + 1]);
    if (solver.count === 0) {
      w.fill(0);
      outputs.intercepts[u] = problem.fallbackMean;
      continue;
    }
    solver.solve(job.alpha, w, job.tol, job.maxSweeps);
    outputs.intercepts[u] = solver.intercept(w);
  }
}

/**
 * For each fold f, each user is fitted on their ratings outside f along this round's α values (each
 * solve warm-started from the previous one, the first from where the last round stopped) and scored on
 * their ratings in f, clipped to the scale. Held-out ratings of a user with no rating left to fit on are
 * not scored (they would weigh the same on every α).
 */
function crossValidateUsers(
  problem: LassoProblem,
  outputs: LassoOutputs,
  job: Extract<LassoJob, { kind: 'cv' }>,
  begin: number,
  end: number,
): void {
  const { tags, tagRows, ratings, folds, scale } = problem;
  const { alphas, first, columns } = job;
  const solver = new LassoSolver(tags);
  for (let u = begin; u < end; u++) {
    const from = ratings.indptr[u];
    const to = ratings.indptr[u + 1];
    const errors = outputs.errors.subarray(u * columns + first, u * columns + first + alphas.length);
    errors.fill(0);
    let tested = 0;
    for (let f = 0; f < job.folds; f++) {
      let held = 0;
      for (let e = from; e < to; e++) if (folds[e] === f) held++;
      if (held === 0) continue;
      solver.load(tagRows, ratings.indices, ratings.values, from, to, folds, f);
      if (solver.count === 0) continue;
      tested += held;
      const w = outputs.pathWeights.subarray((u * job.folds + f) * tags, (u * job.folds + f + 1) * tags);
      if (first === 0) w.fill(0);
      for (let g = 0; g < alphas.length; g++) {
        solver.solve(alphas[g], w, job.tol, job.maxSweeps);
        const b = solver.intercept(w);
        for (let e = from; e < to; e++) {
          if (folds[e] !== f) continue;
          const score = lassoScore(tagRows, ratings.indices[e], w, b);
          errors[g] += (Math.min(scale.max, Math.max(scale.min, score)) - ratings.values[e]) ** 2;
        }
      }
    }
    outputs.tested[u] = tested;
  }
}
