import { sql } from 'kysely';
import type { Db } from '../db/schema.js';
import type { Choice } from '../domain/choices.js';

/** A work both the anonymous visitor and the account rated, with other choices. */
export interface MergedConflict {
  work: string;
  title: string;
  /** The visitor's choice before logging in. */
  anonymous: Choice;
  /** The account's choice. */
  account: Choice;
}

/** What a log-in did with the ratings the visitor made anonymously. */
export interface MergeReport {
  /** The visitor's ratings now the account's: works the account had not rated, and `replaced`. */
  moved: number;
  /** The visitor's rating was newer: it replaced the account's. */
  replaced: MergedConflict[];
  /** The account's rating was newer (or as old): it stays, the visitor's is dropped. */
  kept: MergedConflict[];
}

/** The report of a log-in without anonymous ratings. */
export const nothingMerged = (): MergeReport => ({ moved: 0, replaced: [], kept: [] });

/**
 * Moves an anonymous visitor's ratings to an account at log-in: where both rated a work, the newer
 * rating wins (the account's on a tie); then the anonymous user (and its sessions) is deleted. Nothing
 * happens unless `anonymousId` is still an anonymous user. Reports what moved and which choices differed,
 * by title.
 */
export async function mergeAnonymous(db: Db, anonymousId: number, accountId: number): Promise<MergeReport> {
  const report = nothingMerged();
  if (anonymousId === accountId) return report;
  return db.transaction().execute(async (trx) => {
    const anonymous = await trx
      .selectFrom('users')
      .select('id')
      .where('id', '=', anonymousId)
      .where('is_anonymous', '=', 1)
      .executeTakeFirst();
    if (!anonymous) return report;
    const visits = await trx
      .selectFrom('ratings as visit')
      .innerJoin('works', 'works.id', 'visit.work_id')
      .leftJoin('ratings as mine', (join) =>
        join.onRef('mine.work_id', '=', 'visit.work_id').on('mine.user_id', '=', accountId),
      )
      .select([
        'visit.work_id as work',
        'works.title as title',
        'visit.choice as anonymous',
        'visit.updated_at as anonymousAt',
        'mine.choice as account',
        'mine.updated_at as accountAt',
      ])
      .where('visit.user_id', '=', anonymousId)
      .orderBy('works.title')
      .orderBy('visit.work_id')
      .execute();
    for (const visit of visits) {
      if (visit.account === null) report.moved++;
      else if (visit.account !== visit.anonymous) {
        // Every write checks the choice, so what is stored is one.
        const conflict = {
          work: visit.work,
          title: visit.title,
          anonymous: visit.anonymous as Choice,
          account: visit.account as Choice,
        };
        if (visit.anonymousAt > (visit.accountAt ?? '')) {
          report.replaced.push(conflict);
          report.moved++;
        } else report.kept.push(conflict);
      }
    }
    // The same rule in one statement: ratings keep the time they were made.
    await trx
      .insertInto('ratings')
      .columns(['user_id', 'work_id', 'choice', 'updated_at'])
      .expression((eb) =>
        eb
          .selectFrom('ratings')
          .select([
            sql<number>`cast(${accountId} as integer)`.as('user_id'),
            'work_id',
            'choice',
            'updated_at',
          ])
          .where('user_id', '=', anonymousId),
      )
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'work_id'])
          .doUpdateSet((eb) => ({
            choice: eb.ref('excluded.choice'),
            updated_at: eb.ref('excluded.updated_at'),
          }))
          .where((eb) => eb('excluded.updated_at', '>', eb.ref('ratings.updated_at'))),
      )
      .execute();
    await trx.deleteFrom('users').where('id', '=', anonymousId).execute();
    return report;
  });
}
