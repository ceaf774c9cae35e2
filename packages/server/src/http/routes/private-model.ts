import { buildPrivateModel, type PrivateModel } from '../../engine/private-model.js';
import type { ServingModel } from '../../engine/serving-model.js';
import type { Services } from '../../services.js';
import { HttpError } from '../errors.js';
import { errorSchema } from '../schemas/common.js';
import type { Api } from '../typed.js';
import { servingModel } from './recommendations.js';

/**
 * GET /api/private/model: what the web app's private mode downloads to recommend in the browser
 * (docs/web.md, "Private mode"; the format in packages/core/src/io/portable-factors.ts). Built once per
 * serving model and gzipped once; its ETag is the model version, so a page that has it gets a 304 until
 * the next model serves.
 */
export function privateModelRoutes(app: Api, services: Services): void {
  const built = new WeakMap<ServingModel, Promise<PrivateModel | undefined>>();
  app.get(
    '/api/private/model',
    {
      schema: {
        summary: "The serving model's item factors (binary16) for recommending in the browser",
        description:
          'Private mode: the page folds the visitor in, ranks and explains itself, so ratings never leave ' +
          'the browser. Binary (packages/core/src/io/portable-factors.ts), gzipped when the client accepts ' +
          'it; the ETag names the model version.',
        tags: ['recommendations'],
        response: {
          200: { description: 'The portable model (binary)', type: 'string', format: 'binary' },
          '4xx': errorSchema,
          '5xx': errorSchema,
        },
      },
    },
    async (request, reply) => {
      const serving = servingModel(services);
      let payload = built.get(serving);
      if (!payload) {
        payload = buildPrivateModel(serving, services.consensus, services.config.minRatings);
        built.set(serving, payload);
      }
      const model = await payload;
      if (!model) throw new HttpError(404, 'the serving model has no item factors to run in a browser');
      const etag = `"private-${model.version}"`;
      reply.header('etag', etag).header('cache-control', 'no-cache').header('vary', 'accept-encoding');
      if (request.headers['if-none-match'] === etag) return reply.code(304).send('');
      reply.type('application/octet-stream');
      // A Buffer is sent as it is (no serializer): the schema's string type is for the API document.
      const gzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
      if (gzip) reply.header('content-encoding', 'gzip');
      const body = gzip
        ? model.gzipped
        : Buffer.from(model.bytes.buffer, model.bytes.byteOffset, model.bytes.byteLength);
      return reply.send(body as unknown as string);
    },
  );
}
