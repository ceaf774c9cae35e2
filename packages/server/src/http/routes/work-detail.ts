import type { FastifyInstance } from 'fastify';
import { ALTERNATE_TITLE_KINDS, loadAlternateTitles } from '../../domain/alternate-titles.js';
import { workCards } from '../../domain/lists.js';
import type { Services } from '../../services.js';
import { notFound } from '../errors.js';
import { describeExplanation, visitorRatings } from './recommendations.js';
import { explanationSchema, scoredCardSchema } from './schemas.js';
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
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const userId = request.session?.user?.id;
      const [card] = await workCards(services.storage.db, [id], userId);
      if (!card) throw notFound(`no work "${id}"`);
      const [row, alternateTitles] = await Promise.all([
        services.storage.db.selectFrom('works').select('members').where('id', '=', id).executeTakeFirst(),
        loadAlternateTitles(services.storage.db, id),
      ]);
      const about = { work: card, members: row?.members ?? null, alternateTitles };
      const serving = services.engine.current;
      if (!serving) return { ...about, prediction: null, why: null, similar: [] };
      // The prediction leaves the work's own rating out: what the model expects before the visitor says.
      const ratings = (await visitorRatings(services, userId)).filter((r) => r.work !== id);
      const why = serving.explain(ratings, id, 5);
      return {
        ...about,
        prediction: why?.score ?? null,
        why: why ? describeExplanation(serving, why, ratings) : null,
        similar: serving.similar(id, 10) ?? [],
      };
    },
  );
}
