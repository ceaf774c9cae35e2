import type { ItemInfo } from 'osusume';
import type { Db } from '../db/schema.js';
import { searchKey } from './text.js';
import type { AlternateTitleKind } from './vocabulary.js';

export interface AlternateTitle {
  title: string;
  kind: AlternateTitleKind;
}

/**
 * The other names a data set gives a work (English, Japanese, then synonyms), without those that only
 * repeat its title or an earlier one in another case or with other accents.
 */
export function alternateTitlesOf(title: string, info: ItemInfo): AlternateTitle[] {
  const named: AlternateTitle[] = [
    ...(info.englishTitle ? [{ title: info.englishTitle, kind: 'english' as const }] : []),
    ...(info.japaneseTitle ? [{ title: info.japaneseTitle, kind: 'japanese' as const }] : []),
    ...(info.synonyms ?? []).map((synonym) => ({ title: synonym, kind: 'synonym' as const })),
  ];
  const seen = new Set([searchKey(title)]);
  return named.filter((alternate) => {
    const key = searchKey(alternate.title);
    if (key === '' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A work's other names, in the data's order. */
export async function loadAlternateTitles(db: Db, workId: string): Promise<AlternateTitle[]> {
  const rows = await db
    .selectFrom('alternate_titles')
    .select(['title', 'kind'])
    .where('work_id', '=', workId)
    .orderBy('position')
    .execute();
  return rows.map((row) => ({ title: row.title, kind: row.kind as AlternateTitleKind }));
}
