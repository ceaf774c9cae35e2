import type { Command } from 'commander';
import {
  type Dataset,
  defaultThreads,
  FEATURE_MODEL_FAMILIES,
  FEATURES_SYNTAX,
  FeatureEncoder,
  type FeatureTask,
  MODEL_FAMILIES,
  type ParamValue,
  PROTOCOL_SYNTAX,
  type Protocol,
  parseProtocol,
  readDataSpec,
  readTestFile,
} from 'osusume';

export const DATA_SPEC_HELP =
  'ml100k:<dir> | anime:<dir> | csv:<file>[?sep=<c>&user=<col>&item=<col>&rating=<col>&header=0|1] | kt:<file> (user,item,skill,correct[,time]) | dkvmn:<dir> (train/test files)';

/** The model families and their parameters, for --help. */
export function modelsHelp(): string {
  const lines = ['', 'Models and their parameters (--param key=value):'];
  for (const family of [...MODEL_FAMILIES, ...FEATURE_MODEL_FAMILIES]) {
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
    .option('--skip-bad', 'skip malformed lines (and count them) instead of stopping');
}

/** --param, --seed, --threads and --json: how a fit runs and reports. */
export function withFitOptions(command: Command): Command {
  return command
    .option(
      '--param <key=value>',
      'model parameter (repeatable; model.key=value for one model of several)',
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
    .option('--folds <n>', 'random splits for holdout and seedtable', parseWholeNumber('--folds', 1), 1)
    .option('--test <file>', 'test file in the same format as --data (protocol given)');
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

/** `--param als.factors=32` style options for one model out of several (compare): "als.x" and plain "x". */
export function paramsFor(model: string, all: Record<string, string>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [key, value] of Object.entries(all)) {
    const dot = key.indexOf('.');
    if (dot < 0) out[key] = value;
    else if (key.slice(0, dot) === model) out[key.slice(dot + 1)] = value;
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
  test?: string;
}

/** Reads the --data spec (and --test file, sharing its ids), with --tags and --skip-bad. */
export async function loadData(
  options: DataOptions,
): Promise<{ data: Dataset; test?: Dataset; skipped: number }> {
  const data = await readDataSpec(options.data, { tags: options.tags, skipBad: options.skipBad });
  const test = options.test
    ? await readTestFile(options.data, options.test, data, { skipBad: options.skipBad })
    : undefined;
  return { data, test, skipped: data.skipped + (test?.skipped ?? 0) };
}

/** The title of an item when the data knows it, else its id. */
export function titleOf(data: Dataset | undefined, item: string): string {
  const title = data?.items.get(item)?.title;
  return title ? `${title} (${item})` : item;
}
