/** Three rows of the distance table, reused from call to call (a search compares thousands of words). */
let rows = new Int32Array(3 * 64);

/**
 * How many single-character edits (insertion, deletion, substitution, or swapping two neighbours: the
 * optimal string alignment distance) turn `typed` into `word`, or Infinity when that is more than `max`.
 * With `prefix`, into the closest beginning of `word` instead: a word still being typed.
 */
export function editDistance(typed: string, word: string, max: number, prefix = false): number {
  const m = typed.length;
  const n = word.length;
  if (prefix ? n < m - max : Math.abs(m - n) > max) return Number.POSITIVE_INFINITY;
  const width = n + 1;
  if (rows.length < 3 * width) rows = new Int32Array(6 * width);
  // Offsets of the rows i - 2, i - 1 and i, rotated after each row.
  let before = 0;
  let previous = width;
  let current = 2 * width;
  for (let j = 0; j <= n; j++) rows[previous + j] = j;
  for (let i = 1; i <= m; i++) {
    const a = typed.charCodeAt(i - 1);
    rows[current] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const b = word.charCodeAt(j - 1);
      let d = Math.min(
        rows[previous + j] + 1,
        rows[current + j - 1] + 1,
        rows[previous + j - 1] + (a === b ? 0 : 1),
      );
      if (i > 1 && j > 1 && a === word.charCodeAt(j - 2) && typed.charCodeAt(i - 2) === b)
        d = Math.min(d, rows[before + j - 2] + 1);
      rows[current + j] = d;
      if (d < rowMin) rowMin = d;
    }
    // Every later row is at least this row's smallest value.
    if (rowMin > max) return Number.POSITIVE_INFINITY;
    const oldest = before;
    before = previous;
    previous = current;
    current = oldest;
  }
  let distance = rows[previous + n];
  if (prefix) for (let j = 0; j < n; j++) distance = Math.min(distance, rows[previous + j]);
  return distance <= max ? distance : Number.POSITIVE_INFINITY;
}
