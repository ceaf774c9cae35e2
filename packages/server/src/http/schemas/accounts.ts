/** The accounts' answers: the session, sign-up and log-in, the visitor's account and public profiles. */
import type { FromSchema } from 'json-schema-to-ts';
import { PASSWORD, PASSWORD_RULE, USERNAME, USERNAME_RULE } from '../../auth/credential-rules.js';
import type { Request } from './common.js';
import { choiceCountsSchema, choiceSchema, ratedWorkSchema, strictObject } from './common.js';

/** An account as the API shows it (never the password hash). */
export const accountSchema = strictObject(
  {
    id: { type: 'integer' },
    username: { type: ['string', 'null'] },
    isAdmin: { type: 'boolean' },
    isAnonymous: { type: 'boolean' },
    isPublic: { type: 'boolean' },
    adultOk: { type: 'boolean', description: 'adult works are shown (off by default)' },
  },
  ['id', 'username', 'isAdmin', 'isAnonymous', 'isPublic', 'adultOk'],
);

/** The visitor's session: the CSRF token of its writes and its user (an account, anonymous, or nobody yet). */
export const sessionSchema = strictObject(
  { csrfToken: { type: 'string' }, user: { ...accountSchema, type: ['object', 'null'] } },
  ['csrfToken', 'user'],
);

/** What sign-up and log-in answer: the new session's CSRF token (the old one is gone) and the account. */
export const signedInSchema = strictObject({ csrfToken: { type: 'string' }, user: accountSchema }, [
  'csrfToken',
  'user',
]);

const mergedConflictSchema = strictObject(
  {
    work: { type: 'string' },
    title: { type: 'string' },
    anonymous: { ...choiceSchema, description: 'the choice made before logging in' },
    account: { ...choiceSchema, description: 'the account’s choice' },
  },
  ['work', 'title', 'anonymous', 'account'],
);

export const mergeReportSchema = strictObject(
  {
    moved: {
      type: 'integer',
      description: 'ratings now the account’s: works it had not rated, and the replaced ones',
    },
    replaced: {
      type: 'array',
      description: 'works where the newer anonymous rating replaced the account’s',
      items: mergedConflictSchema,
    },
    kept: {
      type: 'array',
      description: 'works where the account’s rating was newer: it stays, the anonymous one is dropped',
      items: mergedConflictSchema,
    },
  },
  ['moved', 'replaced', 'kept'],
);

/** Log-in answers what became of the ratings made anonymously before it (all empty when there were none). */
export const loggedInSchema = strictObject(
  {
    ...signedInSchema.properties,
    merged: {
      ...mergeReportSchema,
      description: 'the ratings made before logging in: where both rated a work, the newer rating won',
    },
  },
  [...signedInSchema.required, 'merged'],
);

/** The visitor's account with how many works they rated with each choice. */
export const meSchema = strictObject(
  {
    ...accountSchema.properties,
    createdAt: { type: 'string' },
    counts: choiceCountsSchema,
    total: { type: 'integer', description: 'works rated' },
  },
  [...accountSchema.required, 'createdAt', 'counts', 'total'],
);

/** A public profile: counts per choice and a page of ratings. */
export const profileSchema = strictObject(
  {
    username: { type: 'string' },
    isPublic: { type: 'boolean' },
    createdAt: { type: 'string' },
    counts: choiceCountsSchema,
    total: { type: 'integer', description: 'works rated (all pages)' },
    page: { type: 'integer' },
    pageSize: { type: 'integer' },
    items: { type: 'array', items: ratedWorkSchema },
  },
  ['username', 'isPublic', 'createdAt', 'counts', 'total', 'page', 'pageSize', 'items'],
);

/** Everything kept about the visitor's account (the download of GET /api/me/export). */
export const accountExportSchema = strictObject(
  {
    format: { type: 'string' },
    exportedAt: { type: 'string' },
    user: strictObject({ ...accountSchema.properties, createdAt: { type: 'string' } }, [
      ...accountSchema.required,
      'createdAt',
    ]),
    counts: choiceCountsSchema,
    ratings: { type: 'array', items: ratedWorkSchema },
  },
  ['format', 'exportedAt', 'user', 'counts', 'ratings'],
);

/** Sign-up checks the rules of a new account. */
export const signUpSchema = strictObject(
  {
    username: { type: 'string', ...USERNAME, description: USERNAME_RULE },
    password: { type: 'string', ...PASSWORD, description: PASSWORD_RULE },
  },
  ['username', 'password'],
);

/** Log-in only bounds what it reads. */
export const logInSchema = strictObject(
  {
    username: { type: 'string', minLength: 1, maxLength: 200 },
    password: { type: 'string', minLength: 1, maxLength: PASSWORD.maxLength },
  },
  ['username', 'password'],
);

/** The settings an account changes itself (at least one). */
export const settingsSchema = {
  ...strictObject({
    isPublic: { type: 'boolean' },
    adultOk: {
      type: 'boolean',
      description: 'show adult works (Hentai, Yaoi, Yuri…) in lists, the mosaic, the map and recommendations',
    },
  }),
  minProperties: 1,
} as const;

/** An account's deletion, confirmed by its password; no body at all for an anonymous visitor (Fastify validates a missing body as null). */
export const deletionSchema = {
  ...strictObject({ password: { type: 'string', maxLength: 200 } }),
  type: ['object', 'null'],
} as const;

/** A profile's ratings come in pages of this size (at most `max`). */
export const PROFILE_PAGE_SIZE = { default: 50, max: 100 } as const;

export const profileQuerySchema = strictObject({
  page: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 },
  pageSize: {
    type: 'integer',
    minimum: 1,
    maximum: PROFILE_PAGE_SIZE.max,
    default: PROFILE_PAGE_SIZE.default,
  },
});

export type User = FromSchema<typeof accountSchema>;
export type SignUp = FromSchema<typeof signUpSchema>;
export type LogIn = FromSchema<typeof logInSchema>;
export type Settings = FromSchema<typeof settingsSchema>;
export type Deletion = FromSchema<typeof deletionSchema>;
export type ProfileQuery = Request<typeof profileQuerySchema>;
export type SessionAnswer = FromSchema<typeof sessionSchema>;
export type SignedIn = FromSchema<typeof signedInSchema>;
export type MergeReport = FromSchema<typeof mergeReportSchema>;
export type MergedConflict = MergeReport['kept'][number];
export type LoggedIn = FromSchema<typeof loggedInSchema>;
export type Me = FromSchema<typeof meSchema>;
export type Profile = FromSchema<typeof profileSchema>;
