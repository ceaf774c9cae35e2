import type { FastifyInstance } from 'fastify';
import { CHOICES, type Choice } from '../../domain/choices.js';
import {
  ratingsOfUser,
  removeRating,
  toggleRating,
  upsertRatings,
  workExists,
} from '../../domain/ratings.js';
import type { Services } from '../../services.js';
import { notFound } from '../errors.js';
import { userFor } from '../visitor.js';
import { errorSchema } from './schemas.js';

const workParams = {
  type: 'object',
  properties: { workId: { type: 'string', minLength: 1, maxLength: 100 } },
  required: ['workId'],
} as const;

const ratingResultSchema = {
  type: 'object',
  properties: {
    work: { type: 'string' },
    choice: { type: ['string', 'null'], enum: [...CHOICES, null], description: 'null: no rating any more' },
  },
  required: ['work', 'choice'],
} as const;

export function ratingRoutes(app: FastifyInstance, services: Services): void {
  const { db } = services.storage;
  const { sessions } = services;
  const tags = ['ratings'];

  app.put<{ Params: { workId: string }; Body: { choice: Choice; toggle?: boolean } }>(
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
        body: {
          type: 'object',
          properties: {
            choice: { type: 'string', enum: [...CHOICES] },
            toggle: { type: 'boolean', default: true, description: 'false: set, never remove' },
          },
          required: ['choice'],
          additionalProperties: false,
        },
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

  app.delete<{ Params: { workId: string } }>(
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
        response: {
          200: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    work: { type: 'string' },
                    title: { type: 'string' },
                    category: { type: 'string' },
                    choice: { type: 'string', enum: [...CHOICES] },
                    updatedAt: { type: 'string' },
                  },
                  required: ['work', 'title', 'category', 'choice', 'updatedAt'],
                },
              },
            },
            required: ['items'],
          },
        },
      },
    },
    async (request) => {
      const user = request.session?.user;
      return { items: user ? await ratingsOfUser(db, user.id) : [] };
    },
  );
}
