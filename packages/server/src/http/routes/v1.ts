import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sameSecret } from '../../auth/tokens.js';
import { CHOICES, type Choice } from '../../domain/choices.js';
import { ratingsOfUser, removeRating, upsertRatings, workExists } from '../../domain/ratings.js';
import { ensureExternalUser, externalUserId } from '../../domain/users.js';
import { recommendWorks } from '../../engine/recommendation-rule.js';
import type { RatingInput, ServingModel } from '../../engine/serving-model.js';
import type { Services } from '../../services.js';
import { HttpError, notFound, unauthorized } from '../errors.js';
import { servingModel } from './recommendations.js';
import { errorSchema, nSchema, recommendedListSchema, scoredListSchema } from './schemas.js';

const idSchema = { type: 'string', minLength: 1, maxLength: 128 } as const;
/** Adult works are left out unless the client application asks for them for this user. */
const adultSchema = {
  type: 'boolean',
  default: false,
  description: 'include adult works (the application vouches that its user opted in)',
} as const;
const tags = ['integration'];
const security = [{ apiKey: [] }];

/**
 * The integration API for other applications (the way Gorse is used): users and works by their ids in
 * the client's world (imported data keeps its data-set ids), authenticated by the x-api-key header.
 * Answers list `{work, title, score}` objects under `items`.
 */
export function v1Routes(app: FastifyInstance, services: Services): void {
  const { db } = services.storage;
  const apiKey = services.config.apiKey;

  const authenticate = async (request: FastifyRequest) => {
    if (!apiKey) throw new HttpError(503, 'the integration API is off: set OSUSUME_API_KEY to turn it on');
    const given = request.headers['x-api-key'];
    if (typeof given !== 'string' || !sameSecret(given, apiKey))
      throw unauthorized('missing or wrong x-api-key');
  };

  /** The answer of both recommendation routes: the rule's works and why, and the model's version. */
  const recommend = async (
    serving: ServingModel,
    ratings: readonly RatingInput[],
    { n, category, adult }: { n: number; category?: string | undefined; adult: boolean },
  ) => {
    const { minRatings } = services.config;
    const rule = { n, category, adult, minRatings };
    const { items, fallback } = await recommendWorks(serving, services.consensus, ratings, rule);
    return { items, fallback, model: serving.version };
  };

  app.register(async (v1) => {
    v1.addHook('onRequest', authenticate);

    v1.get<{ Params: { id: string }; Querystring: { n: number; category?: string; adult: boolean } }>(
      '/api/v1/users/:id/recommendations',
      {
        schema: {
          summary: 'Top-n works for a user, from their current ratings',
          tags,
          security,
          params: { type: 'object', properties: { id: idSchema }, required: ['id'] },
          querystring: {
            type: 'object',
            properties: { n: nSchema, category: { type: 'string', maxLength: 40 }, adult: adultSchema },
            additionalProperties: false,
          },
          response: { 200: recommendedListSchema, 404: errorSchema },
        },
      },
      async (request) => {
        const serving = servingModel(services);
        const userId = await externalUserId(db, request.params.id);
        if (userId === undefined) throw notFound(`no user "${request.params.id}"`);
        const ratings = await ratingsOfUser(db, userId);
        return recommend(serving, ratings, request.query);
      },
    );

    v1.put<{ Params: { id: string; workId: string }; Body: { choice: Choice } }>(
      '/api/v1/users/:id/ratings/:workId',
      {
        schema: {
          summary: 'Set a user’s rating of a work (the user is created on first use)',
          tags,
          security,
          params: {
            type: 'object',
            properties: { id: idSchema, workId: idSchema },
            required: ['id', 'workId'],
          },
          body: {
            type: 'object',
            properties: { choice: { type: 'string', enum: [...CHOICES] } },
            required: ['choice'],
            additionalProperties: false,
          },
          response: {
            200: {
              type: 'object',
              properties: { user: { type: 'string' }, work: { type: 'string' }, choice: { type: 'string' } },
            },
            404: errorSchema,
          },
        },
      },
      async (request) => {
        const { id, workId } = request.params;
        if (!(await workExists(db, workId))) throw notFound(`no work "${workId}"`);
        const userId = await ensureExternalUser(db, id);
        await upsertRatings(db, userId, [{ work: workId, choice: request.body.choice }]);
        return { user: id, work: workId, choice: request.body.choice };
      },
    );

    v1.delete<{ Params: { id: string; workId: string } }>(
      '/api/v1/users/:id/ratings/:workId',
      {
        schema: {
          summary: 'Remove a user’s rating of a work',
          tags,
          security,
          params: {
            type: 'object',
            properties: { id: idSchema, workId: idSchema },
            required: ['id', 'workId'],
          },
          response: { 204: { type: 'null' }, 404: errorSchema },
        },
      },
      async (request, reply) => {
        const userId = await externalUserId(db, request.params.id);
        if (userId === undefined || !(await removeRating(db, userId, request.params.workId))) {
          throw notFound(`user "${request.params.id}" has no rating of "${request.params.workId}"`);
        }
        return reply.code(204).send();
      },
    );

    v1.post<{
      Body: { ratings: { work: string; choice: Choice }[]; n: number; category?: string; adult: boolean };
    }>(
      '/api/v1/recommend',
      {
        schema: {
          summary:
            'Top-n works for someone without an account, from ratings sent here (fold-in, no retraining)',
          tags,
          security,
          body: {
            type: 'object',
            properties: {
              ratings: {
                type: 'array',
                maxItems: 5000,
                items: {
                  type: 'object',
                  properties: { work: idSchema, choice: { type: 'string', enum: [...CHOICES] } },
                  required: ['work', 'choice'],
                  additionalProperties: false,
                },
              },
              n: nSchema,
              category: { type: 'string', maxLength: 40 },
              adult: adultSchema,
            },
            required: ['ratings'],
            additionalProperties: false,
          },
          response: { 200: recommendedListSchema },
        },
      },
      async (request) => {
        const serving = servingModel(services);
        return recommend(serving, request.body.ratings, request.body);
      },
    );

    v1.get<{ Params: { id: string }; Querystring: { n: number; adult: boolean } }>(
      '/api/v1/works/:id/similar',
      {
        schema: {
          summary: 'Works whose vectors point the same way as this one',
          tags,
          security,
          params: { type: 'object', properties: { id: idSchema }, required: ['id'] },
          querystring: {
            type: 'object',
            properties: { n: nSchema, adult: adultSchema },
            additionalProperties: false,
          },
          response: { 200: scoredListSchema, 404: errorSchema },
        },
      },
      async (request) => {
        const serving = servingModel(services);
        const { n, adult } = request.query;
        const items = serving.similar(request.params.id, n, adult);
        if (!items) throw notFound(`no work "${request.params.id}" in the model`);
        return { items, model: serving.version };
      },
    );
  });
}
