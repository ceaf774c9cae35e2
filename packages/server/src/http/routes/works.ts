import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CHOICES } from '../../domain/choices.js';
import { categoryCounts, LIST_SORTS, type ListSort, listWorks, thresholdsOf } from '../../domain/lists.js';
import type { Services } from '../../services.js';
import { showsAdult } from '../visitor.js';
import { errorSchema } from './schemas.js';

const countersSchema = {
  type: 'object',
  properties: {
    favorite: { type: 'integer' },
    like: { type: 'integer' },
    neutral: { type: 'integer' },
    dislike: { type: 'integer' },
    willsee: { type: 'integer' },
    wontsee: { type: 'integer' },
    nbRatings: { type: 'integer', description: 'seen: favorite + like + neutral + dislike' },
  },
  required: ['favorite', 'like', 'neutral', 'dislike', 'willsee', 'wontsee', 'nbRatings'],
} as const;

/** A work as lists and mosaic cards show it. */
export const workCardSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    category: { type: 'string' },
    type: { type: ['string', 'null'] },
    episodes: { type: ['integer', 'null'] },
    genres: { type: 'array', items: { type: 'string' } },
    counters: {
      ...countersSchema,
      description: 'recomputed by a background job shortly after ratings change',
    },
    adult: { type: 'boolean', description: 'adult content (only shown to accounts that opted in)' },
    myRating: { type: ['string', 'null'], enum: [...CHOICES, null], description: 'the visitor’s rating' },
  },
  required: ['id', 'title', 'category', 'type', 'episodes', 'genres', 'adult', 'counters', 'myRating'],
} as const;

export const categorySchema = { type: 'string', minLength: 1, maxLength: 40 } as const;

interface WorksQuery {
  sort: ListSort;
  q?: string;
  category?: string;
  page: number;
  pageSize: number;
  seed?: string;
}

export function workRoutes(app: FastifyInstance, services: Services): void {
  const { db } = services.storage;
  const thresholds = thresholdsOf(services.config);

  app.get<{ Querystring: WorksQuery }>(
    '/api/works',
    {
      schema: {
        summary:
          'Works: ranked lists (top, pearls, popular, controversial, random), new or alphabetical; search',
        description:
          'top: most ratings-weighted score among works with enough ratings; pearls: liked by a few, hardly ' +
          'disliked; random: a shuffle of well-liked works, the same for one `seed` (returned) on every page. ' +
          '`q` searches titles ignoring case and accents. Adult works are left out unless the account opted in.',
        tags: ['works'],
        querystring: {
          type: 'object',
          properties: {
            sort: { type: 'string', enum: [...LIST_SORTS], default: 'popular' },
            q: { type: 'string', maxLength: 200, description: 'title search (case and accents ignored)' },
            category: categorySchema,
            page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 },
            pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 24 },
            seed: {
              type: 'string',
              maxLength: 40,
              description: 'random only: the order to page through (a new one when absent)',
            },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: workCardSchema },
              page: { type: 'integer' },
              pageSize: { type: 'integer' },
              total: { type: 'integer', description: 'works in the list (all pages)' },
              seed: { type: 'string', description: 'random only: pass it back to get the next pages' },
            },
            required: ['items', 'page', 'pageSize', 'total'],
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const { sort, q, category, page, pageSize } = request.query;
      const seed = sort === 'random' ? (request.query.seed ?? String(randomInt(1, 2 ** 40))) : undefined;
      const result = await listWorks(
        db,
        {
          sort,
          q,
          category,
          page,
          pageSize,
          seed,
          userId: request.session?.user?.id,
          adult: showsAdult(request),
        },
        thresholds,
      );
      return {
        items: result.items,
        page,
        pageSize,
        total: result.total,
        ...(seed === undefined ? {} : { seed }),
      };
    },
  );

  app.get(
    '/api/categories',
    {
      schema: {
        summary: 'The categories present (anime, manga…) with their number of works',
        tags: ['works'],
        response: {
          200: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { category: { type: 'string' }, works: { type: 'integer' } },
                  required: ['category', 'works'],
                },
              },
            },
            required: ['items'],
          },
        },
      },
    },
    async () => ({ items: await categoryCounts(db) }),
  );
}
