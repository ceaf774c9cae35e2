import type { Db } from '../db/schema.js';
import { type AlternateTitle, loadAlternateTitles } from './alternate-titles.js';
import { type WorkCard, workCards } from './lists.js';

/** What the catalogue says of a work besides its card, each field only when it says it. */
export interface WorkDetails {
  year?: number;
  studio?: string;
  synopsis?: string;
  /** A page about the work elsewhere: an absolute http(s) address (checked on import). */
  url?: string;
  /** Its cover or poster: an absolute http(s) address (checked on import). */
  imageUrl?: string;
}

/** What the work page shows of a work apart from the model: its card, members, details and other names. */
export interface WorkAbout {
  work: WorkCard;
  /** Its data set's member count, when it gives one. */
  members: number | null;
  details: WorkDetails;
  alternateTitles: AlternateTitle[];
}

/** The work as the visitor `userId` sees it (their rating on the card); undefined when there is none. */
export async function aboutWork(
  db: Db,
  id: string,
  userId: number | undefined,
): Promise<WorkAbout | undefined> {
  const [[card], row, alternateTitles] = await Promise.all([
    workCards(db, [id], userId),
    db
      .selectFrom('works')
      .select(['members', 'year', 'studio', 'synopsis', 'url', 'image_url'])
      .where('id', '=', id)
      .executeTakeFirst(),
    loadAlternateTitles(db, id),
  ]);
  if (!card) return undefined;
  const details: WorkDetails = {};
  if (row?.year != null) details.year = row.year;
  if (row?.studio != null) details.studio = row.studio;
  if (row?.synopsis != null) details.synopsis = row.synopsis;
  if (row?.url != null) details.url = row.url;
  if (row?.image_url != null) details.imageUrl = row.image_url;
  return { work: card, members: row?.members ?? null, details, alternateTitles };
}
