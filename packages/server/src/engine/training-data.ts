import { type Interactions, InteractionsBuilder, type ItemTag } from 'osusume';
import type { Db } from '../db/schema.js';
import { CHOICE_VALUES, isChoice } from '../domain/choices.js';

/**
 * Every rating as a training value (docs/recommendations.md: favorite 4 … dislike −2), users by their
 * row id and works by theirs. Ordered, so the same ratings always give the same model for a seed.
 */
export async function readTrainingData(db: Db): Promise<Interactions> {
  const rows = await db
    .selectFrom('ratings')
    .select(['user_id', 'work_id', 'choice'])
    .orderBy('user_id')
    .orderBy('work_id')
    .execute();
  const builder = new InteractionsBuilder();
  for (const row of rows) {
    if (isChoice(row.choice)) builder.add(String(row.user_id), row.work_id, CHOICE_VALUES[row.choice]);
  }
  return builder.build();
}

/** The works' tags (genres), as the content models (lasso, balse) learn from them. */
export async function readWorkTags(db: Db): Promise<Map<string, ItemTag[]>> {
  const rows = await db
    .selectFrom('work_tags')
    .select(['work_id', 'tag', 'weight'])
    .orderBy('work_id')
    .orderBy('tag')
    .execute();
  const tags = new Map<string, ItemTag[]>();
  for (const row of rows) {
    const list = tags.get(row.work_id) ?? [];
    list.push({ tag: row.tag, weight: row.weight });
    tags.set(row.work_id, list);
  }
  return tags;
}
