import type { FastifyRequest } from 'fastify';
import { accountById, accountByUsername, checkPassword, deleteUser } from '../../auth/accounts.js';
import { choiceCounts, exportUser, ratingsPage, updateSettings } from '../../auth/profile.js';
import type { SessionUser } from '../../auth/sessions.js';
import type { Services } from '../../services.js';
import { badRequest, forbidden, notFound, unauthorized } from '../errors.js';
import { userOrAddress } from '../rate-limiting.js';
import {
  accountExportSchema,
  deletionSchema,
  meSchema,
  profileQuerySchema,
  profileSchema,
  settingsSchema,
} from '../schemas/accounts.js';
import { emptySchema, errorSchema, idSchema, strictObject } from '../schemas/common.js';
import type { Api } from '../typed.js';
import { explainValidation } from '../validation.js';
import { accountOf, SESSION_COOKIE, showsAdult } from '../visitor.js';
import { AUTH_RATE_LIMIT, publicAccount } from './accounts.js';

/** The visitor behind the session: an account or an anonymous visitor who rated; 401 otherwise. */
function visitorOf(request: FastifyRequest): SessionUser {
  const user = request.session?.user;
  if (!user)
    throw unauthorized('no account: sign up or log in (an anonymous visitor has one once they rate)');
  return user;
}

/**
 * The visitor's own account (profile, privacy, export, deletion) and other users' public profiles. Every
 * route acts on the session's user only: no route takes another user's id for a write.
 */
export function profileRoutes(app: Api, services: Services): void {
  const { db } = services.storage;
  const tags = ['accounts'];

  const me = async (userId: number) => {
    const account = await accountById(db, userId);
    if (!account) throw unauthorized('this account no longer exists: log in again');
    const counts = await choiceCounts(db, userId);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    return { ...publicAccount(account), createdAt: account.createdAt, counts, total };
  };

  app.get(
    '/api/me',
    {
      schema: {
        summary:
          'The visitor’s account (or anonymous ratings) with how many works they rated with each choice',
        tags,
        response: { 200: meSchema, '4xx': errorSchema },
      },
    },
    async (request) => me(visitorOf(request).id),
  );

  app.patch(
    '/api/me',
    {
      schemaErrorFormatter: explainValidation({
        isPublic: 'isPublic is true or false',
        adultOk: 'adultOk is true or false',
      }),
      schema: {
        summary:
          'Change the account’s settings: a public or private profile, adult works shown or hidden (needs x-csrf-token)',
        tags,
        security: [{ csrf: [] }],
        body: settingsSchema,
        response: { 200: meSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const user = accountOf(request);
      await updateSettings(db, user.id, request.body);
      return me(user.id);
    },
  );

  app.delete(
    '/api/me',
    {
      // Each attempt derives a password hash: as limited as log-in, per account.
      config: {
        rateLimit: {
          max: AUTH_RATE_LIMIT.max,
          timeWindow: AUTH_RATE_LIMIT.timeWindowMs,
          keyGenerator: userOrAddress,
        },
      },
      schemaErrorFormatter: explainValidation({}),
      schema: {
        summary:
          'Delete the account and all its ratings (its password is required); an anonymous visitor deletes their ratings without one',
        tags,
        security: [{ csrf: [] }],
        body: deletionSchema,
        response: { 204: emptySchema, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const user = visitorOf(request);
      if (!user.isAnonymous) {
        const password = request.body?.password;
        if (!password)
          throw badRequest('body: "password" is missing (the account’s password confirms the deletion)');
        if (!(await checkPassword(db, user.id, password))) throw unauthorized('wrong password');
      }
      const counts = await choiceCounts(db, user.id);
      const rated = Object.values(counts).some((count) => count > 0);
      // Ratings and sessions go with the user (foreign keys cascade).
      await deleteUser(db, user.id);
      // The served model was trained on those ratings: the next training leaves them out
      // (docs/service.md, visitors and accounts).
      if (rated) await services.jobs.enqueue('train');
      request.session = undefined;
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/me/export',
    {
      schema: {
        summary: 'Download everything kept about the visitor’s account: the user and every rating (JSON)',
        tags,
        response: { 200: accountExportSchema, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const user = visitorOf(request);
      const data = await exportUser(db, user.id);
      if (!data) throw unauthorized('this account no longer exists: log in again');
      const name = data.user.username ?? 'anonymous';
      // The username's characters (letters, digits, _ - .) are safe in a header.
      reply.header('content-disposition', `attachment; filename="osusume-${name}.json"`);
      reply.type('application/json; charset=utf-8');
      // Pretty-printed: the file is for people to read too.
      return reply
        .serializer((payload) => `${JSON.stringify(payload, null, 2)}\n`)
        .send({
          format: 'osusume-account-export/1',
          exportedAt: new Date().toISOString(),
          user: { ...publicAccount(data.user), createdAt: data.user.createdAt },
          counts: data.counts,
          ratings: data.ratings,
        });
    },
  );

  app.get(
    '/api/users/:username',
    {
      schema: {
        summary: 'A user’s public profile: counts per choice and their ratings, paged (403 when private)',
        tags,
        params: strictObject({ username: idSchema(100) }, ['username']),
        querystring: profileQuerySchema,
        response: { 200: profileSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const account = await accountByUsername(db, request.params.username);
      if (!account?.username) throw notFound(`no user "${request.params.username}"`);
      if (!account.isPublic && request.session?.user?.id !== account.id)
        throw forbidden('this profile is private');
      const { page, pageSize } = request.query;
      // Another viewer sees the adult works among these ratings only if they opted in.
      const adult = request.session?.user?.id === account.id || showsAdult(request);
      const [counts, ratings] = await Promise.all([
        choiceCounts(db, account.id),
        ratingsPage(db, account.id, page, pageSize, adult),
      ]);
      return {
        username: account.username,
        isPublic: account.isPublic,
        createdAt: account.createdAt,
        counts,
        total: ratings.total,
        page,
        pageSize,
        items: ratings.items,
      };
    },
  );
}
