import { type Dataset, type ParamValue, readDataSpec, readTestFile } from 'osusume';

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
