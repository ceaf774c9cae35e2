import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Session, SessionStore, SessionUser } from '../auth/sessions.js';
import { randomToken, sameSecret } from '../auth/tokens.js';
import type { Db } from '../db/schema.js';
import { attachAnonymousUser } from '../domain/users.js';
import { forbidden, unauthorized } from './errors.js';

export const SESSION_COOKIE = 'osusume_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    /** The browser session behind the request, if its cookie names a live one. */
    session: Session | undefined;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Routes of the web app's API: cookies and CSRF apply (the integration API /api/v1 uses a key instead).
 * Decided on the route the router matched (undefined when none did), never on the raw URL: the router
 * decodes it, so `/%61pi/login` reaches `/api/login`.
 */
function isBrowserApi(route: string | undefined): boolean {
  return route?.startsWith('/api/') === true && !route.startsWith('/api/v1/');
}

/**
 * Loads the session of every browser-API request from its cookie, and refuses writes whose
 * x-csrf-token header does not match the session's token (a page on another site can make the browser
 * send the cookie, but cannot read the token). A cookie without a row yet (a visitor who only read) has
 * the token derived from it, and its row is stored at that first write.
 */
export function registerVisitor(app: FastifyInstance, sessions: SessionStore): void {
  app.decorateRequest('session', undefined);
  app.addHook('onRequest', async (request) => {
    if (!isBrowserApi(request.routeOptions.url)) return;
    const token = request.cookies[SESSION_COOKIE];
    request.session = token ? await sessions.find(token) : undefined;
    if (!UNSAFE.has(request.method)) return;
    const expected = request.session?.csrfToken ?? (token ? await sessions.csrfFor(token) : undefined);
    const header = request.headers[CSRF_HEADER];
    if (expected === undefined || typeof header !== 'string' || !sameSecret(header, expected)) {
      throw forbidden(
        `missing or wrong CSRF token: GET /api/session first, then send its csrfToken in the ${CSRF_HEADER} header`,
      );
    }
    // The first write of a visitor who so far only read: its session is stored now.
    if (!request.session && token) request.session = await sessions.store(token);
  });
}

/**
 * The CSRF token of the request's session and its user. A new visitor gets a cookie token and nothing is
 * stored: the session row is created at its first write (see registerVisitor).
 */
export async function visitorSession(
  request: FastifyRequest,
  reply: FastifyReply,
  sessions: SessionStore,
): Promise<{ csrfToken: string; user: SessionUser | null }> {
  if (request.session) return { csrfToken: request.session.csrfToken, user: request.session.user };
  let token = request.cookies[SESSION_COOKIE];
  if (!token) {
    token = randomToken();
    setSessionCookie(request, reply, token);
  }
  return { csrfToken: await sessions.csrfFor(token), user: null };
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    maxAge: 30 * 86400,
  });
}

/**
 * The user behind a write: the session's user, or a new anonymous one attached to the session, so a
 * visitor can rate before having an account (their ratings stay theirs when they sign up).
 */
export async function userFor(request: FastifyRequest, sessions: SessionStore, db: Db): Promise<SessionUser> {
  const session = request.session;
  if (!session) throw unauthorized('no session: GET /api/session first');
  if (session.user) return session.user;
  const created = await attachAnonymousUser(db, session.id);
  if (created !== undefined) {
    session.user = {
      id: created,
      username: null,
      isAdmin: false,
      isAnonymous: true,
      isPublic: false,
      adultOk: false,
    };
  } else {
    const winner = await sessions.byId(session.id);
    if (!winner?.user) throw unauthorized('the session ended: GET /api/session again');
    session.user = winner.user;
  }
  return session.user;
}

/** Whether the visitor sees adult works: only an account that opted in does. */
export function showsAdult(request: FastifyRequest): boolean {
  return request.session?.user?.adultOk === true;
}

/** The signed-in account (not anonymous), or 401. */
export function accountOf(request: FastifyRequest): SessionUser {
  const user = request.session?.user;
  if (!user || user.isAnonymous) throw unauthorized('log in first');
  return user;
}

/** The signed-in admin, or 401/403. */
export function adminOf(request: FastifyRequest): SessionUser {
  const user = accountOf(request);
  if (!user.isAdmin) throw forbidden('admins only');
  return user;
}
