import { sql } from 'kysely';
import type { Db } from '../db/schema.js';
import { now } from '../db/schema.js';
import { commonPasswordProblem } from './common-passwords.js';
import { PASSWORD, PASSWORD_RULE, USERNAME, USERNAME_RULE } from './credential-rules.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { type SessionUser, sessionUser } from './sessions.js';

/**
 * Accounts as plain functions over the database, so the HTTP routes, the start-up code (OSUSUME_ADMIN)
 * and the command line (`osusume user create --admin`) share them. Beside them: merge.ts (anonymous
 * ratings joining an account at log-in), profile.ts (settings, counts, rated works, export) and
 * rate-limits.ts (the attempts of rate-limited routes, counted in the database).
 */

const usernamePattern = new RegExp(USERNAME.pattern);

/** Why an account operation was refused: `invalid` input, or a username already `taken`. */
export class AccountError extends Error {
  constructor(
    readonly reason: 'invalid' | 'taken',
    message: string,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}

export interface Account extends SessionUser {
  createdAt: string;
}

export function usernameProblem(username: string): string | undefined {
  const length = [...username].length;
  return length < USERNAME.minLength || length > USERNAME.maxLength || !usernamePattern.test(username)
    ? USERNAME_RULE
    : undefined;
}

/** Why a new password is refused: its length, or it is among the first ones guessed (common-passwords.ts). */
export function passwordProblem(password: string, username?: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD.minLength || length > PASSWORD.maxLength) return PASSWORD_RULE;
  return commonPasswordProblem(password, username);
}

/** A unique-constraint violation, as better-sqlite3 or pg reports it. */
function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const { code } = error as { code: unknown };
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

const accountColumns = [
  'id',
  'username',
  'is_admin',
  'is_anonymous',
  'is_public',
  'adult_ok',
  'created_at',
] as const;

function toAccount(row: Parameters<typeof sessionUser>[0] & { created_at: string }): Account {
  return { ...sessionUser(row), createdAt: row.created_at };
}

export async function accountById(db: Db, id: number): Promise<Account | undefined> {
  const row = await db.selectFrom('users').select(accountColumns).where('id', '=', id).executeTakeFirst();
  return row && toAccount(row);
}

/** The account (never an anonymous or imported user) with this username, whatever its case. */
export async function accountByUsername(db: Db, username: string): Promise<Account | undefined> {
  const row = await db
    .selectFrom('users')
    .select(accountColumns)
    .where(sql<string>`lower(username)`, '=', sql<string>`lower(${username})`)
    .where('is_anonymous', '=', 0)
    .executeTakeFirst();
  return row && toAccount(row);
}

/**
 * Creates an account. With `anonymousId` (a visitor who rated before signing up), that user row becomes
 * the account, so its ratings stay where they are. Throws AccountError when the input is invalid or the
 * username is taken (also when two sign-ups race: the unique index on lower(username) decides).
 */
export async function createAccount(
  db: Db,
  input: { username: string; password: string; isAdmin?: boolean; anonymousId?: number },
): Promise<Account> {
  const problem = usernameProblem(input.username) ?? passwordProblem(input.password, input.username);
  if (problem) throw new AccountError('invalid', problem);
  const taken = () => new AccountError('taken', `the username "${input.username}" is taken`);
  // Checked first only to spare a hash; the index is what guarantees uniqueness.
  if (await accountByUsername(db, input.username)) throw taken();
  const passwordHash = await hashPassword(input.password);
  try {
    if (input.anonymousId !== undefined) {
      const updated = await db
        .updateTable('users')
        .set({
          username: input.username,
          password_hash: passwordHash,
          is_anonymous: 0,
          is_public: 1,
          is_admin: input.isAdmin ? 1 : 0,
        })
        .where('id', '=', input.anonymousId)
        .where('is_anonymous', '=', 1)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) return (await accountById(db, input.anonymousId)) as Account;
    }
    const created = await db
      .insertInto('users')
      .values({
        username: input.username,
        password_hash: passwordHash,
        is_admin: input.isAdmin ? 1 : 0,
        is_public: 1,
        is_anonymous: 0,
        created_at: now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return (await accountById(db, created.id)) as Account;
  } catch (error) {
    if (isUniqueViolation(error)) throw taken();
    throw error;
  }
}

/**
 * The account these credentials open, or undefined. Takes as long for a username that does not exist
 * (or a user who cannot log in) as for a wrong password. A hash made with older parameters is renewed.
 */
export async function authenticate(db: Db, username: string, password: string): Promise<Account | undefined> {
  const row = await db
    .selectFrom('users')
    .select([...accountColumns, 'password_hash'])
    .where(sql<string>`lower(username)`, '=', sql<string>`lower(${username})`)
    .where('is_anonymous', '=', 0)
    .executeTakeFirst();
  const ok = await verifyPassword(password, row?.password_hash);
  if (!ok || !row?.password_hash) return undefined;
  if (needsRehash(row.password_hash)) {
    await db
      .updateTable('users')
      .set({ password_hash: await hashPassword(password) })
      .where('id', '=', row.id)
      .execute();
  }
  return toAccount(row);
}

/** Whether `password` is this user's (false for users without a password). */
export async function checkPassword(db: Db, userId: number, password: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', userId)
    .executeTakeFirst();
  return verifyPassword(password, row?.password_hash);
}

/** Deletes a user; their ratings and sessions go with them (foreign keys cascade). */
export async function deleteUser(db: Db, userId: number): Promise<boolean> {
  const deleted = await db.deleteFrom('users').where('id', '=', userId).executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}

/**
 * The admin account of OSUSUME_ADMIN and `osusume user create --admin`: created with the admin role,
 * or, when the username exists, given the role and this password.
 */
export async function ensureAdmin(
  db: Db,
  username: string,
  password: string,
): Promise<{ account: Account; created: boolean }> {
  const problem = usernameProblem(username) ?? passwordProblem(password, username);
  if (problem) throw new AccountError('invalid', `admin "${username}": ${problem}`);
  const existing = await accountByUsername(db, username);
  if (!existing) {
    try {
      return { account: await createAccount(db, { username, password, isAdmin: true }), created: true };
    } catch (error) {
      // Another process created it between the two statements: promote that one.
      if (!(error instanceof AccountError && error.reason === 'taken')) throw error;
    }
  }
  const target = existing ?? (await accountByUsername(db, username));
  if (!target) throw new Error(`admin "${username}" could not be created`);
  await db
    .updateTable('users')
    .set({ is_admin: 1, password_hash: await hashPassword(password) })
    .where('id', '=', target.id)
    .execute();
  return { account: { ...target, isAdmin: true }, created: false };
}
