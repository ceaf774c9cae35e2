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

/**
 * Builds a CSR view of coordinate data by two stable counting sorts, by column then by row (a radix
 * sort), so each row's entries come out ordered by column in O(n + rows + cols).
 */
export function toCsr(
  rowOf: Int32Array,
  colOf: Int32Array,
  value: Float64Array,
  rows: number,
  cols: number,
): Csr {
  const byColumn = countingSort(colOf, cols, undefined);
  const { order: source, starts: indptr } = countingSort(rowOf, rows, byColumn.order);
  const n = rowOf.length;
  const indices = new Int32Array(n);
  const values = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    indices[e] = colOf[source[e]];
    values[e] = value[source[e]];
  }
  return { rows, cols, indptr, indices, values, source };
}

/** Positions sorted by `key` (stable over `input`, or over 0..n-1), and where each key's run starts. */
function countingSort(
  key: Int32Array,
  keys: number,
  input: Int32Array | undefined,
): { order: Int32Array; starts: Int32Array } {
  const n = key.length;
  const starts = new Int32Array(keys + 1);
  for (let t = 0; t < n; t++) starts[key[t] + 1]++;
  for (let k = 0; k < keys; k++) starts[k + 1] += starts[k];
  const next = starts.slice(0, keys);
  const order = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const t = input ? input[s] : s;
    order[next[key[t]]++] = t;
  }
  return { order, starts };
}

/** Number of entries in row `r`. */
export function rowLength(csr: Csr, r: number): number {
  return csr.indptr[r + 1] - csr.indptr[r];
}
