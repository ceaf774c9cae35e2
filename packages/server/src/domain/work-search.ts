import type { Db } from '../db/schema.js';
import { splitGenres } from './lists.js';
import { type TitleEntry, TitleIndex } from './title-index.js';

/** The values a list can be filtered by, with how many works have each. */
export interface Facets {
  types: { type: string; works: number }[];
  genres: { genre: string; works: number }[];
}

/** What searches run against: the titles in memory and the filters the catalogue offers. */
export interface SearchSnapshot {
  titles: TitleIndex;
  /** The filters over the works everyone sees, and over all of them (for accounts shown adult works). */
  facets: { everyone: Facets; adult: Facets };
}

/**
 * The title index of this process, kept in step with the works table: a use asks the database for a
 * signature of the works and their other names (how many, the newest) when the last look is older
 * than `recheckMs`, and rebuilds the index when it changed, e.g. after an import (works are added or
 * removed, never retitled). The signature costs a scan of the works, a millisecond or more: not on every
 * keystroke of every visitor, for works that change once, at the first start. Looks that overlap share
 * one query. The ratings counts the index ranks by are those of its last rebuild: they only choose
 * which matches a broad search keeps (listWorks orders them by the current counters).
 */
export class WorkSearch {
  private snapshot: SearchSnapshot | undefined;
  private signature = '';
  private lookedAt = Number.NEGATIVE_INFINITY;
  private looking: Promise<SearchSnapshot> | undefined;

  constructor(
    private readonly db: Db,
    private readonly recheckMs = 2000,
  ) {}

  current(): Promise<SearchSnapshot> {
    if (this.snapshot && performance.now() - this.lookedAt < this.recheckMs)
      return Promise.resolve(this.snapshot);
    this.looking ??= this.look().finally(() => {
      this.looking = undefined;
    });
    return this.looking;
  }

  private async look(): Promise<SearchSnapshot> {
    const started = performance.now();
    const signature = await worksSignature(this.db);
    if (!this.snapshot || signature !== this.signature) {
      this.snapshot = await loadSnapshot(this.db);
      this.signature = signature;
    }
    this.lookedAt = started;
    return this.snapshot;
  }
}

/** Changes whenever works or alternate titles are added or removed. */
async function worksSignature(db: Db): Promise<string> {
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('works')
        .select((w) => w.fn.countAll<number | string>().as('n'))
        .as('works'),
      eb
        .selectFrom('works')
        .select((w) => w.fn.max('created_at').as('latest'))
        .as('latest'),
      eb
        .selectFrom('alternate_titles')
        .select((a) => a.fn.countAll<number | string>().as('n'))
        .as('alternates'),
    ])
    .executeTakeFirstOrThrow();
  return `${row.works} ${row.latest} ${row.alternates}`;
}

async function loadSnapshot(db: Db): Promise<SearchSnapshot> {
  const [works, alternates] = await Promise.all([
    db
      .selectFrom('works')
      .leftJoin('work_counters as c', 'c.work_id', 'works.id')
      .select([
        'works.id',
        'works.title',
        'works.type',
        'works.genres',
        'works.adult',
        'works.members',
        'c.nb_ratings',
      ])
      .execute(),
    db
      .selectFrom('alternate_titles')
      .select(['work_id', 'title'])
      .orderBy('work_id')
      .orderBy('position')
      .execute(),
  ]);
  const others = new Map<string, string[]>();
  for (const { work_id, title } of alternates) {
    const list = others.get(work_id);
    if (list) list.push(title);
    else others.set(work_id, [title]);
  }
  const entries: TitleEntry[] = works.map((work) => ({
    id: work.id,
    titles: [work.title, ...(others.get(work.id) ?? [])],
    ratings: Number(work.nb_ratings ?? 0),
    members: Number(work.members ?? 0),
  }));
  return {
    titles: new TitleIndex(entries),
    facets: { everyone: facetsOf(works.filter((work) => work.adult !== 1)), adult: facetsOf(works) },
  };
}

/** The types (a handful, the commonest first) and genres (dozens, by name) of these works. */
function facetsOf(works: readonly { type: string | null; genres: string }[]): Facets {
  const types = new Map<string, number>();
  const genres = new Map<string, number>();
  for (const work of works) {
    if (work.type) types.set(work.type, (types.get(work.type) ?? 0) + 1);
    for (const genre of splitGenres(work.genres)) genres.set(genre, (genres.get(genre) ?? 0) + 1);
  }
  const byName = (a: [string, number], b: [string, number]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  return {
    types: [...types].sort((a, b) => b[1] - a[1] || byName(a, b)).map(([type, n]) => ({ type, works: n })),
    genres: [...genres].sort(byName).map(([genre, n]) => ({ genre, works: n })),
  };
}
