import type { Db } from '../db/schema.js';
import { splitGenres } from '../domain/lists.js';

export interface WorkSummary {
  id: string;
  title: string;
  category: string;
  type: string | null;
  genres: string[];
  /** Adult content, hidden from visitors who have not opted in. */
  adult: boolean;
}

/** Titles, categories and genres of every work, kept in memory for the hot recommendation path. */
export class Catalogue {
  private constructor(private readonly works: Map<string, WorkSummary>) {}

  static async load(db: Db): Promise<Catalogue> {
    const rows = await db
      .selectFrom('works')
      .select(['id', 'title', 'category', 'type', 'genres', 'adult'])
      .execute();
    return new Catalogue(
      new Map(
        rows.map((r) => [
          r.id,
          {
            id: r.id,
            title: r.title,
            category: r.category,
            type: r.type,
            genres: splitGenres(r.genres),
            adult: r.adult === 1,
          },
        ]),
      ),
    );
  }

  static of(works: WorkSummary[]): Catalogue {
    return new Catalogue(new Map(works.map((w) => [w.id, w])));
  }

  get(id: string): WorkSummary | undefined {
    return this.works.get(id);
  }

  has(id: string): boolean {
    return this.works.has(id);
  }

  /** The test a work must pass to be shown to a visitor: none for one who opted into adult works. */
  visibleTo(adult: boolean): ((id: string) => boolean) | undefined {
    return adult ? undefined : (id) => this.works.get(id)?.adult !== true;
  }

  get size(): number {
    return this.works.size;
  }
}
