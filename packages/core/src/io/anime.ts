import { join } from 'node:path';
import type { Dataset, ItemInfo, ItemTag } from '../data/dataset.js';
import { type Interactions, InteractionsBuilder } from '../data/interactions.js';
import { DataFormatError } from './data-error.js';
import { type ReadOptions, readRatingRows } from './delimited.js';
import { columnsNamed, parseNumber, splitFields } from './fields.js';
import { assertDirectory, BadLine, isFile, readLines } from './line-reader.js';
import { type DetailColumns, detailColumns, parseEpisodes, readWorkDetails } from './work-details.js';

/** What to do with the "-1" rows (watched, no score): keep them apart in `Dataset.unscored`, or drop them. */
export type UnscoredMode = 'separate' | 'drop';

export interface AnimeOptions extends ReadOptions {
  /** 'separate' (default) keeps -1 rows in `Dataset.unscored`; 'drop' leaves them out. */
  unscored?: UnscoredMode;
}

const CATALOGUE_COLUMNS = [
  'anime_id',
  'name',
  'genre',
  'type',
  'episodes',
  'rating',
  'members',
  'adult',
] as const;

/** How an optional `adult` column may say yes or no (empty: not said, left to the reader of the data). */
const YES = new Set(['1', 'true', 'yes']);
const NO = new Set(['0', 'false', 'no']);

/**
 * Optional columns with other names of a work, under the header names data sets give them (MyAnimeList
 * exports say title_english, Kaggle's sets english_name…). Synonyms are several names in one field.
 */
const ALTERNATE_TITLE_COLUMNS = {
  englishTitle: ['english_name', 'title_english'],
  japaneseTitle: ['japanese_name', 'title_japanese'],
  synonyms: ['synonyms', 'title_synonyms', 'other_names'],
} as const;
type AlternateTitleKey = keyof typeof ALTERNATE_TITLE_COLUMNS;

/**
 * Reads the anime data folder: `anime.csv` (the catalogue) and `ratings.csv` or `ratings.csv.gz`
 * (`user_id,anime_id,rating`, ratings 1..10 and -1 for "watched, no score"). The catalogue may also
 * name a work otherwise (ALTERNATE_TITLE_COLUMNS): items then carry `englishTitle`, `japaneseTitle` and
 * `synonyms` (split on `|`, or on `, ` when the field has no `|`); and describe it (WORK_DETAIL_COLUMNS:
 * year, studio, synopsis, a link out and an image address, each checked).
 */
export async function readAnime(dir: string, options: AnimeOptions = {}): Promise<Dataset> {
  await assertDirectory(dir);
  const mode = options.unscored ?? 'separate';
  if (mode !== 'separate' && mode !== 'drop') {
    throw new Error(`unknown unscored mode "${String(mode)}": use 'separate' or 'drop'`);
  }
  const catalogue = await readCatalogue(join(dir, 'anime.csv'), options);
  const ratingsFile = await findRatingsFile(dir);
  const { ratings, unscored, skipped } = await readAnimeRatings(ratingsFile, options);
  return {
    kind: 'anime',
    source: dir,
    ratings,
    ...(unscored ? { unscored } : {}),
    items: catalogue.items,
    tags: catalogue.tags,
    scale: { min: 1, max: 10 },
    skipped: catalogue.skipped + skipped,
  };
}

async function findRatingsFile(dir: string): Promise<string> {
  for (const name of ['ratings.csv', 'ratings.csv.gz']) {
    const file = join(dir, name);
    if (await isFile(file)) return file;
  }
  throw new Error(`cannot read ${join(dir, 'ratings.csv')}: no such file (nor ratings.csv.gz) in ${dir}`);
}

export interface AnimeRatings {
  ratings: Interactions;
  /** The -1 rows, over the same id maps; absent with `unscored: 'drop'`. */
  unscored: Interactions | undefined;
  skipped: number;
}

/**
 * Reads a file of `user_id,anime_id,rating` rows: ratings 1..10 go to `ratings`, -1 rows to `unscored`
 * (unless `unscored: 'drop'`), both over the same id maps. Any other value is a malformed line.
 */
export async function readAnimeRatings(file: string, options: AnimeOptions = {}): Promise<AnimeRatings> {
  const explicit = new InteractionsBuilder(options.users, options.items);
  const keepUnscored = (options.unscored ?? 'separate') === 'separate';
  const seen = keepUnscored ? new InteractionsBuilder(explicit.users, explicit.items) : undefined;
  const { skipped } = await readRatingRows(
    file,
    { sep: ',', header: true, user: 'user_id', item: 'anime_id', rating: 'rating' },
    (user, item, rating) => {
      if (rating === -1) seen?.add(user, item, -1);
      else if (rating >= 1 && rating <= 10) explicit.add(user, item, rating);
      else throw new BadLine(`rating ${rating} is outside 1..10 (or -1 for watched without a score)`);
    },
    options,
  );
  return { ratings: explicit.build(), unscored: seen?.build(), skipped };
}

interface Catalogue {
  items: Map<string, ItemInfo>;
  tags: Map<string, ItemTag[]>;
  skipped: number;
}

async function readCatalogue(file: string, options: ReadOptions): Promise<Catalogue> {
  const items = new Map<string, ItemInfo>();
  const tags = new Map<string, ItemTag[]>();
  const firstLine = new Map<string, number>();
  let at: Record<(typeof CATALOGUE_COLUMNS)[number] | AlternateTitleKey, number> | undefined;
  let details: DetailColumns | undefined;
  let expected = 0;

  const skipped = await readLines(
    file,
    (line, lineNo) => {
      if (at === undefined || details === undefined) {
        const names = splitFields(line, ',').map(headerName);
        at = catalogueHeader(file, lineNo, names);
        details = detailColumns(names);
        expected = names.length;
        return;
      }
      const fields = splitFields(line, ',');
      if (fields.length !== expected)
        throw new BadLine(`expected ${expected} fields, found ${fields.length}`);
      const id = fields[at.anime_id];
      if (id === '') throw new BadLine('empty anime_id');
      const first = firstLine.get(id);
      if (first !== undefined) throw new BadLine(`anime_id ${id} already defined on line ${first}`);
      const info: ItemInfo = { title: decodeEntities(fields[at.name]) };
      const genres = at.genre >= 0 ? splitGenres(fields[at.genre]) : [];
      if (genres.length > 0) info.genres = genres;
      if (at.type >= 0 && fields[at.type] !== '') info.type = fields[at.type];
      const episodes = optionalText(fields, at.episodes);
      if (episodes !== undefined) info.episodes = parseEpisodes(episodes);
      const rating = optionalNumber(fields, at.rating, 'rating');
      if (rating !== undefined) info.rating = rating;
      const members = optionalNumber(fields, at.members, 'members');
      if (members !== undefined) info.members = members;
      const adult = at.adult >= 0 ? fields[at.adult].trim().toLowerCase() : '';
      if (YES.has(adult)) info.adult = 1;
      else if (NO.has(adult)) info.adult = 0;
      else if (adult !== '')
        throw new BadLine(`adult "${fields[at.adult]}" is not 1/0, true/false or yes/no`);
      const english = optionalText(fields, at.englishTitle);
      if (english !== undefined) info.englishTitle = english;
      const japanese = optionalText(fields, at.japaneseTitle);
      if (japanese !== undefined) info.japaneseTitle = japanese;
      const synonyms = splitSynonyms(optionalText(fields, at.synonyms) ?? '');
      if (synonyms.length > 0) info.synonyms = synonyms;
      Object.assign(
        info,
        readWorkDetails(fields, details, (column) => optionalText(fields, column)),
      );
      firstLine.set(id, lineNo);
      items.set(id, info);
      if (genres.length > 0)
        tags.set(
          id,
          genres.map((tag) => ({ tag, weight: 1 })),
        );
    },
    options,
  );
  if (at === undefined) throw new Error(`${file}: no data (the file is empty)`);
  return { items, tags, skipped };
}

/**
 * Positions of the known columns among the header's `names` (headerName: lower case, spaces as
 * underscores, so "English name" is english_name); -1 for optional ones that are absent.
 */
function catalogueHeader(file: string, lineNo: number, names: readonly string[]) {
  const at = {
    ...(Object.fromEntries(CATALOGUE_COLUMNS.map((name) => [name, names.indexOf(name)])) as Record<
      (typeof CATALOGUE_COLUMNS)[number],
      number
    >),
    ...columnsNamed(ALTERNATE_TITLE_COLUMNS, names),
  };
  if (at.anime_id === -1 || at.name === -1) {
    throw new DataFormatError(
      file,
      lineNo,
      `expected a header line naming the columns ${CATALOGUE_COLUMNS.join(',')} (anime_id and name at least)`,
    );
  }
  return at;
}

/** A header name as the columns are looked up: lower case, spaces as underscores. */
function headerName(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, '_');
}

function splitGenres(field: string): string[] {
  const genres: string[] = [];
  for (const part of field.split(',')) {
    const genre = part.trim();
    if (genre !== '') genres.push(genre);
  }
  return genres;
}

/** A numeric column that may be absent, empty or "Unknown"; anything else that is not a number is malformed. */
function optionalNumber(fields: string[], at: number, name: string): number | undefined {
  if (at < 0) return undefined;
  const text = fields[at];
  if (text === '' || text === 'Unknown') return undefined;
  const value = parseNumber(text);
  if (Number.isNaN(value)) throw new BadLine(`${name} "${text}" is not a number`);
  return value;
}

/** A text column that may be absent, empty or "Unknown" (any case), its entities decoded. */
function optionalText(fields: string[], at: number): string | undefined {
  if (at < 0) return undefined;
  const text = decodeEntities(fields[at].trim());
  return text === '' || text.toLowerCase() === 'unknown' ? undefined : text;
}

/** Several names in one field: separated by `|`, or by `, ` as MyAnimeList exports write them. */
function splitSynonyms(field: string): string[] {
  return field
    .split(field.includes('|') ? '|' : ', ')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

const ENTITIES: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>' };

/** The titles were scraped from HTML and keep entities such as &#039; and &amp;: show them as text. */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}
