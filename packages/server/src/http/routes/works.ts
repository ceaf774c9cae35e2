import { randomInt } from 'node:crypto';
import { categoryCounts, listWorks, thresholdsOf } from '../../domain/lists.js';
import type { Services } from '../../services.js';
import { errorSchema } from '../schemas/common.js';
import { categoriesSchema, facetsSchema, worksPageSchema, worksQuerySchema } from '../schemas/works.js';
import type { Api } from '../typed.js';
import { showsAdult } from '../visitor.js';

/**
 * A search keeps this many best matches: enough for every page anyone reads, few enough to hand to the
 * database as a list of ids on every keystroke.
 */
export const SEARCH_MATCHES = 1000;

export function workRoutes(app: Api, services: Services): void {
  const { db } = services.storage;
  const thresholds = thresholdsOf(services.config);

  app.get(
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
        querystring: worksQuerySchema,
        response: {
          200: worksPageSchema,
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
        response: { 200: categoriesSchema },
      },
    },
    async () => ({ items: await categoryCounts(db) }),
  );

  app.get(
    '/api/facets',
    {
      schema: {
        summary: 'The types (commonest first) and genres (by name) present, with their number of works',
        description:
          'The values `type` and `genre` of GET /api/works filter by, counted over the works the visitor ' +
          'is shown (adult works only for an account that opted in).',
        tags: ['works'],
        response: { 200: facetsSchema },
      },
    },
    async (request) => {
      const { facets } = await services.search.current();
      return showsAdult(request) ? facets.adult : facets.everyone;
    },
  );
}
