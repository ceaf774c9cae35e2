/**
 * Summaries of a metric across folds, reported as mean ± 1.96·sd/√n. A NaN value means "no value in this
 * fold" (an empty cold-start subset, say) and is skipped, so `n` counts the folds that had one.
 */
export interface Summary {
  mean: number;
  /** Sample standard deviation (divisor n − 1); NaN for fewer than two values. */
  sd: number;
  /** Half-width of the normal 95 % interval of the mean: 1.96 · sd / √n. NaN for fewer than two values. */
  ci95: number;
  n: number;
}

export function summarize(values: readonly number[]): Summary {
  let n = 0;
  let sum = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    n++;
    sum += v;
  }
  const mean = n ? sum / n : Number.NaN;
  let squares = 0;
  for (const v of values) if (!Number.isNaN(v)) squares += (v - mean) * (v - mean);
  const sd = n > 1 ? Math.sqrt(squares / (n - 1)) : Number.NaN;
  return { mean, sd, ci95: (1.96 * sd) / Math.sqrt(n), n };
}

/** A record of metric values for one fold, e.g. { rmse: 0.91, mae: 0.72 }. */
export type MetricRecord = Readonly<Record<string, number | undefined>>;

/**
 * Per-key summaries of per-fold metric records, keys in order of first appearance. A key absent from
 * some folds (or not a number there) is summarized over the folds that have it.
 */
export function summarizeByKey(records: readonly MetricRecord[]): Record<string, Summary> {
  const columns = new Map<string, number[]>();
  for (const record of records) {
    for (const [key, value] of Object.entries(record)) {
      if (typeof value !== 'number') continue;
      let column = columns.get(key);
      if (!column) {
        column = [];
        columns.set(key, column);
      }
      column.push(value);
    }
  }
  return Object.fromEntries(Array.from(columns, ([key, column]) => [key, summarize(column)]));
}

/** Per-key means of per-fold metric records (the `mean` object of `osusume eval --json`). */
export function meanByKey(records: readonly MetricRecord[]): Record<string, number> {
  return Object.fromEntries(Object.entries(summarizeByKey(records)).map(([key, { mean }]) => [key, mean]));
}
