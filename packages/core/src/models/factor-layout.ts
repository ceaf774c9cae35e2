/**
 * How factor models store a user or an item: one row of `stride` f32 slots (a multiple of 4, so the
 * SIMD kernels always run over whole f32x4 lanes) holding the `factors` latent values and, with biases,
 * two more slots arranged so that a prediction is a single dot product:
 *
 *   user row  [x_0 .. x_{k-1},  b_u,  1,   0 ...]
 *   item row  [y_0 .. y_{k-1},  1,    b_i, 0 ...]
 *   prediction = mu + user · item = mu + x·y + b_u + b_i
 *
 * The slot holding the constant 1 is "fixed" (never learned): in a user row it is `itemBiasSlot`, in an
 * item row `userBiasSlot`. Padding slots stay 0.
 */
export interface FactorLayout {
  readonly factors: number;
  readonly biases: boolean;
  readonly stride: number;
  /** Slot of b_u in user rows (the constant 1 in item rows); -1 without biases. */
  readonly userBiasSlot: number;
  /** Slot of b_i in item rows (the constant 1 in user rows); -1 without biases. */
  readonly itemBiasSlot: number;
}

export function factorLayout(factors: number, biases: boolean): FactorLayout {
  if (!Number.isInteger(factors) || factors < 0)
    throw new Error(`factors must be a whole number ≥ 0, got ${factors}`);
  const used = factors + (biases ? 2 : 0);
  return {
    factors,
    biases,
    stride: Math.ceil(used / 4) * 4,
    userBiasSlot: biases ? factors : -1,
    itemBiasSlot: biases ? factors + 1 : -1,
  };
}

/** Which side of the matrix a row belongs to. */
export type Side = 'user' | 'item';

/** The slot holding the constant 1 in rows of `side` (-1 without biases). */
export function fixedSlot(layout: FactorLayout, side: Side): number {
  return side === 'user' ? layout.itemBiasSlot : layout.userBiasSlot;
}

/** The slot holding the own bias in rows of `side` (-1 without biases). */
export function biasSlot(layout: FactorLayout, side: Side): number {
  return side === 'user' ? layout.userBiasSlot : layout.itemBiasSlot;
}

/**
 * Per-slot values for rows of `side`: `factorValue` on latent slots, `biasValue` on the own bias slot,
 * `otherValue` on the fixed and padding slots. Used for masks, regularization and learning rates.
 */
export function slotVector(
  layout: FactorLayout,
  side: Side,
  factorValue: number,
  biasValue: number,
  otherValue = 0,
): Float32Array {
  const v = new Float32Array(layout.stride).fill(otherValue);
  v.fill(factorValue, 0, layout.factors);
  const own = biasSlot(layout, side);
  if (own >= 0) v[own] = biasValue;
  return v;
}

/** Sets the constant slot of every row of `side` to 1 (and nothing else). */
export function setFixedSlots(rows: Float32Array, layout: FactorLayout, side: Side): void {
  const slot = fixedSlot(layout, side);
  if (slot < 0) return;
  for (let at = slot; at < rows.length; at += layout.stride) rows[at] = 1;
}
