import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';

/** The API, its document and the built assets: never answered with the web app's page. */
const NOT_APP = /^\/(api|docs|health|ready|assets)(\/|$)/;

/**
 * The web app (packages/web, built by Vite): hashed assets cached for good, and index.html for every
 * other GET that asks for a page, so that client-side routes such as /works/5114 load the app.
 */
export async function webRoutes(app: FastifyInstance, { config }: Services): Promise<void> {
  const root = config.webDir;
  if (!existsSync(join(root, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain')
        .send(
          `The web app is not built (${root}): run npm run build. The API is at /api, its document at /docs.`,
        ),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders: (response, path) => {
      const immutable = path.startsWith(join(root, 'assets'));
      response.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    if (request.method === 'GET' && !NOT_APP.test(path) && request.headers.accept?.includes('text/html')) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply.code(404).send({
      statusCode: 404,
      error: 'Not Found',
      message: `no route ${request.method} ${path}`,
    });
  });
}
