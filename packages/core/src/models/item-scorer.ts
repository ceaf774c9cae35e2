import { ArenaLayout, KernelArena } from '../math/kernels.js';

/**
 * Scores every item for one user row with the WebAssembly SIMD kernel: the item rows are copied once
 * into kernel memory, then each call is one pass of f32x4 dot products (the hot part of a
 * recommendation request, several times faster than a scalar loop).
 */
export class ItemScorer {
  private readonly arena: KernelArena;
  private readonly row: Float32Array;
  private readonly scores: Float32Array;
  private readonly at: { rows: number; row: number; out: number };

  constructor(
    itemRows: Float32Array,
    private readonly count: number,
    private readonly stride: number,
  ) {
    const plan = new ArenaLayout();
    this.at = {
      rows: plan.reserve(4 * count * stride),
      row: plan.reserve(4 * stride),
      out: plan.reserve(4 * count),
    };
    this.arena = new KernelArena(plan);
    this.arena.f32(this.at.rows, count * stride).set(itemRows.subarray(0, count * stride));
    this.row = this.arena.f32(this.at.row, stride);
    this.scores = this.arena.f32(this.at.out, count);
  }

  /** user row · item row for every item; the returned array is reused by the next call. */
  score(userRow: Float32Array): Float32Array {
    this.row.set(userRow.subarray(0, this.stride));
    this.arena.kernels.scoreRows(this.at.row, this.at.rows, this.count, this.stride, this.at.out);
    return this.scores;
  }
}
