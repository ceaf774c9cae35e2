// The anime data as the service sees it, for the benches that hold users out: its rows with the import's
// choices, and a service database (SQLite, the import, the counters) made from some of them.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { migrate, openStorage } from '@osusume/server';
import { importAnimeData } from '../packages/server/dist/src/domain/anime-import.js';
import { choiceOfAnimeScore } from '../packages/server/dist/src/domain/choices.js';
import { recomputeCounters } from '../packages/server/dist/src/domain/counters.js';

/** data/anime's ratings: the header, the rows (user, work, choice, line) and the rows by user. */
export function readAnimeRatings(root) {
  const lines = gunzipSync(readFileSync(join(root, 'data/anime/ratings.csv.gz')))
    .toString()
    .split('\n');
  const rows = lines
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => {
      const [user, work, score] = line.split(',');
      return { user, work, choice: choiceOfAnimeScore(Number(score)), line };
    });
  const byUser = new Map();
  for (const row of rows) {
    const list = byUser.get(row.user) ?? [];
    list.push(row);
    byUser.set(row.user, list);
  }
  return { header: lines[0], rows, byUser };
}

/** A service database in `dir` with data/anime's works and the given rows imported, counters computed. */
export async function importAnimeService(root, dir, header, rows) {
  const data = join(dir, 'data');
  mkdirSync(data);
  copyFileSync(join(root, 'data/anime/anime.csv'), join(data, 'anime.csv'));
  writeFileSync(join(data, 'ratings.csv'), `${header}\n${rows.map((r) => r.line).join('\n')}\n`);
  const storage = await openStorage({ sqliteFile: join(dir, 'osusume.db') });
  await migrate(storage);
  await importAnimeData(storage.db, data);
  await recomputeCounters(storage.db);
  return storage;
}
