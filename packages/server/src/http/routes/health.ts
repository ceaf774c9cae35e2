import type { Services } from '../../services.js';
import { strictObject } from '../schemas/common.js';
import type { Api } from '../typed.js';

/** What the process says of itself. */
const statusSchema = strictObject({ status: { type: 'string' } }, ['status']);

export function healthRoutes(app: Api, { engine }: Services): void {
  app.get(
    '/health',
    {
      schema: {
        summary: 'The process is up',
        tags: ['service'],
        response: { 200: statusSchema },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/ready',
    {
      schema: {
        summary: 'A model is serving recommendations, warmed up (503 until then)',
        tags: ['service'],
        response: {
          200: strictObject({ ...statusSchema.properties, model: { type: 'integer' } }, ['status', 'model']),
          503: statusSchema,
        },
      },
    },
    async (_request, reply) => {
      const version = engine.version;
      if (version === undefined) return reply.code(503).send({ status: 'no model yet' });
      if (!engine.ready) return reply.code(503).send({ status: 'warming up' });
      return { status: 'ready', model: version };
    },
  );
}
