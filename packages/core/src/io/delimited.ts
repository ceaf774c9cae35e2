import type { Dataset } from '../data/dataset.js';
import type { IdMap } from '../data/id-map.js';
import { InteractionsBuilder } from '../data/interactions.js';
import { DataFormatError } from './data-error.js';
import {
  detectSeparator,
  parseNumber,
  parseSeparator,
  type Separator,
  separatorName,
  splitFields,
} from './fields.js';
import { BadLine, readLines } from './line-reader.js';

/** Options every reader takes. */
export interface ReadOptions {
  /** Skip malformed lines and count them in `Dataset.skipped` instead of failing on the first one. */
  skipBad?: boolean;
  /** Id maps to extend (a test file shares its training file's ids); fresh maps otherwise. */
  users?: IdMap;
  items?: IdMap;
}

/** A column by 0-based position, or by name when the file has a header line. */
export type Column = number | string;

/** How to find (user, item, rating[, time]) in the lines of a delimited file. */
export interface DelimitedLayout {
  /** One character or a name ('\t', 'tab', 'comma', 'semicolon', 'pipe', 'space', 'ws'); detected when absent. */
  sep?: string;
  /** Whether the first line names the columns; detected when absent (its rating field is not a number). */
  header?: boolean;
  /** Defaults: user 0, item 1, rating 2, time 3 when the first data line has a numeric fourth field. */
  user?: Column;
  item?: Column;
  rating?: Column;
  time?: Column;
  /** Implicit data: the column of interaction weights (numbers ≥ 0), read instead of a rating. */
  weight?: Column;
  /** Implicit data: every row is an interaction of weight 1 (no value column is read unless `weight`). */
  implicit?: boolean;
}

export interface DelimitedOptions extends ReadOptions, DelimitedLayout {}

/** What `readRatingRows` decided about a file, for messages and for reading a second file the same way. */
export interface ResolvedLayout {
  sep: Separator;
  header: boolean;
  /** Column names from the header line (empty without one). */
  names: string[];
  fields: number;
  user: number;
  item: number;
  /** The value column (rating or weight); -1 when every row has weight 1. */
  rating: number;
  time: number | undefined;
}

/** Called for each data row; throw `BadLine` to reject the row (a rating out of range, say). */
export type RowHandler = (user: string, item: string, rating: number, time: number | undefined) => void;

/**
 * Reads a delimited ratings file and reports every row to `onRow`. The separator, the header and the time
 * column are settled on the first lines as `layout` says or by detection; every line must then have as many
 * fields as the first one (or `fieldCount`). Resolves to the number of skipped lines and the layout used.
 */
export async function readRatingRows(
  file: string,
  layout: DelimitedLayout & { fieldCount?: number },
  onRow: RowHandler,
  options: { skipBad?: boolean } = {},
): Promise<{ skipped: number; layout: ResolvedLayout }> {
  let resolved: ResolvedLayout | undefined;
  let timeSettled = layout.time !== undefined;
  const weights = layout.weight !== undefined;
  const valueName = weights ? 'weight' : 'rating';

  const skipped = await readLines(
    file,
    (line, lineNo) => {
      if (resolved === undefined) {
        resolved = resolveLayout(file, lineNo, line, layout, valueColumn(layout));
        if (resolved.header) return;
      }
      const { sep, fields: expected, user, item, rating } = resolved;
      const fields = splitFields(line, sep);
      if (!timeSettled) {
        timeSettled = true;
        resolved.time = defaultTime(resolved, fields);
      }
      if (fields.length !== expected) {
        throw new BadLine(
          `expected ${expected} fields separated by ${separatorName(sep)}, found ${fields.length}`,
        );
      }
      const userId = fields[user];
      if (userId === '') throw new BadLine('empty user id');
      const itemId = fields[item];
      if (itemId === '') throw new BadLine('empty item id');
      const value = rating < 0 ? 1 : parseNumber(fields[rating]);
      if (Number.isNaN(value)) throw new BadLine(`${valueName} "${fields[rating]}" is not a number`);
      if (weights && !(value >= 0)) throw new BadLine(`weight ${value} is negative`);
      let time: number | undefined;
      if (resolved.time !== undefined) {
        time = parseNumber(fields[resolved.time]);
        if (Number.isNaN(time)) throw new BadLine(`time "${fields[resolved.time]}" is not a number`);
      }
      onRow(userId, itemId, value, time);
    },
    options,
  );
  if (resolved === undefined) throw new Error(`${file}: no data (the file is empty)`);
  return { skipped, layout: resolved };
}

/** The column holding each row's value: the weight, none for implicit rows of weight 1, else the rating. */
function valueColumn(layout: DelimitedLayout): Column | undefined {
  if (layout.weight !== undefined) return layout.weight;
  return layout.implicit ? undefined : (layout.rating ?? 2);
}

function resolveLayout(
  file: string,
  lineNo: number,
  line: string,
  layout: DelimitedLayout & { fieldCount?: number },
  value: Column | undefined,
): ResolvedLayout {
  const sep = layout.sep === undefined ? detectSeparator(line) : parseSeparator(layout.sep);
  let fields: string[];
  try {
    fields = splitFields(line, sep);
  } catch (err) {
    if (err instanceof BadLine) throw new DataFormatError(file, lineNo, err.reason);
    throw err;
  }
  const columns = [layout.user ?? 0, layout.item ?? 1, ...(value === undefined ? [] : [value])];
  if (layout.time !== undefined) columns.push(layout.time);
  const byName = columns.some((c) => typeof c === 'string');
  let header = layout.header;
  if (header === undefined) {
    header =
      byName ||
      (typeof value === 'number' && value < fields.length && Number.isNaN(parseNumber(fields[value])));
  }
  if (byName && !header) {
    throw new Error(`${file}: columns are given by name but the file has no header line (header=0)`);
  }
  const names = header ? fields : [];
  const find = (column: Column, role: string): number => {
    if (typeof column === 'number') {
      if (!Number.isInteger(column) || column < 0)
        throw new Error(`${role} column ${column} is not a 0-based position`);
      return column;
    }
    let at = names.indexOf(column);
    if (at === -1) {
      const lower = column.toLowerCase();
      at = names.findIndex((name) => name.toLowerCase() === lower);
    }
    if (at === -1) {
      throw new DataFormatError(
        file,
        lineNo,
        `no ${role} column "${column}" in the header (columns: ${names.join(', ')})`,
      );
    }
    return at;
  };
  const resolved: ResolvedLayout = {
    sep,
    header,
    names,
    fields: layout.fieldCount ?? fields.length,
    user: find(layout.user ?? 0, 'user'),
    item: find(layout.item ?? 1, 'item'),
    rating: value === undefined ? -1 : find(value, layout.weight !== undefined ? 'weight' : 'rating'),
    time: layout.time === undefined ? undefined : find(layout.time, 'time'),
  };
  const widest = Math.max(resolved.user, resolved.item, resolved.rating, resolved.time ?? 0);
  if (widest >= resolved.fields) {
    throw new DataFormatError(
      file,
      lineNo,
      `column ${widest} is out of range: the first line has ${resolved.fields} fields separated by ${separatorName(sep)}`,
    );
  }
  return resolved;
}

/** Column 3 holds the time when nothing else uses it and the first data row has a number there. */
function defaultTime(layout: ResolvedLayout, firstRow: string[]): number | undefined {
  const used = [layout.user, layout.item, layout.rating];
  if (layout.fields < 4 || used.includes(3) || firstRow.length <= 3) return undefined;
  return Number.isNaN(parseNumber(firstRow[3])) ? undefined : 3;
}

/**
 * Reads a delimited file of (user, item, rating[, time]) rows: ratings.csv, u.data and the like. The scale
 * is the observed range of the ratings.
 */
export async function readDelimited(file: string, options: DelimitedOptions = {}): Promise<Dataset> {
  const builder = new InteractionsBuilder(options.users, options.items);
  const { skipped } = await readRatingRows(file, options, (u, i, r, t) => builder.add(u, i, r, t), options);
  const ratings = builder.build();
  if (ratings.length === 0) throw new Error(`${file}: no ratings found`);
  const implicit = options.implicit === true || options.weight !== undefined;
  return {
    kind: 'csv',
    source: file,
    ratings,
    items: new Map(),
    scale: ratings.range(),
    skipped,
    ...(implicit ? { implicit } : {}),
  };
}
