import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Rng } from 'osusume';
import { CHOICES } from '../domain/choices.js';
import type { Services } from '../services.js';

/** Requests in flight during the warm-up. */
const CONNECTIONS = 8;

/**
 * Sends made-up requests through this process's whole HTTP stack for `ms` milliseconds (and counts
 * how they were answered): a private
 * listener on 127.0.0.1 hands them to the app's own routing, so socket reads and writes, HTTP parsing,
 * routing, validation, the recommendation and serialization all run compiled before the process says
 * it is ready. Reads only: the integration API's fold-in when it is on (with the API key; else work
 * pages, whose similar works also use the model), a list and the health check. Not a title search: building the process's title index leaves ~27 MB of
 * garbage whose collection then lands in the first seconds of load (measured: p99 of the integration
 * API's fold-in 16–20 ms with the index built here against 14–15 ms without, 4 alternated runs each);
 * the first search builds it instead (a few hundred milliseconds, once per process).
 */
export async function warmUpHttp(
  app: FastifyInstance,
  services: Services,
  ms: number,
): Promise<{ ok: number; failed: number }> {
  const answered = { ok: 0, failed: 0 };
  const serving = services.engine.current;
  if (!serving) return answered;
  const server = createServer((req, res) => app.routing(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const works = serving.model.items.toArray();
  const rng = new Rng(2);
  const apiKey = services.config.apiKey;
  const send = (method: string, path: string, body?: string) =>
    new Promise<void>((resolve) => {
      const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
      if (apiKey) headers['x-api-key'] = apiKey;
      const req = request({ port, host: '127.0.0.1', method, path, agent, headers }, (res) => {
        if ((res.statusCode ?? 500) < 300) answered.ok++;
        else answered.failed++;
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => {
        answered.failed++;
        resolve();
      });
      req.end(body);
    });
  const next = (k: number): Promise<void> => {
    if (k % 50 === 49) return send('GET', '/api/works?sort=popular');
    if (k % 50 === 48) return send('GET', '/health');
    // With the integration API off its route answers 503: a work's page (its similar works) instead.
    if (!apiKey) return send('GET', `/api/works/${encodeURIComponent(works[rng.int(works.length)])}`);
    const ratings = Array.from({ length: 10 + rng.int(50) }, () => ({
      work: works[rng.int(works.length)],
      choice: CHOICES[rng.int(CHOICES.length)],
    }));
    return send('POST', '/api/v1/recommend', JSON.stringify({ ratings, n: 10 }));
  };
  const end = performance.now() + ms;
  let sent = 0;
  const loop = async () => {
    while (performance.now() < end) await next(sent++);
  };
  try {
    await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  } finally {
    agent.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return answered;
}
