import type { FastifyInstance } from 'fastify';

/** How often connections that went idle during a stop are closed. */
const IDLE_CHECK_MS = 100;

/**
 * Stops taking requests and lets those in flight finish, closing each keep-alive connection as soon as
 * it is idle: `app.close()` alone closes the connections idle when it starts, and one that was busy then
 * stays open after its answer until the keep-alive timeout (Fastify's is 72 s; a browser keeps it), so a
 * stop took over a minute whenever a page was loading. After `graceMs` every connection is closed.
 */
export async function closeGracefully(app: FastifyInstance, graceMs = 10_000): Promise<void> {
  const idle = setInterval(() => app.server.closeIdleConnections(), IDLE_CHECK_MS);
  const force = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearInterval(idle);
    clearTimeout(force);
  }
}
