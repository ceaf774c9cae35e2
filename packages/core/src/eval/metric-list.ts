/**
 * The figures an evaluation reports (the command line's --metrics): the rating errors `rmse` and `mae`,
 * and the top-k figures `precision@k`, `recall@k`, `ndcg@k`, `map@k` and `coverage@k` (k a whole
 * number ≥ 1; see rank-fold.ts). Names are the keys of a fold's figures.
 */
export interface MetricList {
  /** The names asked for, in the order given, without repeats (e.g. ['rmse', 'ndcg@10']). */
  names: string[];
  /** The distinct cut-offs k of the top-k figures, ascending (empty when none is asked for). */
  ks: number[];
}

const RATING_METRICS = ['rmse', 'mae'];
const RANKING_METRICS = ['precision', 'recall', 'ndcg', 'map', 'coverage'];

export const METRICS_SYNTAX = `${RATING_METRICS.join(', ')}, ${RANKING_METRICS.map((m) => `${m}@k`).join(', ')} (k a whole number ≥ 1)`;

/** The default figures: the rating errors. */
export const DEFAULT_METRICS = 'rmse,mae';
/** The default figures of a ranking protocol (rank:…). */
export const DEFAULT_RANKING_METRICS = 'precision@10,recall@10,ndcg@10,map@10,coverage@10';

/** Whether a figure is a top-k figure. */
export function isRankingMetric(name: string): boolean {
  return name.includes('@');
}

/** Parses a comma-separated list of figures; throws, listing what is accepted, on an unknown one. */
export function parseMetrics(text: string): MetricList {
  const names: string[] = [];
  const ks = new Set<number>();
  for (const raw of text.split(',')) {
    const name = raw.trim().toLowerCase();
    const fail = (why: string): never => {
      throw new Error(`metric "${raw.trim()}": ${why}; accepted: ${METRICS_SYNTAX}`);
    };
    if (name === '') fail('empty name');
    const [base, cut, extra] = name.split('@');
    if (extra !== undefined) fail('more than one "@"');
    if (RATING_METRICS.includes(base)) {
      if (cut !== undefined) fail(`${base} takes no @k`);
    } else if (RANKING_METRICS.includes(base)) {
      if (cut === undefined) fail(`${base} needs a cut-off, e.g. ${base}@10`);
      const k = Number(cut);
      if (!/^\d+$/.test(cut ?? '') || k < 1) fail('k must be a whole number ≥ 1');
      ks.add(k);
    } else {
      fail('unknown metric');
    }
    if (!names.includes(name)) names.push(name);
  }
  return { names, ks: [...ks].sort((a, b) => a - b) };
}
