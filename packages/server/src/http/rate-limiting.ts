import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db/schema.js';
import { HttpError } from './errors.js';
import { databaseStore } from './rate-limit-store.js';

/** The window of a rate limit whose route does not say otherwise. */
const DEFAULT_WINDOW_MS = 60_000;

/**
 * @fastify/rate-limit for the routes that ask for it (`config.rateLimit`; no hook on any other route),
 * each route counted on its own in the database store that every API process shares. Registered once
 * on the app, before the routes.
 */
export async function registerRateLimits(app: FastifyInstance, db: Db): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    store: databaseStore(db, DEFAULT_WINDOW_MS),
    errorResponseBuilder: (_request, context) =>
      new HttpError(context.statusCode, `too many attempts: try again in ${context.after}`),
  });
}

/**
 * A route's key per visitor: their account when they are logged in (an attacker holding a session gains
 * nothing by changing address), else their address (anonymous users are free to make: one per session).
 */
export function userOrAddress(request: FastifyRequest): string {
  const user = request.session?.user;
  return user && !user.isAnonymous ? `user ${user.id}` : `address ${request.ip}`;
}
