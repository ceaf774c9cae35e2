import { getSetting } from '../db/settings.js';
import { ratingsSignature } from '../domain/counters.js';
import type { Services } from '../services.js';

export const COUNTERS_SIGNATURE = 'counters_signature';
export const MODEL_SIGNATURE = 'model_signature';

/** How often expired sessions are deleted. */
const SESSION_PURGE_MS = 3600_000;

/**
 * Queues the periodic jobs when the ratings changed since they last ran: ranking counters every few
 * seconds (batched, never per request), retraining every so many minutes; and deletes expired sessions
 * at start and every hour. Returns a stop function.
 */
export function startScheduler(services: Services, log: (message: string) => void = () => {}): () => void {
  const { db } = services.storage;
  const { countersEverySeconds, trainEveryMinutes } = services.config;
  const whenChanged = (key: string, kind: 'counters' | 'train') => async () => {
    try {
      const [current, done] = await Promise.all([ratingsSignature(db), getSetting(db, key)]);
      if (current !== done) await services.jobs.enqueue(kind);
    } catch (error) {
      log(`scheduler: ${kind} check failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const timers = [setInterval(whenChanged(COUNTERS_SIGNATURE, 'counters'), countersEverySeconds * 1000)];
  if (trainEveryMinutes > 0)
    timers.push(setInterval(whenChanged(MODEL_SIGNATURE, 'train'), trainEveryMinutes * 60_000));
  const purgeSessions = () =>
    services.sessions.purgeExpired().catch((error: unknown) => {
      log(`scheduler: session purge failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  void purgeSessions();
  timers.push(setInterval(purgeSessions, SESSION_PURGE_MS));
  for (const timer of timers) timer.unref();
  return () => {
    for (const timer of timers) clearInterval(timer);
  };
}
