import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { countAttempt, purgeAttempts } from '../auth/rate-limits.js';
import type { Db } from '../db/schema.js';

/**
 * @fastify/rate-limit's store over the database: the count of a client's attempts is shared by every
 * API process (an in-memory count would multiply the limit by the number of processes).
 */
export function databaseStore(db: Db, defaultWindowMs: number): FastifyRateLimitStoreCtor {
  let lastPurge = 0;
  return class DatabaseStore implements FastifyRateLimitStore {
    /** Each rate-limited route counts under its own prefix. */
    constructor(
      _options: unknown,
      private readonly prefix = '',
    ) {}

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number = defaultWindowMs,
    ): void {
      const nowMs = Date.now();
      countAttempt(db, `${this.prefix}|${key}`, timeWindow, nowMs).then(
        ({ hits, windowStart }) =>
          callback(null, { current: hits, ttl: Math.max(0, windowStart + timeWindow - nowMs) }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
      if (nowMs - lastPurge > timeWindow) {
        // Housekeeping: a failure only leaves old rows for the next purge.
        lastPurge = nowMs;
        purgeAttempts(db, nowMs - timeWindow).catch(() => {});
      }
    }

    /** The plugin passes the route's merged limit settings, the route itself under `routeInfo`. */
    child(options: object): FastifyRateLimitStore {
      const route = (options as { routeInfo?: { method?: unknown; url?: string } }).routeInfo;
      return new DatabaseStore(undefined, `${String(route?.method ?? '')} ${route?.url ?? ''}`);
    }
  };
}
