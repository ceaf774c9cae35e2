import type { Db } from '../db/schema.js';
import { now } from '../db/schema.js';

/** The user a client application of the integration API knows by `externalId`, if any. */
export async function externalUserId(db: Db, externalId: string): Promise<number | undefined> {
  const found = await db
    .selectFrom('users')
    .select('id')
    .where('external_id', '=', externalId)
    .executeTakeFirst();
  return found?.id;
}

/** That user, created on first use (two first uses at once create one user: the unique id decides). */
export async function ensureExternalUser(db: Db, externalId: string): Promise<number> {
  const found = await externalUserId(db, externalId);
  if (found !== undefined) return found;
  await db
    .insertInto('users')
    .values({ external_id: externalId, is_public: 0, created_at: now() })
    .onConflict((oc) => oc.column('external_id').doNothing())
    .execute();
  const created = await externalUserId(db, externalId);
  if (created === undefined) throw new Error(`the user "${externalId}" could not be created`);
  return created;
}

/**
 * A new anonymous user attached to a session that has none, so a visitor can rate before having an
 * account. Several first writes of one visitor may race here: the first to attach its user wins, the
 * others drop theirs and get undefined (the session's user is then the winner's), so no rating lands on
 * a user nobody can reach.
 */
export async function attachAnonymousUser(db: Db, sessionId: string): Promise<number | undefined> {
  const created = await db
    .insertInto('users')
    .values({ is_anonymous: 1, is_public: 0, created_at: now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const attached = await db
    .updateTable('sessions')
    .set({ user_id: created.id })
    .where('id', '=', sessionId)
    .where('user_id', 'is', null)
    .executeTakeFirst();
  if (Number(attached.numUpdatedRows) === 1) return created.id;
  await db.deleteFrom('users').where('id', '=', created.id).execute();
  return undefined;
}
