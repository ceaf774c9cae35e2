import { sql } from 'kysely';
import type { Db } from '../db/schema.js';
import { now } from '../db/schema.js';
import { MAX_PARTY_MEMBERS } from './vocabulary.js';

// Following and watch parties (docs/service.md, "Groups"). A party's members see each other's reasons
// (which of their ratings make a work suit them), so nobody is put in a party without having said yes
// to its owner: the owner may add only accounts that follow them.

/** At most this many parties owned per account. */
export const MAX_OWNED_PARTIES = 20;

export interface Party {
  id: number;
  name: string;
  owner: string;
  /** Usernames, the owner first, then in the order they joined. */
  members: string[];
}

/** Why a party change was refused; the routes turn it into a 4xx. */
export class PartyError extends Error {
  constructor(
    readonly reason:
      | 'invalid'
      | 'not-found'
      | 'not-owner'
      | 'no-consent'
      | 'full'
      | 'owner-leaves'
      | 'too-many',
    message: string,
  ) {
    super(message);
  }
}

/** An account (not anonymous, not imported) by username, case-insensitively. */
async function accountId(db: Db, username: string): Promise<{ id: number; username: string } | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'username'])
    .where(sql<string>`lower(username)`, '=', sql<string>`lower(${username})`)
    .where('is_anonymous', '=', 0)
    .where('password_hash', 'is not', null)
    .executeTakeFirst();
  return row?.username ? { id: row.id, username: row.username } : undefined;
}

/** Follows the account `username` (its name as stored), undefined when there is no such account. Twice is once. */
export async function follow(db: Db, followerId: number, username: string): Promise<string | undefined> {
  const target = await accountId(db, username);
  if (!target) return undefined;
  if (target.id === followerId) throw new PartyError('invalid', 'you cannot follow yourself');
  await db
    .insertInto('follows')
    .values({ follower_id: followerId, followee_id: target.id, created_at: now() })
    .onConflict((oc) => oc.columns(['follower_id', 'followee_id']).doNothing())
    .execute();
  return target.username;
}

/** Stops following `username`; false when the visitor did not follow them. */
export async function unfollow(db: Db, followerId: number, username: string): Promise<boolean> {
  const target = await accountId(db, username);
  if (!target) return false;
  const deleted = await db
    .deleteFrom('follows')
    .where('follower_id', '=', followerId)
    .where('followee_id', '=', target.id)
    .executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}

/** Whom the user follows and who follows them, by username. */
export async function followsOf(
  db: Db,
  userId: number,
): Promise<{ following: string[]; followers: string[] }> {
  return { following: await followNames(db, userId, 'out'), followers: await followNames(db, userId, 'in') };
}

/** The usernames the user follows (`out`) or that follow them (`in`), in order. */
async function followNames(db: Db, userId: number, direction: 'in' | 'out'): Promise<string[]> {
  const [mine, theirs] =
    direction === 'out'
      ? (['follower_id', 'followee_id'] as const)
      : (['followee_id', 'follower_id'] as const);
  const rows = await db
    .selectFrom('follows')
    .innerJoin('users', 'users.id', `follows.${theirs}`)
    .select('users.username')
    .where(`follows.${mine}`, '=', userId)
    .orderBy('users.username')
    .execute();
  return rows.flatMap((r) => (r.username ? [r.username] : []));
}

/** A new party owned by (and with) `ownerId`. */
export async function createParty(db: Db, ownerId: number, name: string): Promise<number> {
  const owned = await db
    .selectFrom('watch_parties')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('owner_id', '=', ownerId)
    .executeTakeFirstOrThrow();
  if (Number(owned.count) >= MAX_OWNED_PARTIES) {
    throw new PartyError('too-many', `an account owns at most ${MAX_OWNED_PARTIES} watch parties`);
  }
  return db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('watch_parties')
      .values({ name, owner_id: ownerId, created_at: now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('watch_party_members')
      .values({ party_id: created.id, user_id: ownerId, joined_at: now() })
      .execute();
    return created.id;
  });
}

/** The party as its member `userId` sees it; undefined when it does not exist or they are no member. */
export async function partyFor(db: Db, partyId: number, userId: number): Promise<Party | undefined> {
  const rows = await partyRows(db, [partyId]);
  const party = rows.get(partyId);
  if (!party?.memberIds.includes(userId)) return undefined;
  return party.party;
}

/** The parties the user is a member of, newest first. */
export async function partiesOf(db: Db, userId: number): Promise<Party[]> {
  const ids = await db
    .selectFrom('watch_party_members')
    .select('party_id')
    .where('user_id', '=', userId)
    .orderBy('party_id', 'desc')
    .execute();
  const rows = await partyRows(
    db,
    ids.map((r) => r.party_id),
  );
  return ids.flatMap((r) => {
    const found = rows.get(r.party_id);
    return found ? [found.party] : [];
  });
}

async function partyRows(
  db: Db,
  partyIds: number[],
): Promise<Map<number, { party: Party; memberIds: number[]; ownerId: number }>> {
  if (partyIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('watch_parties')
    .innerJoin('watch_party_members', 'watch_party_members.party_id', 'watch_parties.id')
    .innerJoin('users', 'users.id', 'watch_party_members.user_id')
    .select([
      'watch_parties.id',
      'watch_parties.name',
      'watch_parties.owner_id',
      'watch_party_members.user_id',
      'users.username',
    ])
    .where('watch_parties.id', 'in', partyIds)
    .orderBy('watch_party_members.joined_at')
    .orderBy('watch_party_members.user_id')
    .execute();
  const parties = new Map<number, { party: Party; memberIds: number[]; ownerId: number }>();
  for (const row of rows) {
    const entry = parties.get(row.id) ?? {
      party: { id: row.id, name: row.name, owner: '', members: [] },
      memberIds: [],
      ownerId: row.owner_id,
    };
    const username = row.username ?? '';
    if (row.user_id === row.owner_id) {
      entry.party.owner = username;
      entry.party.members.unshift(username);
      entry.memberIds.unshift(row.user_id);
    } else {
      entry.party.members.push(username);
      entry.memberIds.push(row.user_id);
    }
    parties.set(row.id, entry);
  }
  return parties;
}

/** The member ids of a party, the owner first (for recommendations); only for a member asking. */
export async function memberIds(db: Db, partyId: number, userId: number): Promise<number[] | undefined> {
  const party = (await partyRows(db, [partyId])).get(partyId);
  return party?.memberIds.includes(userId) ? party.memberIds : undefined;
}

/**
 * Adds the account `username` to the party: only its owner may, only an account that follows the owner
 * (it agreed to share with them), and up to MAX_PARTY_MEMBERS. Adding a member twice changes nothing.
 */
export async function addMember(db: Db, partyId: number, ownerId: number, username: string): Promise<Party> {
  const found = (await partyRows(db, [partyId])).get(partyId);
  if (!found?.memberIds.includes(ownerId)) throw new PartyError('not-found', `no watch party ${partyId}`);
  if (found.ownerId !== ownerId) throw new PartyError('not-owner', 'only the owner adds members');
  const target = await accountId(db, username);
  if (!target) throw new PartyError('not-found', `no account "${username}"`);
  if (!found.memberIds.includes(target.id)) {
    const follows = await db
      .selectFrom('follows')
      .select('follower_id')
      .where('follower_id', '=', target.id)
      .where('followee_id', '=', ownerId)
      .executeTakeFirst();
    if (!follows) {
      throw new PartyError(
        'no-consent',
        `"${target.username}" does not follow you: only accounts that follow you can be added`,
      );
    }
    if (found.memberIds.length >= MAX_PARTY_MEMBERS) {
      throw new PartyError('full', `a watch party has at most ${MAX_PARTY_MEMBERS} members`);
    }
    await db
      .insertInto('watch_party_members')
      .values({ party_id: partyId, user_id: target.id, joined_at: now() })
      .onConflict((oc) => oc.columns(['party_id', 'user_id']).doNothing())
      .execute();
  }
  return (await partyFor(db, partyId, ownerId)) as Party;
}

/** The member leaves the party; its owner cannot (they delete it instead). */
export async function leaveParty(db: Db, partyId: number, userId: number): Promise<void> {
  const found = (await partyRows(db, [partyId])).get(partyId);
  if (!found?.memberIds.includes(userId)) throw new PartyError('not-found', `no watch party ${partyId}`);
  if (found.ownerId === userId) {
    throw new PartyError('owner-leaves', 'the owner cannot leave the watch party: delete it instead');
  }
  await db
    .deleteFrom('watch_party_members')
    .where('party_id', '=', partyId)
    .where('user_id', '=', userId)
    .execute();
}

/** Deletes the party: its owner only. */
export async function deleteParty(db: Db, partyId: number, userId: number): Promise<void> {
  const found = (await partyRows(db, [partyId])).get(partyId);
  if (!found?.memberIds.includes(userId)) throw new PartyError('not-found', `no watch party ${partyId}`);
  if (found.ownerId !== userId) throw new PartyError('not-owner', 'only the owner deletes the watch party');
  await db.deleteFrom('watch_parties').where('id', '=', partyId).execute();
}
