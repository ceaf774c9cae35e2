import type { Command } from 'commander';
import {
  asImplicit,
  type Dataset,
  DEFAULT_METRICS,
  DEFAULT_RANKING_METRICS,
  defaultThreads,
  FEATURES_SYNTAX,
  FeatureEncoder,
  type FeatureTask,
  METRICS_SYNTAX,
  type MetricList,
  MODEL_FAMILIES,
  type ModelFamily,
  type ParamValue,
  PROTOCOL_SYNTAX,
  type Protocol,
  parseMetrics,
  parseProtocol,
  readDataSpec,
  readTestFile,
} from 'osusume';

export const DATA_SPEC_HELP =
  'ml100k:<dir> | anime:<dir> | csv:<file>[?sep=<c>&user=<col>&item=<col>&rating=<col>&header=0|1, or weight=<col> / implicit=1 for interactions] | kt:<file> (user,item,skill,correct[,time]) | dkvmn:<dir> (train/test files)';

/** The model families and their parameters, for --help. */
export function modelsHelp(): string {
  const lines = ['', 'Models and their parameters (--param key=value):'];
  for (const family of MODEL_FAMILIES) {
    lines.push(`  ${family.name}: ${family.description}`);
    for (const p of family.params) {
      const range = p.type === 'enum' ? ` (${p.values.join('|')})` : '';
      lines.push(`      ${p.name}=${String(p.default)}${range}  ${p.description}`);
    }
  }
  return lines.join('\n');
}

/** --data, --tags and --skip-bad: where the ratings come from. */
export function withDataOptions(command: Command): Command {
  return command
    .requiredOption('--data <spec>', DATA_SPEC_HELP)
    .option('--tags <file>', 'item tags file (item tag [weight])')
    .option('--skip-bad', 'skip malformed lines (and count them) instead of stopping')
    .option('--implicit', 'read every row as an interaction of weight 1 (anime: -1 "watched" rows too)');
}

/** --param, --seed, --threads and --json: how a fit runs and reports. */
export function withFitOptions(command: Command): Command {
  return command
    .option(
      '--param <key=value>',
      'model parameter (repeatable; model.key=value for one model of several; a blend takes its parts’ too: als.factors=8 sets ALS alone and in balse, balse.als.factors=8 only in balse)',
      collectParam,
      {},
    )
    .option('--seed <n>', 'random seed', parseWholeNumber('--seed'), 0)
    .option('--threads <n>', 'worker threads', parseWholeNumber('--threads', 1), defaultThreads())
    .option('--json', 'print one JSON object')
    .addHelpText('after', modelsHelp());
}

/** --protocol, --folds and --test: how the ratings are split for evaluation. */
export function withProtocolOptions(command: Command): Command {
  return command
    .option(
      '--protocol <p>',
      `${PROTOCOL_SYNTAX}; default folds when the data has them, given with --test or a data set's own test file, else kfold:5`,
    )
    .option(
      '--folds <n>',
      'random splits for holdout, seedtable and rank:random (an error with other protocols)',
      parseWholeNumber('--folds', 1),
      1,
    )
    .option('--test <file>', 'test file in the same format as --data (protocol given)');
}

/** --metrics: the figures eval and compare report. */
export function withMetricsOption(command: Command): Command {
  return command.option(
    '--metrics <list>',
    `comma-separated figures: ${METRICS_SYNTAX}; default ${DEFAULT_METRICS}, or ${DEFAULT_RANKING_METRICS} under a rank: protocol`,
  );
}

/**
 * The figures asked for (or the default for the protocol). The feature models report their own figures
 * (rmse, mae or auc, logloss, accuracy): they take no --metrics and no rank: protocol.
 */
export function chosenMetrics(
  options: { metrics?: string },
  protocol: Protocol,
  featureModels: readonly string[],
): MetricList {
  const asked = options.metrics !== undefined || protocol.kind === 'rank';
  if (asked && featureModels.length > 0) {
    throw new Error(
      `${options.metrics !== undefined ? '--metrics' : 'protocol rank:'} is for the rating models; ${featureModels.join(', ')} report their own figures (rmse, mae or auc, logloss, accuracy)`,
    );
  }
  return parseMetrics(
    options.metrics ?? (protocol.kind === 'rank' ? DEFAULT_RANKING_METRICS : DEFAULT_METRICS),
  );
}

/** --task and --features: what the models on feature rows (fm, lr, irt, …) predict, and from what. */
export function withFeatureOptions(command: Command): Command {
  return command
    .option(
      '--task <task>',
      'regression | binary, for the feature models (default binary on kt: and dkvmn: data, else regression)',
    )
    .option(
      '--features <spec>',
      `feature rows for the feature models: ${FEATURES_SYNTAX} (default irt: user,item)`,
    );
}

/** The task asked for, or binary for knowledge-tracing data and regression otherwise. */
export function chosenTask(options: { task?: string }, data: Dataset): FeatureTask {
  const task = options.task ?? (data.kind === 'kt' ? 'binary' : 'regression');
  if (task !== 'regression' && task !== 'binary') {
    throw new Error(`--task must be regression or binary, not "${task}"`);
  }
  return task;
}

/** The --features spec laid out over the data (the default: one-hot users and items). */
export function featureEncoder(options: { features?: string }, data: Dataset): FeatureEncoder {
  return FeatureEncoder.forData(options.features ?? 'irt', data);
}

/** The protocol asked for, or the default for this data. */
export function chosenProtocol(
  options: { protocol?: string; folds: number; test?: string },
  data: Dataset,
): Protocol {
  const text =
    options.protocol ?? (data.folds?.length ? 'folds' : options.test || data.test ? 'given' : 'kfold:5');
  return parseProtocol(text, options.folds);
}

/** Collects repeated `--param key=value` options. */
export function collectParam(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new Error(`--param ${value}: expected key=value`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1).trim() };
}

/**
 * `--param` options for one model out of several (compare): plain "x" and "<model>.x". A blend also takes
 * its parts' "<part>.x" as they are, so `als.factors=32` sets ALS alike alone and inside BALSE (as `eval
 * --model balse` reads it); `balse.als.factors` sets BALSE's ALS only, and wins over `als.factors`.
 */
export function paramsFor(family: ModelFamily, all: Record<string, string>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [key, value] of Object.entries(all)) {
    const dot = key.indexOf('.');
    if (dot < 0) out[key] = value;
    else if (key.slice(0, dot) === family.name) out[key.slice(dot + 1)] = value;
  }
  const parts = family.parts?.(out) ?? [];
  for (const [key, value] of Object.entries(all)) {
    if (parts.includes(key.slice(0, key.indexOf('.'))) && !(key in out)) out[key] = value;
  }
  return out;
}

export function parseWholeNumber(name: string, min = 0): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`${name} must be a whole number ≥ ${min}, got "${value}"`);
    return n;
  };
}

/** A finite number, at least `min` when given. */
export function parseNumber(name: string, min = Number.NEGATIVE_INFINITY): (value: string) => number {
  return (value) => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x) || x < min) {
      throw new Error(
        `${name} must be a number${min > Number.NEGATIVE_INFINITY ? ` ≥ ${min}` : ''}, got "${value}"`,
      );
    }
    return x;
  };
}

/** A time budget in seconds (tune's --budget, compare's --tune): a number > 0. */
export function parseSeconds(name: string): (value: string) => number {
  return (value) => {
    const seconds = Number(value);
    if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
      throw new Error(`${name} must be a number of seconds > 0, got "${value}"`);
    }
    return seconds;
  };
}

export interface DataOptions {
  data: string;
  tags?: string;
  skipBad?: boolean;
  implicit?: boolean;
  test?: string;
}

/** Reads the --data spec (and --test file, sharing its ids), with --tags and --skip-bad. */
export async function loadData(
  options: DataOptions,
): Promise<{ data: Dataset; test?: Dataset; skipped: number }> {
  const data = await readDataSpec(options.data, {
    tags: options.tags,
    skipBad: options.skipBad,
    implicit: options.implicit,
  });
  const read = options.test
    ? await readTestFile(options.data, options.test, data, { skipBad: options.skipBad })
    : undefined;
  const test = read && data.implicit ? asImplicit(read) : read;
  return { data, test, skipped: data.skipped + (test?.skipped ?? 0) };
}

/** The title of an item when the data knows it, else its id. */
export function titleOf(data: Dataset | undefined, item: string): string {
  const title = data?.items.get(item)?.title;
  return title ? `${title} (${item})` : item;
}
