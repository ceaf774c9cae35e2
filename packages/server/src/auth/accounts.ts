import { sql } from 'kysely';
import type { Db } from '../db/schema.js';
import { now } from '../db/schema.js';
import { CHOICES, type Choice, isChoice } from '../domain/choices.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { type SessionUser, sessionUser } from './sessions.js';

/**
 * Accounts as plain functions over the database, so the HTTP routes, the start-up code (OSUSUME_ADMIN)
 * and the command line (`osusume user create --admin`) share them.
 */

/** Usernames: as typed, unique whatever their case; letters, digits, `_`, `-` and `.`. */
export const USERNAME = { minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_.-]+$' } as const;
export const PASSWORD = { minLength: 8, maxLength: 200 } as const;
export const USERNAME_RULE = `a username has ${USERNAME.minLength} to ${USERNAME.maxLength} characters among letters, digits, "_", "-" and "."`;
export const PASSWORD_RULE = `a password has ${PASSWORD.minLength} to ${PASSWORD.maxLength} characters`;

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

export type ChoiceCounts = Record<Choice, number>;

export interface RatedWork {
  work: string;
  title: string;
  category: string;
  choice: string;
  updatedAt: string;
}

export function usernameProblem(username: string): string | undefined {
  const length = [...username].length;
  return length < USERNAME.minLength || length > USERNAME.maxLength || !usernamePattern.test(username)
    ? USERNAME_RULE
    : undefined;
}

export function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  return length < PASSWORD.minLength || length > PASSWORD.maxLength ? PASSWORD_RULE : undefined;
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
  const problem = usernameProblem(input.username) ?? passwordProblem(input.password);
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

/** Deletes a user; their ratings and sessions go with them (foreign keys cascade). */
export async function deleteUser(db: Db, userId: number): Promise<boolean> {
  const deleted = await db.deleteFrom('users').where('id', '=', userId).executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}

/** The account's settings that the visitor changes themselves: a public profile, adult works shown. */
export async function updateSettings(
  db: Db,
  userId: number,
  settings: { isPublic?: boolean | undefined; adultOk?: boolean | undefined },
): Promise<void> {
  const set: { is_public?: number; adult_ok?: number } = {};
  if (settings.isPublic !== undefined) set.is_public = settings.isPublic ? 1 : 0;
  if (settings.adultOk !== undefined) set.adult_ok = settings.adultOk ? 1 : 0;
  if (Object.keys(set).length > 0) await db.updateTable('users').set(set).where('id', '=', userId).execute();
}

/** How many works the user rated with each choice. */
export async function choiceCounts(db: Db, userId: number): Promise<ChoiceCounts> {
  const rows = await db
    .selectFrom('ratings')
    .select((eb) => ['choice', eb.fn.countAll<number>().as('n')])
    .where('user_id', '=', userId)
    .groupBy('choice')
    .execute();
  const counts = Object.fromEntries(CHOICES.map((c) => [c, 0])) as ChoiceCounts;
  for (const row of rows) if (isChoice(row.choice)) counts[row.choice] = Number(row.n);
  return counts;
}

/** One page of the user's ratings, the latest first, with the works' titles. */
/** A page of the user's ratings, newest first; without `adult`, adult works are left out (another viewer). */
export async function ratingsPage(
  db: Db,
  userId: number,
  page: number,
  pageSize: number,
  adult = true,
): Promise<{ items: RatedWork[]; total: number }> {
  const [items, total] = await Promise.all([
    ratedWorks(db, userId, adult)
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute(),
    db
      .selectFrom('ratings')
      .innerJoin('works', 'works.id', 'ratings.work_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ratings.user_id', '=', userId)
      .$if(!adult, (q) => q.where('works.adult', '=', 0))
      .executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

function ratedWorks(db: Db, userId: number, adult = true) {
  return db
    .selectFrom('ratings')
    .innerJoin('works', 'works.id', 'ratings.work_id')
    .select([
      'ratings.work_id as work',
      'works.title as title',
      'works.category as category',
      'ratings.choice as choice',
      'ratings.updated_at as updatedAt',
    ])
    .where('ratings.user_id', '=', userId)
    .$if(!adult, (q) => q.where('works.adult', '=', 0))
    .orderBy('ratings.updated_at', 'desc')
    .orderBy('ratings.work_id');
}

/** Everything the service keeps about a user, for the account export (never the password hash). */
export async function exportUser(
  db: Db,
  userId: number,
): Promise<{ user: Account; counts: ChoiceCounts; ratings: RatedWork[] } | undefined> {
  const user = await accountById(db, userId);
  if (!user) return undefined;
  const [counts, ratings] = await Promise.all([choiceCounts(db, userId), ratedWorks(db, userId).execute()]);
  return { user, counts, ratings };
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
  const problem = usernameProblem(username) ?? passwordProblem(password);
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

/** Attempts counted per key in fixed windows, in the database so every API process sees the same count. */
interface RateLimitsTable {
  key: string;
  hits: number;
  window_start: number;
}

/**
 * Counts one attempt under `key` in a window of `windowMs`: returns the attempts in the current window
 * (this one included) and when the window started. One upsert, atomic on both databases.
 */
export async function countAttempt(
  db: Db,
  key: string,
  windowMs: number,
  nowMs = Date.now(),
): Promise<{ hits: number; windowStart: number }> {
  const expired = nowMs - windowMs;
  const row = await db
    .withTables<{ rate_limits: RateLimitsTable }>()
    .insertInto('rate_limits')
    .values({ key, hits: 1, window_start: nowMs })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        hits: sql<number>`case when rate_limits.window_start <= ${expired} then 1 else rate_limits.hits + 1 end`,
        window_start: sql<number>`case when rate_limits.window_start <= ${expired} then ${nowMs} else rate_limits.window_start end`,
      }),
    )
    .returning(['hits', 'window_start'])
    .executeTakeFirstOrThrow();
  return { hits: Number(row.hits), windowStart: Number(row.window_start) };
}

/** Forgets the counts of windows that ended before `beforeMs`. */
export async function purgeAttempts(db: Db, beforeMs: number): Promise<void> {
  await db
    .withTables<{ rate_limits: RateLimitsTable }>()
    .deleteFrom('rate_limits')
    .where('window_start', '<', beforeMs)
    .execute();
}
