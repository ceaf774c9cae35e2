import { thresholdsOf } from '../../domain/lists.js';
import { mosaicCard, mosaicCards } from '../../domain/mosaic.js';
import type { Services } from '../../services.js';
import { badRequest } from '../errors.js';
import { errorSchema, strictObject } from '../schemas/common.js';
import { mosaicCardSchema, mosaicQuerySchema, mosaicSchema } from '../schemas/works.js';
import type { Api } from '../typed.js';
import { showsAdult } from '../visitor.js';

/** Works on screen at most (the mosaic shows four; a client may remember a few more). */
const MAX_EXCLUDE = 100;

function excluded(text: string | undefined): string[] {
  const ids = [...new Set((text ?? '').split(',').map((id) => id.trim()))].filter((id) => id !== '');
  if (ids.length > MAX_EXCLUDE) throw badRequest(`exclude: at most ${MAX_EXCLUDE} works`);
  return ids;
}

export function mosaicRoutes(app: Api, services: Services): void {
  const { db } = services.storage;
  const thresholds = thresholdsOf(services.config);
  const tags = ['onboarding'];

  app.get(
    '/api/mosaic',
    {
      schema: {
        summary:
          'The onboarding mosaic: four cards (popular, controversial, top, random) of works not rated yet',
        tags,
        querystring: mosaicQuerySchema,
        response: { 200: mosaicSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const cards = await mosaicCards(
        db,
        {
          userId: request.session?.user?.id,
          category: request.query.category,
          exclude: excluded(request.query.exclude),
          adult: showsAdult(request),
        },
        thresholds,
      );
      return { cards };
    },
  );

  app.get(
    '/api/mosaic/:slot',
    {
      schema: {
        summary: 'A replacement card for one slot (send the works on screen as `exclude`)',
        tags,
        params: strictObject({ slot: mosaicCardSchema.properties.slot }, ['slot']),
        querystring: mosaicQuerySchema,
        response: { 200: mosaicCardSchema, '4xx': errorSchema },
      },
    },
    async (request) =>
      mosaicCard(
        db,
        request.params.slot,
        {
          userId: request.session?.user?.id,
          category: request.query.category,
          exclude: excluded(request.query.exclude),
          adult: showsAdult(request),
        },
        thresholds,
      ),
  );
}
