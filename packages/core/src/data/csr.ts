/**
 * Compressed sparse rows: row r holds the entries indptr[r] .. indptr[r+1]-1 of `indices` (column
 * indices, ascending) and `values`. `source` gives, for each entry, its position in the coordinate
 * arrays it was built from, so a view can be mapped back to the original ratings.
 */
export interface Csr {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
  readonly source: Int32Array;
}

/** Builds a CSR view of coordinate data by a counting sort on the row index (stable: O(n + rows)). */
export function toCsr(
  rowOf: Int32Array,
  colOf: Int32Array,
  value: Float64Array,
  rows: number,
  cols: number,
): Csr {
  const n = rowOf.length;
  const indptr = new Int32Array(rows + 1);
  for (let t = 0; t < n; t++) indptr[rowOf[t] + 1]++;
  for (let r = 0; r < rows; r++) indptr[r + 1] += indptr[r];
  const next = indptr.slice(0, rows);
  const source = new Int32Array(n);
  for (let t = 0; t < n; t++) source[next[rowOf[t]]++] = t;
  // Entries of a row arrive in input order; sort each row by column so lookups can bisect.
  for (let r = 0; r < rows; r++) sortRowByColumn(source, colOf, indptr[r], indptr[r + 1]);
  const indices = new Int32Array(n);
  const values = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    indices[e] = colOf[source[e]];
    values[e] = value[source[e]];
  }
  return { rows, cols, indptr, indices, values, source };
}

function sortRowByColumn(source: Int32Array, colOf: Int32Array, begin: number, end: number): void {
  for (let a = begin + 1; a < end; a++) {
    if (colOf[source[a - 1]] <= colOf[source[a]]) continue;
    if (end - begin > 32) {
      const sorted = Array.from(source.subarray(begin, end)).sort((x, y) => colOf[x] - colOf[y] || x - y);
      source.set(sorted, begin);
      return;
    }
    const moving = source[a];
    let b = a - 1;
    while (b >= begin && colOf[source[b]] > colOf[moving]) {
      source[b + 1] = source[b];
      b--;
    }
    source[b + 1] = moving;
  }
}

/** Number of entries in row `r`. */
export function rowLength(csr: Csr, r: number): number {
  return csr.indptr[r + 1] - csr.indptr[r];
}
