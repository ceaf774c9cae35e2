import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { closeGracefully } from '../src/http/close.js';
import { sleep } from './processes.js';

/** An app with a route that answers after `ms`, listening on a free port. */
async function slowApp(ms: number): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify();
  app.get('/slow', async () => {
    await sleep(ms);
    return { ok: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as AddressInfo).port };
}

/** GET /slow over a keep-alive agent (as a browser keeps its connections): the status, or the error. */
function get(agent: Agent, port: number): Promise<number | Error> {
  return new Promise((resolve) => {
    const req = request({ port, host: '127.0.0.1', path: '/slow', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', resolve);
    req.end();
  });
}

describe('closeGracefully', () => {
  const agents: Agent[] = [];
  afterEach(() => {
    for (const agent of agents.splice(0)) agent.destroy();
  });
  const keepAlive = () => {
    const agent = new Agent({ keepAlive: true });
    agents.push(agent);
    return agent;
  };

  // With app.close() alone, the connection busy when the stop begins stays open after its answer until
  // the keep-alive timeout (72 s): longer than this test may take.
  it('lets a request in flight finish, then closes its keep-alive connection', {
    timeout: 20_000,
  }, async () => {
    const { app, port } = await slowApp(300);
    const answer = get(keepAlive(), port);
    await sleep(100);
    const closed = closeGracefully(app, 60_000);
    expect(await answer).toBe(200);
    await closed;
    expect(app.server.listening).toBe(false);
  });

  it('closes a connection whose request is still not answered after the grace period', {
    timeout: 20_000,
  }, async () => {
    const { app, port } = await slowApp(60_000);
    const answer = get(keepAlive(), port);
    await sleep(100);
    await closeGracefully(app, 500);
    expect(await answer).toBeInstanceOf(Error);
  });
});
