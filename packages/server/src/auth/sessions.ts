import { createHmac } from 'node:crypto';
import type { Db } from '../db/schema.js';
import { now } from '../db/schema.js';
import { settingOrInit } from '../db/settings.js';
import { randomToken, sha256 } from './tokens.js';

export const SESSION_DAYS = 30;

/** The settings key of the installation's key for CSRF tokens (shared by every process and node). */
const CSRF_KEY_SETTING = 'csrf_key';

const expiry = () => new Date(Date.now() + SESSION_DAYS * 86400_000).toISOString();

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
 * the table only its hash. A visitor who only reads has a token but no row: its CSRF token is derived
 * from the cookie token (`csrfFor`), and the row is stored at its first write (`store`).
 */
export class SessionStore {
  private key: Promise<string> | undefined;

  constructor(private readonly db: Db) {}

  /** A new session with a row (at sign-up and log-in); returns the cookie token, given to the client once. */
  async create(userId: number | null = null): Promise<{ token: string; session: Session }> {
    const token = randomToken();
    const id = sha256(token);
    const csrfToken = await this.csrfFor(token);
    await this.db
      .insertInto('sessions')
      .values({ id, user_id: userId, csrf_token: csrfToken, created_at: now(), expires_at: expiry() })
      .execute();
    return { token, session: { id, csrfToken, user: userId === null ? null : await this.user(userId) } };
  }

  /**
   * The CSRF token of a cookie token: an HMAC under the installation's key. A page on another site
   * cannot read the cookie, so cannot compute it.
   */
  async csrfFor(token: string): Promise<string> {
    this.key ??= settingOrInit(this.db, CSRF_KEY_SETTING, randomToken()).catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return createHmac('sha256', await this.key)
      .update(token)
      .digest('base64url');
  }

  /**
   * Stores the session of a cookie token that has no live row (a visitor's first write), or returns the
   * one a concurrent request of the same visitor just stored.
   */
  async store(token: string): Promise<Session> {
    const id = sha256(token);
    await this.db.deleteFrom('sessions').where('id', '=', id).where('expires_at', '<', now()).execute();
    await this.db
      .insertInto('sessions')
      .values({
        id,
        user_id: null,
        csrf_token: await this.csrfFor(token),
        created_at: now(),
        expires_at: expiry(),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const session = await this.byId(id);
    if (!session) throw new Error('the session stored a moment ago is gone');
    return session;
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

  /** Deletes the rows of expired sessions (the scheduler calls it every hour). */
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
