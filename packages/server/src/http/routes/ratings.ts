import {
  ratingsOfUser,
  removeRating,
  toggleRating,
  upsertRatings,
  workExists,
} from '../../domain/ratings.js';
import type { Services } from '../../services.js';
import { notFound } from '../errors.js';
import { errorSchema, idSchema, strictObject } from '../schemas/common.js';
import { myRatingsSchema, ratingBodySchema, ratingResultSchema } from '../schemas/ratings.js';
import type { Api } from '../typed.js';
import { userFor } from '../visitor.js';

const workParams = strictObject({ workId: idSchema(100) }, ['workId']);

export function ratingRoutes(app: Api, services: Services): void {
  const { db } = services.storage;
  const { sessions } = services;
  const tags = ['ratings'];

  app.put(
    '/api/ratings/:workId',
    {
      schema: {
        summary: 'Rate a work; the same choice again removes the rating (needs x-csrf-token)',
        description:
          'Anonymous visitors may rate: their ratings join their account when they sign up. Ranking ' +
          'counters follow a few seconds later (a background job). With "toggle": false the choice is ' +
          'set even when it is the rating already, so that sending the same request twice (a retry after ' +
          'a lost answer) leaves the same rating.',
        tags,
        security: [{ csrf: [] }],
        params: workParams,
        body: ratingBodySchema,
        response: { 200: ratingResultSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const { workId } = request.params;
      if (!(await workExists(db, workId))) throw notFound(`no work "${workId}"`);
      const user = await userFor(request, sessions, db);
      const { choice, toggle } = request.body;
      if (toggle === false) {
        await upsertRatings(db, user.id, [{ work: workId, choice }]);
        return { work: workId, choice };
      }
      return { work: workId, choice: await toggleRating(db, user.id, workId, choice) };
    },
  );

  app.delete(
    '/api/ratings/:workId',
    {
      schema: {
        summary: 'Remove the visitor’s rating of a work (needs x-csrf-token)',
        tags,
        security: [{ csrf: [] }],
        params: workParams,
        response: { 200: ratingResultSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const { workId } = request.params;
      if (!(await workExists(db, workId))) throw notFound(`no work "${workId}"`);
      const user = request.session?.user;
      if (user) await removeRating(db, user.id, workId);
      return { work: workId, choice: null };
    },
  );

  app.get(
    '/api/ratings',
    {
      schema: {
        summary: 'The visitor’s ratings, most recent first',
        tags,
        response: { 200: myRatingsSchema },
      },
    },
    async (request) => {
      const user = request.session?.user;
      return { items: user ? await ratingsOfUser(db, user.id) : [] };
    },
  );
}
