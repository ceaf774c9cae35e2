import type { Db } from '../db/schema.js';
import { now } from '../db/schema.js';
import { randomToken, sha256 } from './tokens.js';

export const SESSION_DAYS = 30;

/** The signed-in (or anonymous) user behind a session. */
export interface SessionUser {
  id: number;
  username: string | null;
  isAdmin: boolean;
  isAnonymous: boolean;
  isPublic: boolean;
  /** Shows adult works (an account's choice, off by default). */
  adultOk: boolean;
}

export interface Session {
  /** sha256 of the cookie token. */
  id: string;
  csrfToken: string;
  user: SessionUser | null;
}

/**
 * Sessions live in the database (so every API process sees them); the cookie holds a random token and
 * the table only its hash.
 */
export class SessionStore {
  constructor(private readonly db: Db) {}

  /** A new session; returns the cookie token, given to the client once. */
  async create(userId: number | null = null): Promise<{ token: string; session: Session }> {
    const token = randomToken();
    const id = sha256(token);
    const csrfToken = randomToken(24);
    const expires = new Date(Date.now() + SESSION_DAYS * 86400_000).toISOString();
    await this.db
      .insertInto('sessions')
      .values({ id, user_id: userId, csrf_token: csrfToken, created_at: now(), expires_at: expires })
      .execute();
    return { token, session: { id, csrfToken, user: userId === null ? null : await this.user(userId) } };
  }

  /** The live session of a cookie token, with its user; undefined when unknown or expired. */
  find(token: string): Promise<Session | undefined> {
    return this.byId(sha256(token));
  }

  /** The live session with this id (the token's hash). */
  async byId(id: string): Promise<Session | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .leftJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id as id',
        'sessions.csrf_token as csrf',
        'sessions.expires_at as expires',
        'users.id as userId',
        'users.username as username',
        'users.is_admin as isAdmin',
        'users.is_anonymous as isAnonymous',
        'users.is_public as isPublic',
        'users.adult_ok as adultOk',
      ])
      .where('sessions.id', '=', id)
      .executeTakeFirst();
    if (!row || row.expires < now()) return undefined;
    const { userId } = row;
    return {
      id: row.id,
      csrfToken: row.csrf,
      user:
        userId === null || userId === undefined
          ? null
          : sessionUser({
              id: userId,
              username: row.username ?? null,
              is_admin: row.isAdmin ?? 0,
              is_anonymous: row.isAnonymous ?? 0,
              is_public: row.isPublic ?? 0,
              adult_ok: row.adultOk ?? 0,
            }),
    };
  }

  async attachUser(sessionId: string, userId: number | null): Promise<void> {
    await this.db.updateTable('sessions').set({ user_id: userId }).where('id', '=', sessionId).execute();
  }

  async destroy(sessionId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', sessionId).execute();
  }

  async purgeExpired(): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<', now()).execute();
  }

  async user(userId: number): Promise<SessionUser | null> {
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'username', 'is_admin', 'is_anonymous', 'is_public', 'adult_ok'])
      .where('id', '=', userId)
      .executeTakeFirst();
    return row ? sessionUser(row) : null;
  }
}

/** A users row as the session (and the account built on it) sees it. */
export function sessionUser(row: {
  id: number;
  username: string | null;
  is_admin: number;
  is_anonymous: number;
  is_public: number;
  adult_ok: number;
}): SessionUser {
  return {
    id: row.id,
    username: row.username,
    isAdmin: row.is_admin === 1,
    isAnonymous: row.is_anonymous === 1,
    isPublic: row.is_public === 1,
    adultOk: row.adult_ok === 1,
  };
}
