import { ArenaLayout, KernelArena } from '../math/kernels.js';
import { type FactorLayout, fixedSlot, slotVector } from './factor-layout.js';
import type { Regularization } from './factor-model.js';

/**
 * The fold-in of a factor model in WebAssembly SIMD: the item rows are copied once into kernel memory;
 * `foldIn` solves a new user's row exactly (the ALS kernel on a one-row matrix: SIMD Gram matrix,
 * Cholesky in f64). Buffers are sized for `capacity` ratings per user; `FactorModel` makes a bigger
 * instance when a user has more.
 */
export class FactorKernels {
  private readonly arena: KernelArena;
  private readonly at: {
    rows: number;
    row: number;
    indptr: number;
    indices: number;
    values: number;
    mask: number;
    reg: number;
    regFixed: number;
    scratch: number;
  };

  constructor(
    itemRows: Float32Array,
    count: number,
    private readonly layout: FactorLayout,
    regularization: Regularization,
    private readonly mean: number,
    readonly capacity: number,
  ) {
    const { stride } = layout;
    const plan = new ArenaLayout();
    this.at = {
      rows: plan.reserve(4 * count * stride),
      row: plan.reserve(4 * stride),
      indptr: plan.reserve(8),
      indices: plan.reserve(4 * capacity),
      values: plan.reserve(4 * capacity),
      mask: plan.reserve(4 * stride),
      reg: plan.reserve(4 * stride),
      regFixed: plan.reserve(4 * stride),
      scratch: plan.reserve(12 * stride * stride + 8 * stride),
    };
    this.arena = new KernelArena(plan);
    this.arena.f32(this.at.rows, count * stride).set(itemRows.subarray(0, count * stride));
    this.arena.f32(this.at.mask, stride).set(slotVector(layout, 'user', 1, 1));
    // The kernel's penalty is reg × count + regFixed: an unweighted one goes all into regFixed.
    const { factors, bias, weighted, factorsFixed = 0, biasFixed = 0 } = regularization;
    const perRating = slotVector(layout, 'user', factors, bias);
    const fixed = slotVector(layout, 'user', factorsFixed, biasFixed);
    this.arena.f32(this.at.reg, stride).set(weighted ? perRating : new Float32Array(stride));
    this.arena.f32(this.at.regFixed, stride).set(weighted ? fixed : perRating.map((v, c) => v + fixed[c]));
  }

  /** The ridge solve of a user row from (item index, rating) pairs; a fresh array. */
  foldIn(items: Int32Array, values: Float64Array): Float32Array {
    const n = items.length;
    if (n > this.capacity)
      throw new RangeError(`${n} ratings exceed this instance's capacity ${this.capacity}`);
    this.arena.i32(this.at.indptr, 2).set([0, n]);
    this.arena.i32(this.at.indices, n).set(items);
    this.arena.f32(this.at.values, n).set(values);
    this.arena.kernels.alsRowsExact(
      0,
      1,
      this.at.indptr,
      this.at.indices,
      this.at.values,
      this.at.row,
      this.at.rows,
      this.layout.stride,
      this.mean,
      fixedSlot(this.layout, 'user'),
      this.at.mask,
      this.at.reg,
      this.at.regFixed,
      0,
      this.at.scratch,
    );
    return this.arena.f32(this.at.row, this.layout.stride).slice();
  }
}
