import type { FastifyInstance } from 'fastify';
import { LIST_SORTS, thresholdsOf } from '../../domain/lists.js';
import { MOSAIC_SLOTS, type MosaicSlot, mosaicCard, mosaicCards } from '../../domain/mosaic.js';
import type { Services } from '../../services.js';
import { badRequest } from '../errors.js';
import { showsAdult } from '../visitor.js';
import { errorSchema } from './schemas.js';
import { categorySchema, workCardSchema } from './works.js';

/** Works on screen at most (the mosaic shows four; a client may remember a few more). */
const MAX_EXCLUDE = 100;

const cardSchema = {
  type: 'object',
  properties: {
    slot: { type: 'string', enum: [...MOSAIC_SLOTS] },
    work: { anyOf: [workCardSchema, { type: 'null' }], description: 'null when nothing is left to show' },
    from: {
      type: ['string', 'null'],
      enum: [...LIST_SORTS, null],
      description: 'the list the work came from: the slot’s, or popular once that one is exhausted',
    },
  },
  required: ['slot', 'work', 'from'],
} as const;

const querySchema = {
  type: 'object',
  properties: {
    category: categorySchema,
    exclude: {
      type: 'string',
      maxLength: 4000,
      description: 'comma-separated ids of the works on screen, never shown again',
    },
  },
  additionalProperties: false,
} as const;

interface MosaicQuery {
  category?: string;
  exclude?: string;
}

function excluded(text: string | undefined): string[] {
  const ids = [...new Set((text ?? '').split(',').map((id) => id.trim()))].filter((id) => id !== '');
  if (ids.length > MAX_EXCLUDE) throw badRequest(`exclude: at most ${MAX_EXCLUDE} works`);
  return ids;
}

export function mosaicRoutes(app: FastifyInstance, services: Services): void {
  const { db } = services.storage;
  const thresholds = thresholdsOf(services.config);
  const tags = ['onboarding'];

  app.get<{ Querystring: MosaicQuery }>(
    '/api/mosaic',
    {
      schema: {
        summary:
          'The onboarding mosaic: four cards (popular, controversial, top, random) of works not rated yet',
        tags,
        querystring: querySchema,
        response: {
          200: {
            type: 'object',
            properties: { cards: { type: 'array', items: cardSchema, minItems: 4, maxItems: 4 } },
            required: ['cards'],
          },
          '4xx': errorSchema,
        },
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

  app.get<{ Params: { slot: MosaicSlot }; Querystring: MosaicQuery }>(
    '/api/mosaic/:slot',
    {
      schema: {
        summary: 'A replacement card for one slot (send the works on screen as `exclude`)',
        tags,
        params: {
          type: 'object',
          properties: { slot: { type: 'string', enum: [...MOSAIC_SLOTS] } },
          required: ['slot'],
        },
        querystring: querySchema,
        response: { 200: cardSchema, '4xx': errorSchema },
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
