import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Account, AccountError, authenticate, createAccount } from '../../auth/accounts.js';
import { PASSWORD_RULE, USERNAME_RULE } from '../../auth/credential-rules.js';
import { mergeAnonymous, nothingMerged } from '../../auth/merge.js';
import type { Session, SessionUser } from '../../auth/sessions.js';
import type { Services } from '../../services.js';
import { conflict, HttpError, unauthorized } from '../errors.js';
import { loggedInSchema, logInSchema, signedInSchema, signUpSchema } from '../schemas/accounts.js';
import { emptySchema, errorSchema } from '../schemas/common.js';
import type { Api } from '../typed.js';
import { explainValidation } from '../validation.js';
import { SESSION_COOKIE, setSessionCookie } from '../visitor.js';

/**
 * Sign-up and log-in attempts allowed per client address, and account deletions per account (each checks
 * a password), each route counted on its own.
 */
export const AUTH_RATE_LIMIT = { max: 10, timeWindowMs: 60_000 } as const;

export const WRONG_CREDENTIALS = 'wrong username or password';

const credentialRules = { username: USERNAME_RULE, password: PASSWORD_RULE };

export function publicAccount(account: SessionUser) {
  const { id, username, isAdmin, isAnonymous, isPublic, adultOk } = account;
  return { id, username, isAdmin, isAnonymous, isPublic, adultOk };
}

/**
 * A fresh session for the user who just signed up or logged in: a new cookie token and CSRF token, the
 * previous session destroyed (a token planted before log-in is worth nothing after it).
 */
async function rotateSession(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  userId: number,
): Promise<Session> {
  const previous = request.session;
  const { token, session } = await services.sessions.create(userId);
  if (previous) await services.sessions.destroy(previous.id);
  setSessionCookie(request, reply, token);
  request.session = session;
  return session;
}

/** Sign-up, log-in (both rate-limited per client address) and log-out. */
export function accountRoutes(app: Api, services: Services): void {
  const { db } = services.storage;
  const tags = ['accounts'];
  const rateLimited = {
    rateLimit: { max: AUTH_RATE_LIMIT.max, timeWindow: AUTH_RATE_LIMIT.timeWindowMs },
  };

  app.post(
    '/api/signup',
    {
      config: rateLimited,
      schemaErrorFormatter: explainValidation(credentialRules),
      schema: {
        summary:
          'Create an account and log in; a visitor who rated before keeps those ratings (needs x-csrf-token)',
        tags,
        security: [{ csrf: [] }],
        body: signUpSchema,
        response: { 201: signedInSchema, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const current = request.session?.user;
      if (current && !current.isAnonymous) {
        throw conflict(`already logged in as "${current.username}": log out first`);
      }
      let account: Account;
      try {
        account = await createAccount(db, {
          username: request.body.username,
          password: request.body.password,
          ...(current ? { anonymousId: current.id } : {}),
        });
      } catch (error) {
        if (error instanceof AccountError)
          throw new HttpError(error.reason === 'taken' ? 409 : 400, error.message);
        throw error;
      }
      const session = await rotateSession(request, reply, services, account.id);
      return reply.code(201).send({ csrfToken: session.csrfToken, user: publicAccount(account) });
    },
  );

  app.post(
    '/api/login',
    {
      config: rateLimited,
      schemaErrorFormatter: explainValidation({}),
      schema: {
        summary:
          'Log in; ratings made before as an anonymous visitor join the account (the newer wins where both rated)',
        tags,
        security: [{ csrf: [] }],
        body: logInSchema,
        response: { 200: loggedInSchema, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const account = await authenticate(db, request.body.username, request.body.password);
      if (!account) throw unauthorized(WRONG_CREDENTIALS);
      const current = request.session?.user;
      const merged = current?.isAnonymous
        ? await mergeAnonymous(db, current.id, account.id)
        : nothingMerged();
      const session = await rotateSession(request, reply, services, account.id);
      return { csrfToken: session.csrfToken, user: publicAccount(account), merged };
    },
  );

  app.post(
    '/api/logout',
    {
      schema: {
        summary: 'Log out: the session is destroyed and its cookie cleared (needs x-csrf-token)',
        tags,
        security: [{ csrf: [] }],
        response: { 204: emptySchema, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      if (request.session) await services.sessions.destroy(request.session.id);
      request.session = undefined;
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );
}
