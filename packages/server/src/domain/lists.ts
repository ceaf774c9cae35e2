import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { Db } from '../db/schema.js';
import { type Choice, isChoice } from './choices.js';
import type { ChoiceCounts } from './counters.js';
import { compareRanked, type TitleMatch } from './title-index.js';
import type { ListSort } from './vocabulary.js';

/**
 * Who gets into the ranked lists. Mangaki tuned these for 350,000 ratings; a smaller or larger catalogue
 * may want others (they are configuration).
 */
export interface ListThresholds {
  /** top: at least this many ratings (seen: favorite, like, neutral, dislike). */
  top: { minRatings: number };
  /** pearls: liked by some, between minRatings and maxRatings ratings, dislikes/likes ≤ dislikes/likes. */
  pearls: { minRatings: number; maxRatings: number; maxDislikes: number; perLikes: number };
  /** random: at least minRatings ratings, at most maxDislikes dislikes, likes ≥ likesPerDislike·dislikes. */
  random: { minRatings: number; maxDislikes: number; likesPerDislike: number };
}

export const DEFAULT_LIST_THRESHOLDS: ListThresholds = {
  top: { minRatings: 80 },
  pearls: { minRatings: 30, maxRatings: 126, maxDislikes: 5, perLikes: 42 },
  random: { minRatings: 28, maxDislikes: 17, likesPerDislike: 3 },
};

export type ListThresholdOverrides = { [K in keyof ListThresholds]?: Partial<ListThresholds[K]> };

/** The default thresholds with some of them replaced; each must be a finite number ≥ 0. */
export function listThresholds(overrides: ListThresholdOverrides = {}): ListThresholds {
  const result: ListThresholds = {
    top: { ...DEFAULT_LIST_THRESHOLDS.top, ...overrides.top },
    pearls: { ...DEFAULT_LIST_THRESHOLDS.pearls, ...overrides.pearls },
    random: { ...DEFAULT_LIST_THRESHOLDS.random, ...overrides.random },
  };
  for (const [list, values] of Object.entries(result)) {
    for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new Error(`list threshold ${list}.${name}: expected a number ≥ 0, got ${String(value)}`);
      }
    }
  }
  return result;
}

/**
 * Thresholds from text such as `top.minRatings=40,pearls.maxRatings=200` (an environment setting); the
 * ones not named keep their defaults.
 */
export function parseListThresholds(text: string): ListThresholds {
  const result = listThresholds();
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const match = /^\s*(top|pearls|random)\.(\w+)\s*=\s*([0-9.]+)\s*$/.exec(part);
    const group = match ? (result[match[1] as keyof ListThresholds] as Record<string, number>) : undefined;
    if (!match || !group || !(match[2] in group) || !Number.isFinite(Number(match[3]))) {
      const names = Object.entries(result).flatMap(([list, values]) =>
        Object.keys(values).map((k) => `${list}.${k}`),
      );
      throw new Error(`list thresholds "${part}": expected name=number, the names being ${names.join(', ')}`);
    }
    group[match[2]] = Number(match[3]);
  }
  return result;
}

/**
 * The thresholds of a configuration object: its `listThresholds` field when it has one (the service's
 * configuration may carry overrides), the defaults otherwise.
 */
export function thresholdsOf(config: object): ListThresholds {
  const overrides = (config as { listThresholds?: ListThresholdOverrides | ListThresholds }).listThresholds;
  return overrides ? listThresholds(overrides) : DEFAULT_LIST_THRESHOLDS;
}

/** A work as lists and cards show it. */
export interface WorkCard {
  id: string;
  title: string;
  category: string;
  type: string | null;
  episodes: number | null;
  genres: string[];
  /** Adult content (shown only to visitors who opted in). */
  adult: boolean;
  counters: ChoiceCounts & { nbRatings: number };
  /** The visitor's rating of it, if any. */
  myRating: Choice | null;
}

/** Which works a list draws from. */
export interface ListFilters {
  /** Only these works: the matches of a title search (WorkSearch), best first. */
  matches?: readonly TitleMatch[] | undefined;
  category?: string | undefined;
  /** The work's type: TV, Movie, OVA… */
  type?: string | undefined;
  /** One of the work's genres. */
  genre?: string | undefined;
  /** Leave out the works this user rated (any choice). */
  unratedBy?: number | undefined;
  /** Leave out these works. */
  exclude?: readonly string[] | undefined;
  /** Include adult works (only for a visitor who opted in; hidden by default). */
  adult?: boolean | undefined;
}

export interface ListRequest extends ListFilters {
  sort: ListSort;
  /** 1-based. */
  page: number;
  pageSize: number;
  /** Orders `random` the same way on every page. */
  seed?: string | undefined;
  /** The visitor, for `myRating`. */
  userId?: number | undefined;
}

export interface ListPage {
  items: WorkCard[];
  total: number;
}

/** Works with their counters (none for works nobody rated yet). */
function worksWithCounters(db: Db) {
  return db.selectFrom('works').leftJoin('work_counters as c', 'c.work_id', 'works.id');
}
type Base = ReturnType<typeof worksWithCounters>;
type BaseDb = Base extends SelectQueryBuilder<infer D, infer _T, infer _O> ? D : never;
type BaseTables = Base extends SelectQueryBuilder<infer _D, infer T, infer _O> ? T : never;
type ListQuery<O> = SelectQueryBuilder<BaseDb, BaseTables, O>;

/** `%`, `_` and the escape character itself taken literally in a LIKE pattern (with `escape '!'`). */
function likeLiteral(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`);
}

/**
 * The works of a list with its filters and its thresholds applied, not yet ordered: every list and
 * search goes through here.
 */
function listQuery(db: Db, sort: ListSort, filters: ListFilters, thresholds: ListThresholds) {
  let query = worksWithCounters(db);
  const { matches, category, type, genre } = filters;
  if (!filters.adult) query = query.where('works.adult', '=', 0);
  if (matches) {
    query =
      matches.length > 0
        ? query.where(
            'works.id',
            'in',
            matches.map((m) => m.id),
          )
        : query.where(sql<SqlBool>`1 = 0`);
  }
  if (category) query = query.where('works.category', '=', category);
  if (type) query = query.where('works.type', '=', type);
  if (genre) {
    // Genres are stored as "Action, Comedy": a whole name between separators, not a part of one.
    const among = sql`', ' || ${sql.ref('works.genres')} || ', '`;
    query = query.where(sql<SqlBool>`${among} like ${`%, ${likeLiteral(genre)}, %`} escape '!'`);
  }
  const { unratedBy, exclude } = filters;
  if (unratedBy !== undefined) {
    query = query.where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('ratings')
            .select('ratings.work_id')
            .where('ratings.user_id', '=', unratedBy)
            .whereRef('ratings.work_id', '=', 'works.id'),
        ),
      ),
    );
  }
  if (exclude && exclude.length > 0) query = query.where('works.id', 'not in', [...exclude]);
  // Thresholds are written into the SQL as numbers (validated finite): bound as parameters, PostgreSQL would
  // type them after the integer columns and refuse 2.5.
  switch (sort) {
    case 'top':
      return query.where('c.nb_ratings', '>=', sql.lit(Math.max(1, thresholds.top.minRatings)));
    case 'pearls': {
      const { minRatings, maxRatings, maxDislikes, perLikes } = thresholds.pearls;
      return query
        .where('c.like', '>', 0)
        .where('c.nb_ratings', '>=', sql.lit(minRatings))
        .where('c.nb_ratings', '<=', sql.lit(maxRatings))
        .where(
          sql<SqlBool>`${sql.ref('c.dislike')} * ${sql.lit(perLikes)} <= ${sql.ref('c.like')} * ${sql.lit(maxDislikes)}`,
        );
    }
    case 'random': {
      const { minRatings, maxDislikes, likesPerDislike } = thresholds.random;
      return query
        .where('c.nb_ratings', '>=', sql.lit(minRatings))
        .where('c.dislike', '<=', sql.lit(maxDislikes))
        .where(sql<SqlBool>`${sql.ref('c.like')} >= ${sql.lit(likesPerDislike)} * ${sql.ref('c.dislike')}`);
    }
    default:
      return query;
  }
}

/** Orders a list's query; ties always broken by id so that pages do not overlap. */
function ordered<O>(query: ListQuery<O>, sort: ListSort): ListQuery<O> {
  switch (sort) {
    case 'top':
      query = query.orderBy(sql`${sql.ref('c.sum')} / ${sql.ref('c.nb_ratings')}`, 'desc');
      break;
    case 'pearls':
      // Among equal ratios (most often no dislike at all), the most liked first.
      query = query
        .orderBy(sql`1.0 * ${sql.ref('c.dislike')} / ${sql.ref('c.like')}`, 'asc')
        .orderBy('c.like', 'desc');
      break;
    case 'popular':
    case 'relevance':
      query = query.orderBy(sql`coalesce(${sql.ref('c.nb_ratings')}, 0)`, 'desc');
      break;
    case 'controversial':
      query = query.orderBy(sql`coalesce(${sql.ref('c.controversy')}, 0)`, 'desc');
      break;
    case 'random':
      // Mosaic cards: a fresh draw each time (lists use a seeded order instead, see listWorks).
      query = query.orderBy(sql`random()`);
      break;
    case 'new':
      query = query.orderBy('works.created_at', 'desc');
      break;
    case 'alphabetical':
      query = query.orderBy('works.title_search').orderBy('works.title');
      break;
  }
  return query.orderBy('works.id');
}

const CARD_COLUMNS = [
  'works.id',
  'works.title',
  'works.category',
  'works.type',
  'works.episodes',
  'works.genres',
  'works.adult',
  'c.favorite',
  'c.like',
  'c.neutral',
  'c.dislike',
  'c.willsee',
  'c.wontsee',
  'c.nb_ratings',
] as const;

interface CardRow {
  id: string;
  title: string;
  category: string;
  type: string | null;
  episodes: number | null;
  genres: string;
  adult: number;
  favorite: number | null;
  like: number | null;
  neutral: number | null;
  dislike: number | null;
  willsee: number | null;
  wontsee: number | null;
  nb_ratings: number | null;
}

function toCard(row: CardRow, myRating: Choice | null): WorkCard {
  return {
    id: row.id,
    title: row.title,
    category: row.category,
    type: row.type,
    episodes: row.episodes === null ? null : Number(row.episodes),
    genres: splitGenres(row.genres),
    adult: row.adult === 1,
    counters: {
      favorite: Number(row.favorite ?? 0),
      like: Number(row.like ?? 0),
      neutral: Number(row.neutral ?? 0),
      dislike: Number(row.dislike ?? 0),
      willsee: Number(row.willsee ?? 0),
      wontsee: Number(row.wontsee ?? 0),
      nbRatings: Number(row.nb_ratings ?? 0),
    },
    myRating,
  };
}

export function splitGenres(genres: string): string[] {
  return genres
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
}

/** The user's choices for some works. */
async function choicesOf(
  db: Db,
  userId: number | undefined,
  ids: readonly string[],
): Promise<Map<string, Choice>> {
  const choices = new Map<string, Choice>();
  if (userId === undefined || ids.length === 0) return choices;
  const rows = await db
    .selectFrom('ratings')
    .select(['work_id', 'choice'])
    .where('user_id', '=', userId)
    .where('work_id', 'in', [...ids])
    .execute();
  for (const row of rows) if (isChoice(row.choice)) choices.set(row.work_id, row.choice);
  return choices;
}

/** The cards of some works, in the order given (unknown ids are left out). */
export async function workCards(db: Db, ids: readonly string[], userId?: number): Promise<WorkCard[]> {
  if (ids.length === 0) return [];
  const [rows, choices] = await Promise.all([
    worksWithCounters(db)
      .select(CARD_COLUMNS)
      .where('works.id', 'in', [...ids])
      .execute(),
    choicesOf(db, userId, ids),
  ]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [toCard(row, choices.get(id) ?? null)] : [];
  });
}

/** A page of a list, with the list's total. */
export async function listWorks(db: Db, request: ListRequest, thresholds: ListThresholds): Promise<ListPage> {
  const { sort, page, pageSize, matches } = request;
  const offset = (page - 1) * pageSize;
  const query = listQuery(db, sort, request, thresholds);
  // Orders computed here rather than in SQL: the page is cut from all the list's ids in that order.
  const pageOf = async (ids: string[]) => ({
    items: await workCards(db, ids.slice(offset, offset + pageSize), request.userId),
    total: ids.length,
  });
  if (sort === 'random') {
    // A stable shuffle for the seed: every page of one seed comes from the same order.
    const rows = await query.select('works.id').execute();
    const seed = request.seed ?? '';
    const keyed = rows.map((row) => ({ id: row.id, key: seededHash(seed, row.id) }));
    keyed.sort((a, b) => a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return pageOf(keyed.map((k) => k.id));
  }
  if (sort === 'relevance' && matches) {
    // The matcher's order, its ties broken by the current counters.
    const rows = await query.select(['works.id', 'works.members', 'c.nb_ratings']).execute();
    const matchOf = new Map(matches.map((m) => [m.id, m]));
    const ranked = rows.flatMap((row) => {
      const match = matchOf.get(row.id);
      return match
        ? [{ ...match, ratings: Number(row.nb_ratings ?? 0), members: Number(row.members ?? 0) }]
        : [];
    });
    ranked.sort(compareRanked);
    return pageOf(ranked.map((r) => r.id));
  }
  const [rows, count] = await Promise.all([
    ordered(query.select(CARD_COLUMNS), sort).limit(pageSize).offset(offset).execute(),
    query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst(),
  ]);
  const choices = await choicesOf(
    db,
    request.userId,
    rows.map((row) => row.id),
  );
  return {
    items: rows.map((row) => toCard(row, choices.get(row.id) ?? null)),
    total: Number(count?.n ?? 0),
  };
}

/** The first work of a list that passes the filters (a random one for `random`), if any. */
export async function firstWork(
  db: Db,
  sort: ListSort,
  filters: ListFilters & { userId?: number | undefined },
  thresholds: ListThresholds,
): Promise<WorkCard | undefined> {
  const row = await ordered(listQuery(db, sort, filters, thresholds).select(CARD_COLUMNS), sort)
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  const choices = await choicesOf(db, filters.userId, [row.id]);
  return toCard(row, choices.get(row.id) ?? null);
}

/** The ids of a list's first `limit` works (no cards: the fallback of recommendations ranks them itself). */
export async function listIds(
  db: Db,
  sort: ListSort,
  filters: ListFilters,
  thresholds: ListThresholds,
  limit: number,
): Promise<string[]> {
  const rows = await ordered(listQuery(db, sort, filters, thresholds).select('works.id'), sort)
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/** The categories present, with how many works each has. */
export async function categoryCounts(db: Db): Promise<{ category: string; works: number }[]> {
  const rows = await db
    .selectFrom('works')
    .select(['category', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('category')
    .orderBy('category')
    .execute();
  return rows.map((row) => ({ category: row.category, works: Number(row.n) }));
}

/** A 32-bit hash of (seed, id): FNV-1a over both, then a murmur-style finalizer for well-spread keys. */
export function seededHash(seed: string, id: string): number {
  let h = 0x811c9dc5;
  const text = `${seed}\u0000${id}`;
  for (let k = 0; k < text.length; k++) {
    h ^= text.charCodeAt(k);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
