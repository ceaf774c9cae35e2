import type { FeatureField, FeatureMatrix } from '../../data/feature-matrix.js';
import type { Interactions } from '../../data/interactions.js';

/**
 * Outcomes as the two-sided models (IRT, Elo, logistic MF) see them: per row a user index, an item index
 * and a value, with the number of users and items. They come from Interactions or from two one-hot fields
 * of a FeatureMatrix, so that the same solver serves `osusume eval` on either. An index of −1 means the
 * row has no user (or item) the model knows: it then gets the prior, 0, on that side.
 */
export interface OutcomeColumns {
  user: Int32Array;
  item: Int32Array;
  value: Float64Array;
  users: number;
  items: number;
}

export function outcomesOf(data: Interactions): OutcomeColumns {
  return {
    user: data.user,
    item: data.item,
    value: data.value,
    users: data.users.size,
    items: data.items.size,
  };
}

/**
 * For each row, the active feature of field `a` and of field `b` (e.g. 'user' and 'item'), as an index
 * within its field, or −1 when the row has none (an id unseen when the features were built). A field is
 * one-hot, so a row with two features in it is an error: silently taking one would fit the wrong model.
 */
export function fieldPairs(rows: FeatureMatrix, a: string, b: string): OutcomeColumns {
  const fa = rows.field(a);
  const fb = rows.field(b);
  const n = rows.rows;
  const user = new Int32Array(n).fill(-1);
  const item = new Int32Array(n).fill(-1);
  const { indptr, indices } = rows;
  for (let r = 0; r < n; r++) {
    for (let e = indptr[r]; e < indptr[r + 1]; e++) {
      const f = indices[e];
      if (f >= fa.offset && f < fa.offset + fa.size) {
        if (user[r] >= 0) throw new Error(`row ${r} has more than one feature in field "${a}"`);
        user[r] = f - fa.offset;
      } else if (f >= fb.offset && f < fb.offset + fb.size) {
        if (item[r] >= 0) throw new Error(`row ${r} has more than one feature in field "${b}"`);
        item[r] = f - fb.offset;
      }
    }
  }
  return { user, item, value: rows.target, users: fa.size, items: fb.size };
}

/** Where a two-sided model's user and item fields sit among the features (for its FM view). */
export interface SideFields {
  features: number;
  user: FeatureField;
  item: FeatureField;
}

/** Targets must be 0/1 for the binary models: a rating scale passed by mistake would fit nonsense. */
export function checkBinary(value: ArrayLike<number>): void {
  for (let t = 0; t < value.length; t++) {
    if (value[t] !== 0 && value[t] !== 1) {
      throw new Error(`row ${t} has target ${value[t]}; this model needs 0/1 outcomes`);
    }
  }
}
