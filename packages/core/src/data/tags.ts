import { mergeTags } from '../io/item-tags.js';
import type { ItemTag } from './dataset.js';
import type { IdMap } from './id-map.js';

/**
 * Where item tags come from: the data's genres, a tags file, or a model that reads posters. A source
 * returns weighted tags by item id for the items it is asked about (it may return others; they are
 * ignored), synchronously or not (a poster model reads files).
 */
export interface TagSource {
  readonly name: string;
  tags(items: IdMap): Map<string, ItemTag[]> | Promise<Map<string, ItemTag[]>>;
}

/**
 * How a tag's weight becomes a value in the tag matrix:
 * - `binary`: 1 for every tag an item carries with a non-zero weight;
 * - `given`: the weight as given (a poster model's confidence, a tags file's third column);
 * - `tfidf`: the given weight × log(N / df), N the items that have any tag and df those that have
 *   this one, so a tag nearly every item carries weighs little and a rare one much.
 */
export type TagWeighting = 'binary' | 'tfidf' | 'given';

export const TAG_WEIGHTINGS: readonly TagWeighting[] = ['binary', 'tfidf', 'given'];

/** Items × tags, dense and row-major, over all items of an id map (an item without tags is a row of zeros). */
export interface TagMatrix {
  /** Tag names, one per column, in code-unit order. */
  tags: string[];
  /** Number of rows (the id map's size). */
  items: number;
  /** values[j · tags.length + t]: item j's value for tag t. */
  values: Float64Array;
}

/** Tags already in memory (Dataset.tags: anime or MovieLens genres, a tags file read beforehand). */
export function inMemoryTags(tags: Map<string, ItemTag[]>, name = 'tags'): TagSource {
  return { name, tags: () => tags };
}

/**
 * The tag matrix of `items` from the tags of several sources. A later source that gives an item a tag
 * an earlier one gave too overrides its weight (as `mergeTags` does).
 */
export async function buildTagMatrix(
  items: IdMap,
  sources: readonly TagSource[],
  weighting: TagWeighting = 'binary',
): Promise<TagMatrix> {
  let merged = new Map<string, ItemTag[]>();
  for (const source of sources) merged = mergeTags(merged, await source.tags(items));
  return tagMatrix(items, merged, weighting);
}

/** The tag matrix of `items` from tags by item id (see `TagWeighting`); ids not in `items` are ignored. */
export function tagMatrix(
  items: IdMap,
  tags: ReadonlyMap<string, readonly ItemTag[]>,
  weighting: TagWeighting = 'binary',
): TagMatrix {
  if (!TAG_WEIGHTINGS.includes(weighting))
    throw new Error(`tag weighting "${weighting}": expected one of ${TAG_WEIGHTINGS.join(', ')}`);
  // Per item, its tags by name, the last weight of a repeated tag winning; zero weights are no tag.
  const rows: Map<string, number>[] = Array.from({ length: items.size }, () => new Map());
  const df = new Map<string, number>();
  let tagged = 0;
  for (const [id, list] of tags) {
    const j = items.indexOf(id);
    if (j < 0) continue;
    for (const { tag, weight } of list) {
      if (!Number.isFinite(weight))
        throw new Error(`item "${id}", tag "${tag}": weight ${weight} is not a number`);
      rows[j].set(tag, weight);
    }
    for (const [tag, weight] of rows[j]) {
      if (weight === 0) rows[j].delete(tag);
      else df.set(tag, (df.get(tag) ?? 0) + 1);
    }
    if (rows[j].size > 0) tagged++;
  }
  const names = [...df.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const column = new Map(names.map((name, t) => [name, t]));
  const width = names.length;
  const values = new Float64Array(items.size * width);
  for (let j = 0; j < rows.length; j++) {
    for (const [tag, weight] of rows[j]) {
      const t = column.get(tag) as number;
      values[j * width + t] =
        weighting === 'binary'
          ? 1
          : weighting === 'given'
            ? weight
            : weight * Math.log(tagged / (df.get(tag) as number));
    }
  }
  return { tags: names, items: items.size, values };
}
