import type { Dataset } from '../data/dataset.js';
import { readAnime, readAnimeRatings, type UnscoredMode } from './anime.js';
import { type Column, type DelimitedLayout, type ReadOptions, readDelimited } from './delimited.js';
import { parseSeparator } from './fields.js';
import { asImplicit } from './implicit.js';
import { mergeTags, readItemTags } from './item-tags.js';
import { readDkvmn, readKnowledgeTracing } from './knowledge-tracing.js';
import { readMl100k, readMl100kRatings } from './ml100k.js';

/**
 * A parsed data spec, the command line's way of naming a data set:
 * `ml100k:<dir> | anime:<dir> | csv:<file>[?sep=<c>&user=<col>&item=<col>&rating=<col>&time=<col>&header=0|1]`
 * (implicit feedback: `&weight=<col>` or `&implicit=1` instead of a rating column)
 * `| kt:<file> | dkvmn:<dir>` (knowledge tracing: answers right or wrong, in order).
 */
export type DataSpec =
  | { kind: 'ml100k'; path: string }
  | { kind: 'anime'; path: string }
  | { kind: 'kt'; path: string }
  | { kind: 'dkvmn'; path: string }
  | { kind: 'csv'; path: string; layout: DelimitedLayout };

export type DataKind = DataSpec['kind'];

const KINDS: readonly DataKind[] = ['ml100k', 'anime', 'csv', 'kt', 'dkvmn'];
const CSV_KEYS = ['sep', 'header', 'user', 'item', 'rating', 'time', 'weight', 'implicit'] as const;
type CsvKey = (typeof CSV_KEYS)[number];

const USAGE =
  'ml100k:<dir>, anime:<dir>, csv:<file>[?sep=<c>&user=<col>&item=<col>&rating=<col>&time=<col>&header=0|1&weight=<col>&implicit=1], kt:<file> or dkvmn:<dir>';

/** Parses and checks a data spec; throws an error saying what is wrong and what is accepted. */
export function parseDataSpec(spec: string): DataSpec {
  const colon = spec.indexOf(':');
  if (colon === -1) throw new Error(`data spec "${spec}" has no kind: use ${USAGE}`);
  const kind = spec.slice(0, colon).toLowerCase();
  const rest = spec.slice(colon + 1);
  const question = rest.indexOf('?');
  const path = question === -1 ? rest : rest.slice(0, question);
  const query = question === -1 ? undefined : rest.slice(question + 1);
  if (!isKind(kind)) {
    throw new Error(
      `unknown data kind "${kind}" in "${spec}": valid kinds are ${KINDS.join(', ')} (${USAGE})`,
    );
  }
  if (path === '')
    throw new Error(
      `data spec "${spec}" names no ${kind === 'csv' || kind === 'kt' ? 'file' : 'folder'}: use ${USAGE}`,
    );
  if (kind !== 'csv') {
    if (query !== undefined) throw new Error(`data spec "${spec}": ${kind} takes no options (after "?")`);
    return { kind, path };
  }
  return { kind, path, layout: parseCsvQuery(spec, query ?? '') };
}

function isKind(kind: string): kind is DataKind {
  return (KINDS as readonly string[]).includes(kind);
}

function parseCsvQuery(spec: string, query: string): DelimitedLayout {
  const layout: DelimitedLayout = {};
  const seen = new Set<string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    if (!(CSV_KEYS as readonly string[]).includes(key)) {
      throw new Error(`data spec "${spec}": unknown option "${key}" (valid options: ${CSV_KEYS.join(', ')})`);
    }
    if (eq === -1) throw new Error(`data spec "${spec}": option "${key}" needs a value (${key}=...)`);
    if (seen.has(key)) throw new Error(`data spec "${spec}": option "${key}" is given twice`);
    seen.add(key);
    const value = decodeValue(spec, key, pair.slice(eq + 1));
    setOption(spec, layout, key as CsvKey, value);
  }
  if (layout.rating !== undefined && (layout.weight !== undefined || layout.implicit)) {
    throw new Error(
      `data spec "${spec}": a rating column does not go with weight or implicit (implicit rows have weights)`,
    );
  }
  return layout;
}

function decodeValue(spec: string, key: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new Error(`data spec "${spec}": the value of "${key}" is not valid percent-encoding`);
  }
}

function setOption(spec: string, layout: DelimitedLayout, key: CsvKey, value: string): void {
  switch (key) {
    case 'sep':
      try {
        parseSeparator(value);
      } catch (err) {
        throw new Error(`data spec "${spec}": ${(err as Error).message}`);
      }
      layout.sep = value;
      return;
    case 'header':
    case 'implicit':
      if (value === '1' || value === 'true') layout[key] = true;
      else if (value === '0' || value === 'false') layout[key] = false;
      else throw new Error(`data spec "${spec}": ${key} must be 0 or 1, not "${value}"`);
      return;
    default:
      layout[key] = parseColumn(spec, key, value);
  }
}

/** A column is a 0-based position when it is all digits, else a header name. */
function parseColumn(spec: string, key: string, value: string): Column {
  const text = value.trim();
  if (text === '') throw new Error(`data spec "${spec}": ${key} needs a column position or name`);
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** The spec back as text (what `Dataset.source` records when a parsed spec is read). */
export function formatDataSpec(spec: DataSpec): string {
  if (spec.kind !== 'csv') return `${spec.kind}:${spec.path}`;
  const query = CSV_KEYS.flatMap((key) => {
    const value = spec.layout[key];
    if (value === undefined) return [];
    const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    return [`${key}=${encodeURIComponent(text)}`];
  });
  return query.length === 0 ? `csv:${spec.path}` : `csv:${spec.path}?${query.join('&')}`;
}

export interface DataSpecOptions extends ReadOptions {
  /** An item tags file (`item tag [weight]` lines) merged into `Dataset.tags`. */
  tags?: string;
  /** Anime data: keep the -1 rows apart ('separate', default) or drop them. */
  unscored?: UnscoredMode;
  /** MovieLens: read the official folds u1..u5 (default true). */
  folds?: boolean;
  /** Read every row as an interaction of weight 1, the anime data's -1 rows included (`asImplicit`). */
  implicit?: boolean;
}

/** Reads the data set a spec names, with the tags file of `options.tags` merged into its tags. */
export async function readDataSpec(spec: string | DataSpec, options: DataSpecOptions = {}): Promise<Dataset> {
  const parsed = typeof spec === 'string' ? parseDataSpec(spec) : spec;
  const source = typeof spec === 'string' ? spec : formatDataSpec(spec);
  const base = { skipBad: options.skipBad, users: options.users, items: options.items };
  let data: Dataset;
  switch (parsed.kind) {
    case 'ml100k':
      data = await readMl100k(parsed.path, { ...base, folds: options.folds });
      break;
    case 'anime':
      data = await readAnime(parsed.path, { ...base, unscored: options.unscored });
      break;
    case 'csv':
      data = await readDelimited(parsed.path, { ...base, ...parsed.layout });
      break;
    case 'kt':
      data = await readKnowledgeTracing(parsed.path, base);
      break;
    case 'dkvmn':
      data = await readDkvmn(parsed.path, base);
      break;
  }
  data.source = source;
  if (options.implicit) data = asImplicit(data);
  if (options.tags !== undefined) {
    const extra = await readItemTags(options.tags, { skipBad: options.skipBad });
    data.tags = mergeTags(data.tags, extra.tags);
    data.skipped += extra.skipped;
  }
  return data;
}

/**
 * Reads a test file in the format of a training spec (`--protocol given --test <file>`), sharing the
 * training data's id maps: ml100k reads a u.data-style file, anime a ratings.csv-style file, csv the same
 * column options as the spec. Users and items unseen in training are added to the shared maps. The result
 * keeps the training data's item metadata, tags and scale.
 */
export async function readTestFile(
  spec: string | DataSpec,
  file: string,
  train: Dataset,
  options: { skipBad?: boolean; unscored?: UnscoredMode } = {},
): Promise<Dataset> {
  const parsed = typeof spec === 'string' ? parseDataSpec(spec) : spec;
  const maps = { skipBad: options.skipBad, users: train.ratings.users, items: train.ratings.items };
  const shared = { kind: parsed.kind, source: file, items: train.items, scale: { ...train.scale } };
  const tags = train.tags ? { tags: train.tags } : {};
  switch (parsed.kind) {
    case 'ml100k': {
      const { ratings, skipped } = await readMl100kRatings(file, maps);
      return { ...shared, ...tags, ratings, skipped };
    }
    case 'anime': {
      const read = await readAnimeRatings(file, { ...maps, unscored: options.unscored });
      const unscored = read.unscored ? { unscored: read.unscored } : {};
      return { ...shared, ...tags, ...unscored, ratings: read.ratings, skipped: read.skipped };
    }
    case 'csv': {
      const { ratings, skipped } = await readDelimited(file, { ...maps, ...parsed.layout });
      return { ...shared, ...tags, ratings, skipped };
    }
    case 'kt': {
      const read = await readKnowledgeTracing(file, { ...maps, skills: train.skills?.ids });
      return { ...read, source: file };
    }
    case 'dkvmn':
      throw new Error(`dkvmn:${parsed.path} ships its own test file; it takes no --test`);
  }
}
