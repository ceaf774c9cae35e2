import { type Summary, summarize } from './summary.js';

/**
 * The results table of `osusume compare` (docs/design.md, "Evaluation"): one row per model, one column per
 * metric, each cell the mean over folds ± 1.96·sd/√folds, written as Markdown (for reading), CSV (for
 * spreadsheets and scripts, full precision) and JSON (the summaries themselves).
 */

/** One fold's figures, e.g. rmse, mae, fitSeconds, epochSeconds, rmseLeastRated, rmseColdStart. */
export interface FoldResult {
  [metric: string]: number;
}

/** One model evaluated on a data set under a protocol: what `osusume eval --json` prints. */
export interface ModelEvaluation {
  data: string;
  model: string;
  params: Record<string, number | boolean | string>;
  protocol: string;
  folds: FoldResult[];
  mean: Record<string, number>;
  /** validation (test) RMSE after each epoch, one array per fold; empty arrays for models without epochs */
  curves?: number[][];
}

/** A summary as JSON has it: NaN (no value, or no spread from a single fold) becomes null. */
export interface SummaryJson {
  mean: number | null;
  sd: number | null;
  ci95: number | null;
  n: number;
}

export interface ComparisonJson {
  data: string;
  protocol: string;
  /** The number of folds (the largest, should the models differ). */
  folds: number;
  models: {
    model: string;
    params: Record<string, number | boolean | string>;
    summary: Record<string, SummaryJson>;
  }[];
}

export interface ComparisonTable {
  markdown: string;
  csv: string;
  json: ComparisonJson;
}

/** How a metric reads: which way is better, and how its cells are written. */
type MetricKind = 'error' | 'score' | 'seconds' | 'other';

/** The default column order; names compare case-insensitively. */
const LEADING_METRICS = ['rmse', 'mae', 'rmseleastrated', 'rmsecoldstart', 'auc', 'logloss', 'accuracy'];
const TIME_METRICS = ['fitseconds', 'epochseconds'];

const LABELS: Record<string, string> = {
  rmse: 'RMSE',
  mae: 'MAE',
  rmseleastrated: 'RMSE (least rated)',
  rmsecoldstart: 'RMSE (cold-start)',
  auc: 'AUC',
  logloss: 'log-loss',
  accuracy: 'accuracy',
  fitseconds: 'fit (s)',
  epochseconds: 'epoch (s)',
};

function metricKind(metric: string): MetricKind {
  const name = metric.toLowerCase();
  if (name.endsWith('seconds')) return 'seconds';
  if (/^(rmse|mae|mse|logloss|log_loss|log-loss)/.test(name) || name.includes('error')) return 'error';
  if (/^(auc|accuracy|precision|recall|map|ndcg|coverage|hitrate|hit_rate|mrr)/.test(name)) return 'score';
  return 'other';
}

/**
 * 'min' when lower is better, 'max' when higher is better, undefined when we cannot tell or the figures
 * are not comparable across models. Of the times only the whole fit competes: an epoch is an ALS sweep
 * for one model, an SGD pass for another, and a blend's epochs are its parts' latest fits only (not the
 * fits its gate was learnt from), so the smallest epoch time can hide the larger cost.
 */
function betterDirection(metric: string): 'min' | 'max' | undefined {
  const kind = metricKind(metric);
  if (kind === 'seconds') return metric.toLowerCase() === 'fitseconds' ? 'min' : undefined;
  if (kind === 'error') return 'min';
  if (kind === 'score') return 'max';
  return undefined;
}

/** The default columns: the metrics every model has (in some fold), in the reading order of the talk. */
function defaultMetrics(results: readonly ModelEvaluation[]): string[] {
  if (results.length === 0) return [];
  const seen: string[] = [];
  const perModel = results.map((result) => {
    const keys = new Set<string>();
    const sources = result.folds.length > 0 ? result.folds : [result.mean ?? {}];
    for (const fold of sources) {
      for (const [key, value] of Object.entries(fold)) {
        if (typeof value !== 'number') continue;
        keys.add(key);
        if (!seen.includes(key)) seen.push(key);
      }
    }
    return keys;
  });
  const common = seen.filter((key) => perModel.every((keys) => keys.has(key)));
  const rank = (metric: string): number => {
    const name = metric.toLowerCase();
    const leading = LEADING_METRICS.indexOf(name);
    if (leading >= 0) return leading;
    const time = TIME_METRICS.indexOf(name);
    if (time >= 0) return LEADING_METRICS.length + time;
    if (metricKind(metric) === 'seconds') return LEADING_METRICS.length + TIME_METRICS.length;
    return LEADING_METRICS.length + TIME_METRICS.length + 1;
  };
  // Array.prototype.sort is stable: metrics of equal rank keep their order of first appearance.
  return common.sort((a, b) => rank(a) - rank(b));
}

/** The summary of one metric for one model; a model without folds falls back to its `mean` record. */
function summaryOf(result: ModelEvaluation, metric: string): Summary {
  const values: number[] = [];
  const sources = result.folds.length > 0 ? result.folds : [result.mean ?? {}];
  for (const fold of sources) {
    const value = fold[metric];
    if (typeof value === 'number') values.push(Number.isFinite(value) ? value : Number.NaN);
  }
  return summarize(values);
}

/** `x` with `digits` significant digits, never in exponent notation. */
function significant(x: number, digits: number): string {
  if (x === 0) return '0';
  const rounded = Number(x.toPrecision(digits));
  const magnitude = Math.floor(Math.log10(Math.abs(rounded)));
  const decimals = Math.min(100, Math.max(0, digits - 1 - magnitude));
  return rounded.toFixed(decimals);
}

/** Drops the sign of a value that rounds to zero ("-0.0000" reads as a mistake). */
function unsigned(text: string): string {
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

function formatValue(metric: string, x: number): string {
  switch (metricKind(metric)) {
    case 'error':
    case 'score':
      return unsigned(x.toFixed(4));
    case 'seconds':
      return unsigned(significant(x, 3));
    default:
      return Number.isInteger(x) ? String(x) : unsigned(significant(x, 4));
  }
}

/**
 * A Markdown cell: "mean ± ci95", just the mean for a single fold, "–" without a value; "(n=k)" after it
 * when only k of the model's folds had a value (an empty cold-start subset in the others, say).
 */
function formatCell(metric: string, summary: Summary, folds: number): string {
  if (summary.n === 0 || !Number.isFinite(summary.mean)) return '–';
  const mean = formatValue(metric, summary.mean);
  const cell =
    summary.n < 2 || !Number.isFinite(summary.ci95) ? mean : `${mean} ± ${formatValue(metric, summary.ci95)}`;
  return summary.n < folds ? `${cell} (n=${summary.n})` : cell;
}

/** Keeps text from breaking a Markdown table or turning into markup. */
function markdownText(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(/[\\|*`<>[\]]/g, (c) => `\\${c}`);
}

function paramsText(params: Record<string, number | boolean | string> | undefined): string {
  return Object.entries(params ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}

/** RFC 4180: fields with a comma, a quote or a line break are quoted, quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Full precision for machines; an empty field for no value. */
function csvNumber(x: number): string {
  return Number.isNaN(x) ? '' : String(x);
}

function distinct(values: readonly string[]): string {
  return [...new Set(values)].join(', ');
}

function foldsText(counts: readonly number[]): string {
  if (counts.length === 0) return '0 folds';
  const low = Math.min(...counts);
  const high = Math.max(...counts);
  if (low === high) return `${low} fold${low === 1 ? '' : 's'}`;
  return `${low}–${high} folds`;
}

function nullable(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Indices of the best finite means of a column (all of them on a tie); none when fewer than two compete. */
function bestRows(metric: string, summaries: readonly Summary[]): Set<number> {
  const direction = betterDirection(metric);
  const best = new Set<number>();
  if (!direction) return best;
  const finite = summaries
    .map((summary, row) => ({ mean: summary.mean, row }))
    .filter(({ mean }) => Number.isFinite(mean));
  if (finite.length < 2) return best;
  const target =
    direction === 'min'
      ? Math.min(...finite.map(({ mean }) => mean))
      : Math.max(...finite.map(({ mean }) => mean));
  for (const { mean, row } of finite) if (mean === target) best.add(row);
  return best;
}

function alignedTable(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((cell, column) =>
    Math.max(3, cell.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, c) => (rightAligned[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(' | ')} |`;
  const rule = `|${widths.map((width, c) => (rightAligned[c] ? ` ${'-'.repeat(width - 1)}: ` : ` ${'-'.repeat(width)} `)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * The comparison table of several models evaluated on the same folds. `metrics` picks and orders the
 * columns; by default they are the metrics every model has, errors first (rmse, mae, rmseLeastRated,
 * rmseColdStart, auc, logloss, accuracy), then times (fitSeconds, epochSeconds), then the others.
 *
 * Markdown cells read "mean ± ci95" (4 decimals for errors and scores, 3 significant digits for
 * seconds), just the mean for a single fold, "–" without a value, "(n=k)" after a cell that only k of
 * the model's folds had a value for; the best mean of each column is bold
 * (lowest error or whole fit time, highest AUC, accuracy or ranking score; columns that do not compare
 * across models, such as `epochs` and `epochSeconds`, have no best). CSV has `model,params,<metric>_mean,<metric>_ci95,...` at full precision, the
 * params as JSON, empty fields for no value. JSON holds each model's summaries, NaN written as null.
 */
export function comparisonTable(
  results: readonly ModelEvaluation[],
  metrics?: readonly string[],
): ComparisonTable {
  const columns = metrics ? [...metrics] : defaultMetrics(results);
  const summaries = results.map((result) => columns.map((metric) => summaryOf(result, metric)));
  const data = distinct(results.map((result) => result.data));
  const protocol = distinct(results.map((result) => result.protocol));
  const foldCounts = results.map((result) => result.folds.length);

  // Markdown.
  const title = `**${markdownText(data || 'no data')}** · protocol: ${markdownText(protocol || '–')} · ${foldsText(foldCounts)} · mean ± 1.96·sd/√folds, best in bold`;
  let markdown: string;
  if (results.length === 0) {
    markdown = `${title}\n\nNo results.\n`;
  } else {
    const withParams = results.some((result) => Object.keys(result.params ?? {}).length > 0);
    const best = columns.map((metric, c) =>
      bestRows(
        metric,
        summaries.map((row) => row[c]),
      ),
    );
    const header = [
      'model',
      ...(withParams ? ['params'] : []),
      ...columns.map((metric) => markdownText(LABELS[metric.toLowerCase()] ?? metric)),
    ];
    const rows = results.map((result, r) => [
      markdownText(result.model),
      ...(withParams ? [markdownText(paramsText(result.params))] : []),
      ...columns.map((metric, c) => {
        const cell = formatCell(metric, summaries[r][c], result.folds.length);
        return best[c].has(r) ? `**${cell}**` : cell;
      }),
    ]);
    const rightAligned = header.map((_, c) => c >= (withParams ? 2 : 1));
    markdown = `${title}\n\n${alignedTable(header, rows, rightAligned)}\n`;
  }

  // CSV.
  const csvLines = [
    ['model', 'params', ...columns.flatMap((metric) => [`${metric}_mean`, `${metric}_ci95`])].map(csvField),
    ...results.map((result, r) => [
      csvField(result.model),
      csvField(JSON.stringify(result.params ?? {})),
      ...summaries[r].flatMap((summary) => [csvNumber(summary.mean), csvNumber(summary.ci95)]),
    ]),
  ];
  const csv = `${csvLines.map((fields) => fields.join(',')).join('\n')}\n`;

  // JSON.
  const json: ComparisonJson = {
    data,
    protocol,
    folds: foldCounts.length ? Math.max(...foldCounts) : 0,
    models: results.map((result, r) => ({
      model: result.model,
      params: { ...(result.params ?? {}) },
      summary: Object.fromEntries(
        columns.map((metric, c) => {
          const { mean, sd, ci95, n } = summaries[r][c];
          return [metric, { mean: nullable(mean), sd: nullable(sd), ci95: nullable(ci95), n }];
        }),
      ),
    })),
  };

  return { markdown, csv, json };
}
