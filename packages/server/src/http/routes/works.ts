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

/**
 * A search keeps this many best matches: enough for every page anyone reads, few enough to hand to the
 * database as a list of ids on every keystroke.
 */
export const SEARCH_MATCHES = 1000;

interface WorksQuery {
  sort?: ListSort;
  q?: string;
  category?: string;
  type?: string;
  genre?: string;
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
          '`q` searches titles and other names as you type: ignoring case, accents and punctuation, ' +
          'whole titles first, then titles with every word (or its beginning), then text inside titles, then ' +
          `titles within a typo or two; the ${SEARCH_MATCHES} best matches, ordered by relevance unless ` +
          'another sort is asked. `type` and `genre` filter, with or without a search. Adult works are ' +
          'left out unless the account opted in.',
        tags: ['works'],
        querystring: {
          type: 'object',
          properties: {
            sort: {
              type: 'string',
              enum: [...LIST_SORTS],
              description: 'default: relevance with a search, popular without',
            },
            q: {
              type: 'string',
              maxLength: 200,
              description: 'title search (typos, case and accents forgiven)',
            },
            category: categorySchema,
            type: {
              type: 'string',
              minLength: 1,
              maxLength: 40,
              description: 'TV, Movie, OVA… (see /api/facets)',
            },
            genre: {
              type: 'string',
              minLength: 1,
              maxLength: 40,
              description: 'one genre (see /api/facets)',
            },
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
      const { category, type, genre, page, pageSize } = request.query;
      const q = request.query.q?.trim() ?? '';
      const sort = request.query.sort ?? (q ? 'relevance' : 'popular');
      const seed = sort === 'random' ? (request.query.seed ?? String(randomInt(1, 2 ** 40))) : undefined;
      const matches = q ? (await services.search.current()).titles.search(q, SEARCH_MATCHES) : undefined;
      const result = await listWorks(
        db,
        {
          sort,
          matches,
          category,
          type,
          genre,
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

  const countedSchema = (name: string) =>
    ({
      type: 'array',
      items: {
        type: 'object',
        properties: { [name]: { type: 'string' }, works: { type: 'integer' } },
        required: [name, 'works'],
      },
    }) as const;
  app.get(
    '/api/facets',
    {
      schema: {
        summary: 'The types (commonest first) and genres (by name) present, with their number of works',
        description:
          'The values `type` and `genre` of GET /api/works filter by, counted over the works the visitor ' +
          'is shown (adult works only for an account that opted in).',
        tags: ['works'],
        response: {
          200: {
            type: 'object',
            properties: { types: countedSchema('type'), genres: countedSchema('genre') },
            required: ['types', 'genres'],
          },
        },
      },
    },
    async (request) => {
      const { facets } = await services.search.current();
      return showsAdult(request) ? facets.adult : facets.everyone;
    },
  );
}
