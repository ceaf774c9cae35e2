import { pca2d } from './pca.js';
import { Rng } from './rng.js';

export interface TsneOptions {
  /** The effective number of neighbours each point keeps (van der Maaten 2014 uses 30). */
  perplexity?: number;
  /** Gradient steps; the first quarter (at most 250) with early exaggeration. */
  iterations?: number;
  /** Barnes-Hut accuracy: a cell this small seen from a point counts as one body (0.5 as in the paper). */
  theta?: number;
  /** Seeds the jitter added to the PCA start, which separates identical vectors. */
  seed?: number;
  /** Called every 50 steps with the fraction done. */
  onProgress?: (fraction: number) => void;
}

const EXAGGERATION = 12;

/**
 * Barnes-Hut t-SNE to two dimensions (van der Maaten, "Accelerating t-SNE using Tree-Based Algorithms",
 * JMLR 2014) of `count` row vectors of length `dim` (row-major); returns x, y per row. Input affinities
 * use the exact 3·perplexity nearest neighbours; the repulsion a quadtree. Choices from Kobak & Berens
 * ("The art of using t-SNE for single-cell transcriptomics", 2019) for a readable global picture: a PCA
 * start scaled to a small spread and a learning rate of n/12. Deterministic for a seed.
 */
export function tsne(
  rows: ArrayLike<number>,
  count: number,
  dim: number,
  options: TsneOptions = {},
): Float64Array {
  if (count < 3) throw new Error(`t-SNE needs at least 3 points, got ${count}`);
  const perplexity = Math.min(options.perplexity ?? 30, (count - 1) / 3);
  const iterations = options.iterations ?? 750;
  const theta = options.theta ?? 0.5;
  const k = Math.min(count - 1, Math.floor(3 * perplexity));
  const { neighbours, distances } = nearestNeighbours(rows, count, dim, k);
  const P = jointProbabilities(neighbours, distances, count, k, perplexity);
  const Y = pcaStart(rows, count, dim, new Rng(options.seed ?? 0));
  const learningRate = Math.max(200, count / 12);
  const exaggerated = Math.min(250, Math.floor(iterations / 4));
  const velocity = new Float64Array(2 * count);
  const gains = new Float64Array(2 * count).fill(1);
  const gradient = new Float64Array(2 * count);
  const tree = new QuadTree(count);
  for (let step = 0; step < iterations; step++) {
    const exaggeration = step < exaggerated ? EXAGGERATION : 1;
    const momentum = step < exaggerated ? 0.5 : 0.8;
    computeGradient(P, Y, count, theta, exaggeration, tree, gradient);
    for (let i = 0; i < 2 * count; i++) {
      // Delta-bar-delta gains (Jacobs 1988), as in the reference implementation's description.
      gains[i] =
        Math.sign(gradient[i]) !== Math.sign(velocity[i]) ? gains[i] + 0.2 : Math.max(0.01, gains[i] * 0.8);
      velocity[i] = momentum * velocity[i] - learningRate * gains[i] * gradient[i];
      Y[i] += velocity[i];
    }
    center(Y, count);
    if (options.onProgress && step % 50 === 49) options.onProgress((step + 1) / iterations);
  }
  return Y;
}

/** Symmetric sparse affinities P (CSR), summing to 1. */
interface Affinities {
  start: Int32Array;
  column: Int32Array;
  value: Float64Array;
}

/** The k nearest neighbours of each row by squared Euclidean distance (exact: every pair once). */
function nearestNeighbours(
  rows: ArrayLike<number>,
  count: number,
  dim: number,
  k: number,
): { neighbours: Int32Array; distances: Float64Array } {
  const neighbours = new Int32Array(count * k).fill(-1);
  const distances = new Float64Array(count * k).fill(Number.POSITIVE_INFINITY);
  const data = Float64Array.from({ length: count * dim }, (_, i) => rows[i]);
  const norms = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += data[i * dim + c] ** 2;
    norms[i] = s;
  }
  for (let i = 0; i < count; i++) {
    const a = i * dim;
    for (let j = i + 1; j < count; j++) {
      const b = j * dim;
      let dot = 0;
      for (let c = 0; c < dim; c++) dot += data[a + c] * data[b + c];
      const d = Math.max(0, norms[i] + norms[j] - 2 * dot);
      if (d < distances[i * k + k - 1]) insertSorted(neighbours, distances, i * k, k, j, d);
      if (d < distances[j * k + k - 1]) insertSorted(neighbours, distances, j * k, k, i, d);
    }
  }
  return { neighbours, distances };
}

/** Inserts (j, d) into the row's list of k, kept sorted by distance, dropping the farthest. */
function insertSorted(
  neighbours: Int32Array,
  distances: Float64Array,
  offset: number,
  k: number,
  j: number,
  d: number,
): void {
  let p = offset + k - 1;
  while (p > offset && distances[p - 1] > d) {
    distances[p] = distances[p - 1];
    neighbours[p] = neighbours[p - 1];
    p--;
  }
  distances[p] = d;
  neighbours[p] = j;
}

/**
 * Conditional probabilities p(j|i) ∝ exp(−β_i d_ij) over each row's neighbours, β_i found by bisection so
 * the row's perplexity is the one asked for, then symmetrized: p_ij = (p(j|i) + p(i|j)) / 2n.
 */
function jointProbabilities(
  neighbours: Int32Array,
  distances: Float64Array,
  count: number,
  k: number,
  perplexity: number,
): Affinities {
  const conditional = new Float64Array(count * k);
  const target = Math.log(perplexity);
  for (let i = 0; i < count; i++) {
    const o = i * k;
    let beta = 1;
    let low = 0;
    let high = Number.POSITIVE_INFINITY;
    // Distances relative to the nearest keep exp() in range; the shift cancels in the normalization.
    const nearest = distances[o];
    for (let attempt = 0; attempt < 200; attempt++) {
      let sum = 0;
      let weighted = 0;
      for (let m = 0; m < k; m++) {
        const p = Math.exp(-beta * (distances[o + m] - nearest));
        conditional[o + m] = p;
        sum += p;
        weighted += (distances[o + m] - nearest) * p;
      }
      const entropy = Math.log(sum) + (beta * weighted) / sum;
      for (let m = 0; m < k; m++) conditional[o + m] /= sum;
      if (Math.abs(entropy - target) < 1e-5) break;
      if (entropy > target) {
        low = beta;
        beta = high === Number.POSITIVE_INFINITY ? beta * 2 : (beta + high) / 2;
      } else {
        high = beta;
        beta = (beta + low) / 2;
      }
    }
  }
  const rows: Map<number, number>[] = Array.from({ length: count }, () => new Map());
  for (let i = 0; i < count; i++) {
    for (let m = 0; m < k; m++) {
      const j = neighbours[i * k + m];
      const p = conditional[i * k + m] / (2 * count);
      rows[i].set(j, (rows[i].get(j) ?? 0) + p);
      rows[j].set(i, (rows[j].get(i) ?? 0) + p);
    }
  }
  const start = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) start[i + 1] = start[i] + rows[i].size;
  const column = new Int32Array(start[count]);
  const value = new Float64Array(start[count]);
  for (let i = 0; i < count; i++) {
    let p = start[i];
    for (const [j, v] of [...rows[i]].sort((a, b) => a[0] - b[0])) {
      column[p] = j;
      value[p++] = v;
    }
  }
  return { start, column, value };
}

/** The first two principal components, scaled to a standard deviation of 1e-4 on the first, plus jitter. */
function pcaStart(rows: ArrayLike<number>, count: number, dim: number, rng: Rng): Float64Array {
  const plane = pca2d(rows, count, dim);
  const Y = new Float64Array(2 * count);
  for (let i = 0; i < count; i++) {
    const [x, y] = plane.project(rows, i * dim);
    Y[2 * i] = x;
    Y[2 * i + 1] = y;
  }
  const spread = Math.sqrt(plane.variance[0]) || 1;
  for (let i = 0; i < 2 * count; i++) Y[i] = (Y[i] / spread) * 1e-4 + rng.normal() * 1e-6;
  return Y;
}

function center(Y: Float64Array, count: number): void {
  let mx = 0;
  let my = 0;
  for (let i = 0; i < count; i++) {
    mx += Y[2 * i] / count;
    my += Y[2 * i + 1] / count;
  }
  for (let i = 0; i < count; i++) {
    Y[2 * i] -= mx;
    Y[2 * i + 1] -= my;
  }
}

/**
 * The gradient of KL(P‖Q): 4 Σ_j (exaggeration·p_ij − q_ij) q_ij Z (y_i − y_j), the attraction over P's
 * neighbours, the repulsion Σ_j q_ij² Z² (y_i − y_j) / Z from the quadtree.
 */
function computeGradient(
  P: Affinities,
  Y: Float64Array,
  count: number,
  theta: number,
  exaggeration: number,
  tree: QuadTree,
  gradient: Float64Array,
): void {
  tree.build(Y);
  const repulsion = new Float64Array(2);
  let z = 0;
  for (let i = 0; i < count; i++) {
    z += tree.repulsion(i, Y[2 * i], Y[2 * i + 1], theta, repulsion);
    gradient[2 * i] = repulsion[0];
    gradient[2 * i + 1] = repulsion[1];
  }
  for (let i = 0; i < count; i++) {
    let ax = 0;
    let ay = 0;
    const xi = Y[2 * i];
    const yi = Y[2 * i + 1];
    for (let p = P.start[i]; p < P.start[i + 1]; p++) {
      const j = P.column[p];
      const dx = xi - Y[2 * j];
      const dy = yi - Y[2 * j + 1];
      const w = (exaggeration * P.value[p]) / (1 + dx * dx + dy * dy);
      ax += w * dx;
      ay += w * dy;
    }
    gradient[2 * i] = 4 * (ax - gradient[2 * i] / z);
    gradient[2 * i + 1] = 4 * (ay - gradient[2 * i + 1] / z);
  }
}

/** Deeper than this, points are merged into one leaf (identical or nearly identical positions). */
const MAX_DEPTH = 40;

/** A point quadtree in flat arrays, rebuilt each step: cells with their points' count and centre of mass. */
class QuadTree {
  private size = 0;
  private capacity: number;
  private cx = new Float64Array(0);
  private cy = new Float64Array(0);
  private half = new Float64Array(0);
  private massX = new Float64Array(0);
  private massY = new Float64Array(0);
  private mass = new Int32Array(0);
  /** Index of the first of four children, or 0 for a leaf. */
  private children = new Int32Array(0);
  /** The point a leaf holds, or -1. */
  private point = new Int32Array(0);
  private stack: Int32Array = new Int32Array(0);
  private positions: Float64Array = new Float64Array(0);

  constructor(count: number) {
    this.capacity = Math.max(16, 4 * count);
    this.allocate(this.capacity);
  }

  private allocate(capacity: number): void {
    const grow = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old.subarray(0, this.size));
      return next;
    };
    this.cx = grow(this.cx, (n) => new Float64Array(n));
    this.cy = grow(this.cy, (n) => new Float64Array(n));
    this.half = grow(this.half, (n) => new Float64Array(n));
    this.massX = grow(this.massX, (n) => new Float64Array(n));
    this.massY = grow(this.massY, (n) => new Float64Array(n));
    this.mass = grow(this.mass, (n) => new Int32Array(n));
    this.children = grow(this.children, (n) => new Int32Array(n));
    this.point = grow(this.point, (n) => new Int32Array(n));
    this.stack = new Int32Array(capacity);
    this.capacity = capacity;
  }

  private node(cx: number, cy: number, half: number): number {
    if (this.size === this.capacity) this.allocate(2 * this.capacity);
    const n = this.size++;
    this.cx[n] = cx;
    this.cy[n] = cy;
    this.half[n] = half;
    this.massX[n] = 0;
    this.massY[n] = 0;
    this.mass[n] = 0;
    this.children[n] = 0;
    this.point[n] = -1;
    return n;
  }

  build(Y: Float64Array): void {
    this.positions = Y;
    const count = Y.length / 2;
    let minX = Number.POSITIVE_INFINITY;
    let minY = Number.POSITIVE_INFINITY;
    let maxX = Number.NEGATIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < count; i++) {
      minX = Math.min(minX, Y[2 * i]);
      maxX = Math.max(maxX, Y[2 * i]);
      minY = Math.min(minY, Y[2 * i + 1]);
      maxY = Math.max(maxY, Y[2 * i + 1]);
    }
    this.size = 0;
    const half = Math.max(maxX - minX, maxY - minY) / 2 + 1e-9;
    this.node((minX + maxX) / 2, (minY + maxY) / 2, half);
    for (let i = 0; i < count; i++) this.insert(i, Y[2 * i], Y[2 * i + 1]);
  }

  private insert(i: number, x: number, y: number): void {
    let n = 0;
    for (let depth = 0; ; depth++) {
      const m = this.mass[n];
      this.massX[n] = (this.massX[n] * m + x) / (m + 1);
      this.massY[n] = (this.massY[n] * m + y) / (m + 1);
      this.mass[n] = m + 1;
      if (this.children[n] === 0) {
        if (m === 0) {
          this.point[n] = i;
          return;
        }
        if (depth >= MAX_DEPTH) return;
        // Split the leaf: its point moves into the child it falls in, then the new one goes on down.
        const first = this.subdivide(n);
        const held = this.point[n];
        this.point[n] = -1;
        const hx = this.positions[2 * held];
        const hy = this.positions[2 * held + 1];
        const c = first + this.quadrant(n, hx, hy);
        this.massX[c] = hx;
        this.massY[c] = hy;
        this.mass[c] = 1;
        this.point[c] = held;
      }
      n = this.children[n] + this.quadrant(n, x, y);
    }
  }

  private subdivide(n: number): number {
    const h = this.half[n] / 2;
    const first = this.size;
    this.node(this.cx[n] - h, this.cy[n] - h, h);
    this.node(this.cx[n] + h, this.cy[n] - h, h);
    this.node(this.cx[n] - h, this.cy[n] + h, h);
    this.node(this.cx[n] + h, this.cy[n] + h, h);
    this.children[n] = first;
    return first;
  }

  private quadrant(n: number, x: number, y: number): number {
    return (x > this.cx[n] ? 1 : 0) + (y > this.cy[n] ? 2 : 0);
  }

  /**
   * Adds Σ_j q_ij² Z² (y_i − y_j) for point i into `out` (x, y) and returns Σ_j q_ij Z, its part of Z; a
   * cell whose width over its distance is below theta counts as its mass at its centre of mass.
   */
  repulsion(i: number, x: number, y: number, theta: number, out: Float64Array): number {
    // Locals, not fields, in the hot loop: V8 then keeps the arrays in registers.
    const { mass, massX, massY, children, point, half } = this;
    let stack = this.stack;
    const theta2 = theta * theta;
    let fx = 0;
    let fy = 0;
    let z = 0;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const n = stack[--top];
      let m = mass[n];
      if (m === 0) continue;
      const leaf = children[n] === 0;
      if (leaf && point[n] === i) m--;
      if (m === 0) continue;
      const dx = x - massX[n];
      const dy = y - massY[n];
      const d2 = dx * dx + dy * dy;
      const width = 2 * half[n];
      if (leaf || width * width < theta2 * d2) {
        const q = 1 / (1 + d2);
        const mq = m * q;
        z += mq;
        fx += mq * q * dx;
        fy += mq * q * dy;
      } else {
        const c = children[n];
        if (top + 4 > stack.length) {
          stack = growStack(stack);
          this.stack = stack;
        }
        stack[top++] = c;
        stack[top++] = c + 1;
        stack[top++] = c + 2;
        stack[top++] = c + 3;
      }
    }
    out[0] = fx;
    out[1] = fy;
    return z;
  }
}

function growStack(stack: Int32Array): Int32Array {
  const next = new Int32Array(2 * stack.length);
  next.set(stack);
  return next;
}
