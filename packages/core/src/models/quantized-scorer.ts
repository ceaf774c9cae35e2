import { ArenaLayout, KernelArena } from '../math/kernels.js';

/** Approximate scores of every item and a bound on how far any of them is from the exact score. */
export interface BoundedScores {
  /** Reused by the next call. */
  scores: Float32Array;
  bound: number;
}

/** A sparse column of item values: the items that have one, and their values. */
export interface SparseColumn {
  items: Int32Array;
  values: Float32Array;
}

/**
 * Scores every item for a user, in WebAssembly: a dense part, the user row against 16-bit copies of the
 * item rows (each row scaled by its own largest value: eight products per instruction, half the memory
 * of 32-bit rows), plus optional sparse columns weighted by the user (in f32, e.g. the few tags per
 * work of a LASSO). Each call returns a bound on every score's error, so a ranker finds the exact top n
 * by rescoring only the items that could belong to it (`ItemRanker.rankBounded`).
 *
 * With item j's row y = s_j ỹ + δ (|δ| ≤ s_j/2 per slot) and the user's u = t ũ + ε (|ε| ≤ t/2):
 * |u·y − t s_j ũ·ỹ| ≤ (t/2)‖y‖₁ + (s_j/2)‖t ũ‖₁, and ‖t ũ‖₁ ≤ ‖u‖₁ + stride·t/2.
 */
export class QuantizedScorer {
  private readonly arena: KernelArena;
  private readonly at: {
    rows: number;
    scales: number;
    row: number;
    scores: number;
    starts: number;
    items: number;
    values: number;
    weights: number;
  };
  /** Slots per 16-bit row: the stride rounded up to 8, one SIMD vector. */
  private readonly width: number;
  /** The largest magnitude a quantized value takes, so that no integer dot product passes 2³¹. */
  private readonly levels: number;
  private readonly maxScale: number;
  private readonly maxL1: number;
  /** Each sparse column's largest value, for the rounding of its additions. */
  private readonly columnMax: Float64Array;
  private readonly row: Int16Array;
  private readonly weights: Float32Array;
  private readonly scores: Float32Array;

  constructor(
    itemRows: Float32Array,
    private readonly count: number,
    private readonly stride: number,
    columns: readonly SparseColumn[] = [],
  ) {
    this.width = Math.ceil(stride / 8) * 8;
    this.levels = Math.min(32767, Math.floor(Math.sqrt((2 ** 31 - 1) / this.width)));
    const entries = columns.reduce((n, c) => n + c.items.length, 0);
    const plan = new ArenaLayout();
    this.at = {
      rows: plan.reserve(2 * count * this.width),
      scales: plan.reserve(4 * count),
      row: plan.reserve(2 * this.width),
      scores: plan.reserve(4 * count),
      starts: plan.reserve(4 * (columns.length + 1)),
      items: plan.reserve(4 * entries),
      values: plan.reserve(4 * entries),
      weights: plan.reserve(4 * columns.length),
    };
    this.arena = new KernelArena(plan);
    const rows = new Int16Array(this.arena.memory.buffer, this.at.rows, count * this.width);
    const scales = this.arena.f32(this.at.scales, count);
    let maxScale = 0;
    let maxL1 = 0;
    for (let j = 0; j < count; j++) {
      let largest = 0;
      let l1 = 0;
      for (let c = 0; c < stride; c++) {
        const v = Math.abs(itemRows[j * stride + c]);
        largest = Math.max(largest, v);
        l1 += v;
      }
      // Stored as f32, so the bound is computed from the scale actually used.
      const scale = Math.fround(largest / this.levels);
      scales[j] = scale;
      if (scale > 0) {
        for (let c = 0; c < stride; c++)
          rows[j * this.width + c] = Math.round(itemRows[j * stride + c] / scale);
      }
      maxScale = Math.max(maxScale, scale);
      maxL1 = Math.max(maxL1, l1);
    }
    this.maxScale = maxScale;
    this.maxL1 = maxL1;
    const starts = this.arena.i32(this.at.starts, columns.length + 1);
    const items = this.arena.i32(this.at.items, entries);
    const values = this.arena.f32(this.at.values, entries);
    this.columnMax = new Float64Array(columns.length);
    let at = 0;
    for (const [c, column] of columns.entries()) {
      starts[c] = at;
      items.set(column.items, at);
      values.set(column.values, at);
      at += column.items.length;
      for (const v of column.values) this.columnMax[c] = Math.max(this.columnMax[c], Math.abs(v));
    }
    starts[columns.length] = at;
    this.row = new Int16Array(this.arena.memory.buffer, this.at.row, this.width);
    this.weights = this.arena.f32(this.at.weights, columns.length);
    this.scores = this.arena.f32(this.at.scores, count);
  }

  /**
   * userRow · item row + Σ_c columnWeights[c] · column c's value for every item, approximately, with the
   * bound on every score's error.
   */
  score(userRow: Float32Array, columnWeights: ArrayLike<number> = []): BoundedScores {
    let largest = 0;
    let l1 = 0;
    for (let c = 0; c < this.stride; c++) {
      const v = Math.abs(userRow[c]);
      largest = Math.max(largest, v);
      l1 += v;
    }
    const t = Math.fround(largest / this.levels);
    for (let c = 0; c < this.stride; c++) this.row[c] = t > 0 ? Math.round(userRow[c] / t) : 0;
    const { kernels } = this.arena;
    kernels.scoreRowsI16(
      this.at.row,
      this.at.rows,
      this.at.scales,
      this.count,
      this.width,
      t,
      this.at.scores,
    );
    let sparse = 0;
    for (let c = 0; c < this.weights.length; c++) {
      this.weights[c] = columnWeights[c];
      sparse += Math.abs(this.weights[c]) * this.columnMax[c];
    }
    if (this.weights.length > 0) {
      kernels.addColumns(
        this.at.scores,
        this.at.starts,
        this.at.items,
        this.at.values,
        this.at.weights,
        this.weights.length,
      );
    }
    const quantization = (t / 2) * this.maxL1 + (this.maxScale / 2) * (l1 + (this.stride * t) / 2);
    // Every f32 operation rounds too (the conversion of the integer sum, the products, the sparse
    // additions): a few units in the 24th bit of a score, whose magnitude is at most the dense part's
    // ‖t ũ‖∞ ‖s_j ỹ‖₁ plus the sparse part's Σ_c |weight_c| max|column c|, for each of its additions.
    const dense = (largest + t) * (this.maxL1 + this.width * this.maxScale);
    const rounding = 2 ** -20 * (1 + this.weights.length) * (dense + sparse);
    return { scores: this.scores, bound: quantization + rounding };
  }
}
