import { choleskyFactor, choleskySolve } from './cholesky.js';

/**
 * The LASSO of one user's ratings on the tags of the items they rated,
 *
 *   min_{w,b} (1/(2n)) Σ_j (r_j − b − w·T_j)² + α‖w‖₁,
 *
 * by coordinate descent on the covariance form. The intercept is not penalized, so at the optimum
 * b = r̄ − w·T̄, and what is left of the objective is ½ wᵀGw − cᵀw + α‖w‖₁ (up to a constant) with the
 * Gram matrix of the centered tag rows G = (1/n) Σ (T_j − T̄)(T_j − T̄)ᵀ and their covariance with the
 * centered ratings c = (1/n) Σ (T_j − T̄)(r_j − r̄). Both are built per user from the sparse tag rows
 * (an item carries a few tags: O(tags per item²) per rating), G only on a working set of tags (see
 * LassoSolver), after which a sweep costs O(set) plus O(set) per coefficient that moves: coordinate t
 * is set to S(c_t − Σ_{s≠t} G_ts w_s, α) / G_tt (S the soft threshold), keeping q = Gw up to date.
 * Sweeps alternate between all coordinates and only the non-zero ones until a full sweep moves no
 * coefficient by more than `tol`. The caller's w is the starting point, which is how a path of
 * decreasing α, or a previous solution, warm-starts the solve.
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

export interface LassoSolverOptions {
  /**
   * Screen tags by the sequential strong rule (the default): see the class comment. Off, every tag with
   * variance over the user's items is in the problem from the start; the solution is the same.
   */
  screen?: boolean;
}

/**
 * The solver of one user's problem at a time. Only the tags that vary over the user's rated items can
 * have a weight (the others have no variance: G_tt = 0), and of those a solve at α works on a working
 * set, with its Gram matrix built for that set alone: the tags already non-zero and those that the
 * sequential strong rule (Tibshirani et al., "Strong rules for discarding predictors in lasso-type
 * problems", JRSS B 2012) keeps, |c_t − (Gw)_t| ≥ 2α − α_prev at the starting w, the solution at the
 * previous α solved on these ratings, α_prev (for the first α, where the rule would keep every tag, the
 * tags that break optimality at the start, |c_t − (Gw)_t| ≥ α). The rule can be wrong, so after the
 * solve every tag left out is checked against the optimality (KKT) condition |c_t − (Gw)_t| ≤ α, the
 * gradients read off the fitted scores in one pass over the ratings; violators join the set and the
 * solve resumes. The result is the LASSO solution over all tags, at a cost that grows with the tags
 * that matter: with thousands of tags, a user's ratings touch hundreds and select a few.
 */
export class LassoSolver {
  /** c, over all tags (0 for a tag without variance over the loaded ratings). */
  readonly cov: Float64Array;
  /** T̄. */
  readonly tagMean: Float64Array;
  /** r̄. */
  ratingMean = 0;
  /** n: the ratings loaded. */
  count = 0;
  private readonly screen: boolean;
  /** Σ T_t² / n, then the variance G_tt (0 for none). */
  private readonly variance: Float64Array;
  /** The loaded ratings' items and the tag rows they index. */
  private items = new Int32Array(16);
  private tagRows: SparseRows | undefined;
  /** The tags with variance, ascending. */
  private present: Int32Array<ArrayBuffer> = new Int32Array(16);
  private presentCount = 0;
  /** The working set (global tag indices) and each tag's place in it (−1: out). */
  private working: Int32Array<ArrayBuffer>;
  private m = 0;
  private readonly position: Int32Array;
  /** Working-set size the Gram matrix was built for (0: to build). */
  private built = 0;
  /** The previous α solved on the loaded ratings (NaN: none yet). */
  private lastAlpha = Number.NaN;
  /** (Gw)_t accumulated for the KKT check of the tags out of the working set. */
  private readonly product: Float64Array;
  private scores = new Float64Array(16);
  // The working set's problem: G (m × m), c, w, q = Gw, and scratch for the exact solve on a support.
  private gram = new Float64Array(0);
  private c = new Float64Array(0);
  private w = new Float64Array(0);
  private q = new Float64Array(0);
  private support = new Int32Array(0);
  private signs = new Float64Array(0);
  private system = new Float64Array(0);
  private candidate = new Float64Array(0);
  private candidateQ = new Float64Array(0);

  constructor(
    readonly tags: number,
    options: LassoSolverOptions = {},
  ) {
    this.screen = options.screen ?? true;
    this.cov = new Float64Array(tags);
    this.tagMean = new Float64Array(tags);
    this.variance = new Float64Array(tags);
    this.product = new Float64Array(tags);
    this.working = new Int32Array(16);
    this.position = new Int32Array(tags).fill(-1);
  }

  /**
   * Builds c, T̄, r̄ and the tags' variances from the ratings at entries [begin, end) of (items, values),
   * leaving out the entries whose `fold` is `skip` (cross-validation); `tagRows` holds each item's tags.
   * O(tags + the ratings' tag entries): the Gram matrix waits for a solve and its working set.
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
    const { cov, tagMean, variance } = this;
    const { indptr, indices, values: weights } = tagRows;
    this.tagRows = tagRows;
    cov.fill(0);
    tagMean.fill(0);
    variance.fill(0);
    if (this.items.length < end - begin) this.items = new Int32Array(end - begin);
    let n = 0;
    let sum = 0;
    for (let e = begin; e < end; e++) {
      if (fold && fold[e] === skip) continue;
      const j = items[e];
      const r = values[e];
      this.items[n++] = j;
      sum += r;
      for (let a = indptr[j]; a < indptr[j + 1]; a++) {
        const t = indices[a];
        const v = weights[a];
        tagMean[t] += v;
        cov[t] += v * r;
        variance[t] += v * v;
      }
    }
    this.count = n;
    for (let k = 0; k < this.m; k++) this.position[this.working[k]] = -1;
    this.m = 0;
    this.built = 0;
    this.presentCount = 0;
    if (n === 0) {
      this.ratingMean = 0;
      return;
    }
    const rMean = sum / n;
    this.ratingMean = rMean;
    for (let t = 0; t < p; t++) {
      if (variance[t] === 0) continue;
      const mt = tagMean[t] / n;
      tagMean[t] = mt;
      const square = variance[t] / n;
      // Raw moments minus the mean's square: a tag constant over the user's items leaves rounding dust
      // instead of 0, and it must count as no variance at all.
      const v = square - mt * mt;
      variance[t] = v > 1e-12 * square ? v : 0;
      cov[t] = variance[t] === 0 ? 0 : cov[t] / n - mt * rMean;
      if (variance[t] === 0) continue;
      if (this.present.length === this.presentCount) this.present = grown(this.present);
      this.present[this.presentCount++] = t;
    }
    this.lastAlpha = Number.NaN;
  }

  /**
   * Minimizes ½ wᵀGw − cᵀw + α‖w‖₁ from the given w (updated in place; tags without variance get 0);
   * returns the sweeps made. Stops when a sweep over all coordinates moves none by more than `tol`, or
   * after `maxSweeps` sweeps.
   */
  solve(alpha: number, w: Float64Array, tol: number, maxSweeps: number): number {
    const { present, presentCount, variance } = this;
    for (let t = 0; t < this.tags; t++) if (variance[t] === 0) w[t] = 0;
    for (let k = 0; k < presentCount; k++) if (w[present[k]] !== 0 || !this.screen) this.enter(present[k]);
    // The strong rule's bound 2α − α_prev, or for the first α on these ratings (where it would keep every
    // tag: α_prev = max |c_t|) the tags that break optimality at the starting point.
    const first = Number.isNaN(this.lastAlpha);
    this.enterOutside(w, first ? alpha : 2 * alpha - this.lastAlpha);
    this.lastAlpha = alpha;
    let sweeps = 0;
    for (;;) {
      if (this.built !== this.m) this.buildGram();
      for (let k = 0; k < this.m; k++) this.w[k] = w[this.working[k]];
      sweeps += this.solveWorking(alpha, tol, Math.max(1, maxSweeps - sweeps));
      for (let k = 0; k < this.m; k++) w[this.working[k]] = this.w[k];
      if (!this.enterOutside(w, alpha * (1 + 1e-12))) return sweeps;
    }
  }

  /** Adds tag t to the working set (the Gram matrix is rebuilt before the next solve). */
  private enter(t: number): void {
    if (this.position[t] >= 0) return;
    if (this.working.length === this.m) this.working = grown(this.working);
    this.position[t] = this.m;
    this.working[this.m++] = t;
  }

  /**
   * The gradient c_t − (Gw)_t of each tag out of the working set, (Gw)_t = (1/n) Σ_j T_jt (s_j − s̄) read
   * off the fitted scores s_j = w·T_j of the rated items in one pass; the tags where it reaches
   * `threshold` in size enter (after a solve, threshold α: the KKT check). Returns whether any did.
   */
  private enterOutside(w: Float64Array, threshold: number): boolean {
    if (this.m === this.presentCount) return false;
    const { indptr, indices, values } = this.tagRows as SparseRows;
    const { position, product, cov, variance } = this;
    const n = this.count;
    if (this.scores.length < n) this.scores = new Float64Array(this.items.length);
    let mean = 0;
    for (let e = 0; e < n; e++) {
      const j = this.items[e];
      let s = 0;
      for (let a = indptr[j]; a < indptr[j + 1]; a++) s += w[indices[a]] * values[a];
      this.scores[e] = s;
      mean += s / n;
    }
    for (let e = 0; e < n; e++) {
      const j = this.items[e];
      const d = this.scores[e] - mean;
      for (let a = indptr[j]; a < indptr[j + 1]; a++) {
        const t = indices[a];
        if (position[t] < 0 && variance[t] > 0) product[t] += values[a] * d;
      }
    }
    let entered = false;
    for (let k = 0; k < this.presentCount; k++) {
      const t = this.present[k];
      if (position[t] >= 0) continue;
      const gradient = cov[t] - product[t] / n;
      product[t] = 0;
      if (Math.abs(gradient) >= threshold) {
        this.enter(t);
        entered = true;
      }
    }
    return entered;
  }

  /** G on the working set: (1/n) Σ_j T_ja T_jb − T̄_a T̄_b, the variances on the diagonal. */
  private buildGram(): void {
    const m = this.m;
    if (this.c.length < m) this.allocate(Math.max(m, 2 * this.c.length));
    const { gram, position, working, tagMean } = this;
    gram.fill(0, 0, m * m);
    const { indptr, indices, values } = this.tagRows as SparseRows;
    for (let e = 0; e < this.count; e++) {
      const j = this.items[e];
      const last = indptr[j + 1];
      for (let a = indptr[j]; a < last; a++) {
        const ka = position[indices[a]];
        if (ka < 0) continue;
        const va = values[a];
        for (let b = a + 1; b < last; b++) {
          const kb = position[indices[b]];
          if (kb >= 0) gram[ka * m + kb] += va * values[b];
        }
      }
    }
    const n = this.count;
    for (let a = 0; a < m; a++) {
      const ta = working[a];
      this.c[a] = this.cov[ta];
      gram[a * m + a] = this.variance[ta];
      for (let b = a + 1; b < m; b++) {
        const g = (gram[a * m + b] + gram[b * m + a]) / n - tagMean[ta] * tagMean[working[b]];
        gram[a * m + b] = g;
        gram[b * m + a] = g;
      }
    }
    this.built = m;
  }

  /** Room for a working set of `size` tags. */
  private allocate(size: number): void {
    this.gram = new Float64Array(size * size);
    this.system = new Float64Array(size * size);
    this.c = new Float64Array(size);
    this.w = new Float64Array(size);
    this.q = new Float64Array(size);
    this.support = new Int32Array(size);
    this.signs = new Float64Array(size);
    this.candidate = new Float64Array(size);
    this.candidateQ = new Float64Array(size);
  }

  /**
   * Coordinate descent on the working set's problem (see the module comment), from this.w; returns the
   * sweeps made.
   */
  private solveWorking(alpha: number, tol: number, maxSweeps: number): number {
    const p = this.m;
    const { gram, c: cov, q, w } = this;
    q.fill(0, 0, p);
    for (let s = 0; s < p; s++) {
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
        if (this.solveOnSupport(alpha)) break;
        full = false;
      } else {
        full = false;
      }
    }
    return sweeps;
  }

  /**
   * The exact minimizer of the working set's problem with the support and signs of this.w, if it is one
   * (see the module comment): then w and q take it and the result is true; otherwise nothing changes.
   * When the solve on the support keeps its signs but a coordinate off it breaks optimality
   * (|c_t − (Gw)_t| > α), that coordinate joins the support with the sign of its gradient; a coordinate
   * whose solve changes sign leaves it; and the solve is repeated. Coordinate descent crawls over the
   * last changes of support, and these few small solves finish it instead of many sweeps. Whatever is
   * accepted passes the full optimality check.
   */
  private solveOnSupport(alpha: number): boolean {
    const p = this.m;
    const { gram, c: cov, w, q, support, signs, system, candidate, candidateQ } = this;
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
      candidateQ.fill(0, 0, p);
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
    w.fill(0, 0, p);
    for (let i = 0; i < k; i++) w[support[i]] = candidate[i];
    q.set(candidateQ.subarray(0, p));
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

/** A copy of `array` with twice the room. */
function grown(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(2 * array.length);
  bigger.set(array);
  return bigger;
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

/**
 * Where each user's cross-validation path stopped in each fold (the next round's start), kept by the
 * thread that solves that user (each thread gets the same users every round): the non-zero weights
 * alone, so that the memory grows with the tags selected, not users × folds × tags.
 */
export class PathStore {
  private readonly paths = new Map<number, { tags: Int32Array; weights: Float64Array }>();

  clear(): void {
    this.paths.clear();
  }

  /** Puts path `key`'s weights into w, which must be all zeros. */
  restore(key: number, w: Float64Array): void {
    const path = this.paths.get(key);
    if (!path) return;
    for (let k = 0; k < path.tags.length; k++) w[path.tags[k]] = path.weights[k];
  }

  /** Keeps w's non-zero weights as path `key`, and zeroes w. */
  keep(key: number, w: Float64Array): void {
    let count = 0;
    for (let t = 0; t < w.length; t++) if (w[t] !== 0) count++;
    const path = { tags: new Int32Array(count), weights: new Float64Array(count) };
    for (let t = 0, k = 0; t < w.length; t++) {
      if (w[t] === 0) continue;
      path.tags[k] = t;
      path.weights[k++] = w[t];
      w[t] = 0;
    }
    this.paths.set(key, path);
  }
}

/** Runs a job for users [begin, end); `paths` is the calling thread's (cross-validation). */
export function runLassoJob(
  problem: LassoProblem,
  outputs: LassoOutputs,
  job: LassoJob,
  begin: number,
  end: number,
  paths: PathStore,
): void {
  if (job.kind === 'fit') fitUsers(problem, outputs, job, begin, end);
  else crossValidateUsers(problem, outputs, job, begin, end, paths);
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
  paths: PathStore,
): void {
  const { tags, tagRows, ratings, folds, scale } = problem;
  const { alphas, first, columns } = job;
  const solver = new LassoSolver(tags);
  const w = new Float64Array(tags);
  if (first === 0) paths.clear();
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
      paths.restore(u * job.folds + f, w);
      for (let g = 0; g < alphas.length; g++) {
        solver.solve(alphas[g], w, job.tol, job.maxSweeps);
        const b = solver.intercept(w);
        for (let e = from; e < to; e++) {
          if (folds[e] !== f) continue;
          const score = lassoScore(tagRows, ratings.indices[e], w, b);
          errors[g] += (Math.min(scale.max, Math.max(scale.min, score)) - ratings.values[e]) ** 2;
        }
      }
      paths.keep(u * job.folds + f, w);
    }
    outputs.tested[u] = tested;
  }
}
