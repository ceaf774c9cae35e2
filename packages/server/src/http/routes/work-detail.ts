import type { FastifyInstance } from 'fastify';
import { ALTERNATE_TITLE_KINDS } from '../../domain/alternate-titles.js';
import { aboutWork } from '../../domain/work-detail.js';
import type { Services } from '../../services.js';
import { forbidden, notFound } from '../errors.js';
import { showsAdult } from '../visitor.js';
import { explainWork, visitorRatings } from './recommendations.js';
import { errorSchema, explanationSchema, scoredCardSchema } from './schemas.js';
import { workCardSchema } from './works.js';

export function workDetailRoutes(app: FastifyInstance, services: Services): void {
  app.get<{ Params: { id: string } }>(
    '/api/works/:id',
    {
      schema: {
        summary: 'A work: the visitor’s rating, its predicted score and why, and similar works',
        tags: ['works'],
        params: {
          type: 'object',
          properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
          required: ['id'],
        },
        response: {
          200: {
            type: 'object',
            properties: {
              work: workCardSchema,
              members: { type: ['integer', 'null'] },
              alternateTitles: {
                type: 'array',
                description: 'its other names, when its data set gives them',
                items: {
                  type: 'object',
                  properties: {
                    title: { type: 'string' },
                    kind: { type: 'string', enum: [...ALTERNATE_TITLE_KINDS] },
                  },
                  required: ['title', 'kind'],
                },
              },
              prediction: { type: ['number', 'null'] },
              why: { ...explanationSchema, type: ['object', 'null'] },
              similar: { type: 'array', items: scoredCardSchema },
            },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const userId = request.session?.user?.id;
      const about = await aboutWork(services.storage.db, id, userId);
      if (!about) throw notFound(`no work "${id}"`);
      const adult = showsAdult(request);
      if (about.work.adult && !adult) {
        throw forbidden(
          'this work is adult content: log in with an account that shows adult works (profile settings)',
        );
      }
      const serving = services.engine.current;
      if (!serving) return { ...about, prediction: null, why: null, similar: [] };
      // The prediction leaves the work's own rating out: what the model expects before the visitor says.
      const ratings = (await visitorRatings(services, userId)).filter((r) => r.work !== id);
      const why = explainWork(serving, ratings, id, 5);
      return {
        ...about,
        prediction: why ? serving.clip(why.score) : null,
        why: why ?? null,
        similar: serving.similar(id, 10, adult) ?? [],
      };
    },
  );
}
