import type { ItemTag } from '../data/dataset.js';
import { detectSeparator, parseNumber, parseSeparator, type Separator, splitFields } from './fields.js';
import { BadLine, readLines } from './line-reader.js';

export interface ItemTagsOptions {
  /** Skip malformed lines and count them in `skipped` instead of failing on the first one. */
  skipBad?: boolean;
  /** Separator name or character; detected on the first line by default (tab, comma, ';', '|', whitespace). */
  sep?: string;
  /** Whether the first line names the columns; by default only when its third field is not a number. */
  header?: boolean;
}

export interface ItemTags {
  /** Tags by item id, in file order; a tag given twice for one item keeps its last weight. */
  tags: Map<string, ItemTag[]>;
  skipped: number;
}

/**
 * Reads an item tags file: lines `item tag [weight]`, separated by tabs, commas (or ';', '|') or whitespace, the weight
 * defaulting to 1. A tag that contains the separator (a space, say) is written in double quotes.
 */
export async function readItemTags(file: string, options: ItemTagsOptions = {}): Promise<ItemTags> {
  const tags = new Map<string, ItemTag[]>();
  let sep: Separator | undefined = options.sep === undefined ? undefined : parseSeparator(options.sep);
  let first = true;
  const skipped = await readLines(
    file,
    (line) => {
      sep ??= detectSeparator(line);
      const fields = splitFields(line, sep);
      if (first) {
        first = false;
        const isHeader = options.header ?? (fields.length === 3 && Number.isNaN(parseNumber(fields[2])));
        if (isHeader) return;
      }
      if (fields.length < 2 || fields.length > 3) {
        throw new BadLine(`expected item, tag and an optional weight, found ${fields.length} fields`);
      }
      const [item, tag] = fields;
      if (item === '') throw new BadLine('empty item id');
      if (tag === '') throw new BadLine('empty tag');
      const weight = fields.length === 3 ? parseNumber(fields[2]) : 1;
      if (Number.isNaN(weight)) throw new BadLine(`weight "${fields[2]}" is not a number`);
      const list = tags.get(item);
      if (list === undefined) tags.set(item, [{ tag, weight }]);
      else setTag(list, tag, weight);
    },
    options,
  );
  return { tags, skipped };
}

/**
 * Adds `extra` tags to `base` (which may be absent): per item, a tag already present takes the new weight,
 * others are appended. Returns a new map; the inputs are left unchanged.
 */
export function mergeTags(
  base: Map<string, ItemTag[]> | undefined,
  extra: Map<string, ItemTag[]>,
): Map<string, ItemTag[]> {
  const merged = new Map<string, ItemTag[]>();
  for (const [item, list] of base ?? [])
    merged.set(
      item,
      list.map((t) => ({ ...t })),
    );
  for (const [item, list] of extra) {
    const into = merged.get(item);
    if (into === undefined) {
      merged.set(
        item,
        list.map((t) => ({ ...t })),
      );
      continue;
    }
    for (const t of list) setTag(into, t.tag, t.weight);
  }
  return merged;
}

/** Gives `tag` its weight in `list`, appending it when it is new. */
function setTag(list: ItemTag[], tag: string, weight: number): void {
  const known = list.find((t) => t.tag === tag);
  if (known) known.weight = weight;
  else list.push({ tag, weight });
}
