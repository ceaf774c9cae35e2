import type { FastifyRequest } from 'fastify';
import { sameSecret } from '../../auth/tokens.js';
import { ratingsOfUser, removeRating, upsertRatings, workExists } from '../../domain/ratings.js';
import { ensureExternalUser, externalUserId } from '../../domain/users.js';
import { MAX_PARTY_MEMBERS } from '../../domain/vocabulary.js';
import { DEFAULT_GROUP_RULE, recommendForGroup } from '../../engine/group-recommendation.js';
import { recommendWorks } from '../../engine/recommendation-rule.js';
import type { RatingInput, ServingModel } from '../../engine/serving-model.js';
import type { Services } from '../../services.js';
import { badRequest, HttpError, notFound, unauthorized } from '../errors.js';
import {
  adultSchema,
  categoryFilterSchema,
  choiceSchema,
  emptySchema,
  errorSchema,
  idSchema,
  nSchema,
  strictObject,
} from '../schemas/common.js';
import { groupBodySchema, groupRuleSchema, v1RecommendAnswerSchema } from '../schemas/groups.js';
import { recommendedListSchema, scoredListSchema } from '../schemas/recommendations.js';
import type { Api } from '../typed.js';
import { explainValidation } from '../validation.js';
import { rulesAnswer, withMemberReasons } from './groups.js';
import { servingModel } from './recommendations.js';

/** An id in the client application's world. */
const externalIdSchema = idSchema(128);
const userParams = strictObject({ id: externalIdSchema }, ['id']);
const ratingParams = strictObject({ id: externalIdSchema, workId: externalIdSchema }, ['id', 'workId']);
const tags = ['integration'];
const ratingsSchema = {
  type: 'array',
  maxItems: 5000,
  items: strictObject({ work: externalIdSchema, choice: choiceSchema }, ['work', 'choice']),
} as const;
const security = [{ apiKey: [] }];

/**
 * The integration API for other applications (the way Gorse is used): users and works by their ids in
 * the client's world (imported data keeps its data-set ids), authenticated by the x-api-key header.
 * Answers list `{work, title, score}` objects under `items`.
 */
export function v1Routes(app: Api, services: Services): void {
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

  app.register(async (v1: Api) => {
    v1.addHook('onRequest', authenticate);

    v1.get(
      '/api/v1/users/:id/recommendations',
      {
        schema: {
          summary: 'Top-n works for a user, from their current ratings',
          tags,
          security,
          params: userParams,
          querystring: strictObject({ n: nSchema, category: categoryFilterSchema, adult: adultSchema }),
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

    v1.put(
      '/api/v1/users/:id/ratings/:workId',
      {
        schema: {
          summary: 'Set a user’s rating of a work (the user is created on first use)',
          tags,
          security,
          params: ratingParams,
          body: strictObject({ choice: choiceSchema }, ['choice']),
          response: {
            200: strictObject({ user: { type: 'string' }, work: { type: 'string' }, choice: choiceSchema }, [
              'user',
              'work',
              'choice',
            ]),
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

    v1.delete(
      '/api/v1/users/:id/ratings/:workId',
      {
        schema: {
          summary: 'Remove a user’s rating of a work',
          tags,
          security,
          params: ratingParams,
          response: { 204: emptySchema, 404: errorSchema },
        },
      },
      async (request, reply) => {
        const userId = await externalUserId(db, request.params.id);
        if (userId === undefined || !(await removeRating(db, userId, request.params.workId))) {
          throw notFound(`user "${request.params.id}" has no rating of "${request.params.workId}"`);
        }
        return reply.code(204).send(null);
      },
    );

    v1.post(
      '/api/v1/recommend',
      {
        schemaErrorFormatter: explainValidation({
          group: `1 to ${MAX_PARTY_MEMBERS} members, each { ratings: [...] }`,
        }),
        schema: {
          summary:
            'Top-n works for someone without an account, or for a group of them, from ratings sent here (fold-in, no retraining)',
          tags,
          security,
          body: strictObject({
            ratings: { ...ratingsSchema, description: 'one user’s ratings (send this or `group`)' },
            group: groupBodySchema,
            rule: groupRuleSchema,
            n: nSchema,
            category: categoryFilterSchema,
            adult: adultSchema,
          }),
          response: { 200: v1RecommendAnswerSchema, 400: errorSchema },
        },
      },
      async (request) => {
        const serving = servingModel(services);
        const { ratings, group, rule, n, category, adult } = request.body;
        if ((ratings === undefined) === (group === undefined)) {
          throw badRequest('body: send either "ratings" (one user) or "group" (several users), not both');
        }
        if (!group) {
          if (rule !== undefined) throw badRequest('body: "rule" is for a group only');
          return recommend(serving, ratings ?? [], request.body);
        }
        const members = group.map((m, i) => ({ name: m.name ?? `member ${i + 1}`, ratings: m.ratings }));
        const used = rule ?? DEFAULT_GROUP_RULE;
        const ranked = await recommendForGroup(
          serving,
          services.consensus,
          members.map((m) => m.ratings),
          used,
          { n, category, adult, minRatings: services.config.minRatings },
        );
        return {
          items: withMemberReasons(serving, ranked.items, members, ranked.folded),
          fallback: ranked.fallback,
          model: serving.version,
          rule: rulesAnswer(used),
        };
      },
    );

    v1.get(
      '/api/v1/works/:id/similar',
      {
        schema: {
          summary: 'Works whose vectors point the same way as this one',
          tags,
          security,
          params: userParams,
          querystring: strictObject({ n: nSchema, adult: adultSchema }),
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
