import type { Dataset, Fold } from '../data/dataset.js';
import { Interactions } from '../data/interactions.js';

/**
 * A data set read as implicit feedback: every row is an interaction of weight 1, whatever its rating,
 * and the anime data's "watched, no score" rows (-1) join them as interactions too. Folds are converted
 * the same way. A data set already implicit (a weight column) is returned as it is.
 */
export function asImplicit(data: Dataset): Dataset {
  if (data.implicit) return data;
  const ratings = data.unscored ? concat(data.ratings, data.unscored) : ones(data.ratings);
  const folds = data.folds?.map((f): Fold => ({ name: f.name, train: ones(f.train), test: ones(f.test) }));
  const { unscored: _dropped, ...rest } = data;
  return {
    ...rest,
    ratings,
    ...(folds ? { folds } : {}),
    ...(data.test ? { test: asImplicit(data.test) } : {}),
    scale: { min: 1, max: 1 },
    implicit: true,
  };
}

/** The same rows with weight 1. */
function ones(rows: Interactions): Interactions {
  return new Interactions({
    users: rows.users,
    items: rows.items,
    user: rows.user,
    item: rows.item,
    value: new Float64Array(rows.length).fill(1),
    time: rows.time,
  });
}

/** Both sets of rows (over the same id maps) with weight 1; times are kept only when both have them. */
function concat(a: Interactions, b: Interactions): Interactions {
  return ones(
    new Interactions({
      users: a.users,
      items: a.items,
      user: joined(new Int32Array(a.length + b.length), a.user, b.user),
      item: joined(new Int32Array(a.length + b.length), a.item, b.item),
      value: new Float64Array(a.length + b.length),
      time: a.time && b.time ? joined(new Float64Array(a.length + b.length), a.time, b.time) : undefined,
    }),
  );
}

function joined<T extends Int32Array | Float64Array>(out: T, first: T, second: T): T {
  out.set(first);
  out.set(second, first.length);
  return out;
}
