import type { Db } from '../db/schema.js';
import { type AlternateTitle, loadAlternateTitles } from './alternate-titles.js';
import { type WorkCard, workCards } from './lists.js';

/** What the work page shows of a work apart from the model: its card, members and other names. */
export interface WorkAbout {
  work: WorkCard;
  /** Its data set's member count, when it gives one. */
  members: number | null;
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
    db.selectFrom('works').select('members').where('id', '=', id).executeTakeFirst(),
    loadAlternateTitles(db, id),
  ]);
  return card && { work: card, members: row?.members ?? null, alternateTitles };
}
