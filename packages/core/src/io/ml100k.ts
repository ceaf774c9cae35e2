import { join } from 'node:path';
import type { Dataset, Fold, ItemInfo, ItemTag } from '../data/dataset.js';
import type { IdMap } from '../data/id-map.js';
import { type Interactions, InteractionsBuilder } from '../data/interactions.js';
import { type ReadOptions, readRatingRows } from './delimited.js';
import { assertDirectory, BadLine, isFile, readLines } from './line-reader.js';

export interface Ml100kOptions extends ReadOptions {
  /** Read the official folds u1..u5 (default true). */
  folds?: boolean;
}

const SCALE = { min: 1, max: 5 };
const FOLDS = ['u1', 'u2', 'u3', 'u4', 'u5'];

/**
 * Reads a MovieLens 100k folder: `u.data` (ratings with time), `u.item` and `u.genre` (titles, genres, and
 * the genres as tags of weight 1) and the official folds u1..u5 present in the folder, which share the id
 * maps of `ratings`.
 */
export async function readMl100k(dir: string, options: Ml100kOptions = {}): Promise<Dataset> {
  await assertDirectory(dir);
  const all = await readMl100kRatings(join(dir, 'u.data'), options);
  let skipped = all.skipped;
  const genres = await readGenres(join(dir, 'u.genre'), options);
  skipped += genres.skipped;
  const catalogue = await readItems(join(dir, 'u.item'), genres.names, options);
  skipped += catalogue.skipped;

  const folds: Fold[] = [];
  if (options.folds !== false) {
    const maps = { skipBad: options.skipBad, users: all.ratings.users, items: all.ratings.items };
    for (const name of FOLDS) {
      // Folds are read one after the other so that ids first seen in a fold get the same indices every time.
      if (!(await isFile(join(dir, `${name}.base`)))) continue;
      const train = await readMl100kRatings(join(dir, `${name}.base`), maps);
      const test = await readMl100kRatings(join(dir, `${name}.test`), maps);
      skipped += train.skipped + test.skipped;
      folds.push({ name, train: train.ratings, test: test.ratings });
    }
  }
  return {
    kind: 'ml100k',
    source: dir,
    ratings: all.ratings,
    items: catalogue.items,
    tags: catalogue.tags,
    ...(folds.length > 0 ? { folds } : {}),
    scale: { ...SCALE },
    skipped,
  };
}

/** Reads one file in the `u.data` format: `user item rating timestamp`, tab-separated, ratings 1..5. */
export async function readMl100kRatings(
  file: string,
  options: { skipBad?: boolean; users?: IdMap; items?: IdMap } = {},
): Promise<{ ratings: Interactions; skipped: number }> {
  const builder = new InteractionsBuilder(options.users, options.items);
  const { skipped } = await readRatingRows(
    file,
    { sep: '\t', header: false, user: 0, item: 1, rating: 2, time: 3, fieldCount: 4 },
    (user, item, rating, time) => {
      if (rating < SCALE.min || rating > SCALE.max) throw new BadLine(`rating ${rating} is outside 1..5`);
      builder.add(user, item, rating, time);
    },
    options,
  );
  return { ratings: builder.build(), skipped };
}

/** `u.genre`: lines `name|index`, indices 0..n-1 giving the order of the genre flags in `u.item`. */
async function readGenres(file: string, options: ReadOptions): Promise<{ names: string[]; skipped: number }> {
  const names: string[] = [];
  const skipped = await readLines(
    file,
    (line) => {
      const bar = line.lastIndexOf('|');
      if (bar === -1) throw new BadLine('expected name|index');
      const name = line.slice(0, bar).trim();
      const indexText = line.slice(bar + 1).trim();
      if (name === '') throw new BadLine('empty genre name');
      if (!/^\d+$/.test(indexText))
        throw new BadLine(`genre index "${indexText}" is not a non-negative integer`);
      const index = Number(indexText);
      if (names[index] !== undefined) throw new BadLine(`genre index ${index} is used twice`);
      names[index] = name;
    },
    options,
  );
  for (let i = 0; i < names.length; i++) {
    if (names[i] === undefined) throw new Error(`${file}: no genre has index ${i} (indices must run 0..n-1)`);
  }
  if (names.length === 0) throw new Error(`${file}: no genres`);
  return { names, skipped };
}

/** `u.item` (latin-1): id|title|release date|video release date|IMDb URL|one 0/1 flag per genre. */
async function readItems(file: string, genreNames: string[], options: ReadOptions) {
  const items = new Map<string, ItemInfo>();
  const tags = new Map<string, ItemTag[]>();
  const expected = 5 + genreNames.length;
  const skipped = await readLines(
    file,
    (line) => {
      const fields = line.split('|');
      if (fields.length !== expected) {
        throw new BadLine(
          `expected ${expected} fields separated by "|" (5 + ${genreNames.length} genres), found ${fields.length}`,
        );
      }
      const id = fields[0].trim();
      if (id === '') throw new BadLine('empty item id');
      const genres: string[] = [];
      for (let g = 0; g < genreNames.length; g++) {
        const flag = fields[5 + g].trim();
        if (flag === '1') genres.push(genreNames[g]);
        else if (flag !== '0') throw new BadLine(`genre flag "${flag}" for ${genreNames[g]} is not 0 or 1`);
      }
      const info: ItemInfo = { title: decodeTitle(fields[1].trim()), genres };
      const released = fields[2].trim();
      if (released !== '') info.released = released;
      items.set(id, info);
      if (genres.length > 0)
        tags.set(
          id,
          genres.map((tag) => ({ tag, weight: 1 })),
        );
    },
    { ...options, encoding: 'latin1' },
  );
  return { items, tags, skipped };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The GroupLens file is latin-1, but copies re-encoded as UTF-8 circulate: a title read as latin-1 whose
 * bytes form valid UTF-8 is decoded again as UTF-8 (latin-1 text almost never happens to be valid UTF-8).
 */
function decodeTitle(title: string): string {
  if (!/[\x80-\xff]/.test(title)) return title;
  try {
    return utf8.decode(Buffer.from(title, 'latin1'));
  } catch {
    return title;
  }
}
