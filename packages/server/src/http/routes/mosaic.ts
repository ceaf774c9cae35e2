import type { FastifyRequest } from 'fastify';
import { thresholdsOf } from '../../domain/lists.js';
import {
  type DiverseDraw,
  DPP_GIVEN,
  type MosaicRequest,
  mosaicCard,
  mosaicCards,
} from '../../domain/mosaic.js';
import { recentlyRated } from '../../domain/ratings.js';
import { MOSAIC_SLOTS } from '../../domain/vocabulary.js';
import type { Services } from '../../services.js';
import { badRequest } from '../errors.js';
import { errorSchema, strictObject } from '../schemas/common.js';
import { type MosaicQuery, mosaicCardSchema, mosaicQuerySchema, mosaicSchema } from '../schemas/works.js';
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

  /** The serving model's k-DPP draw; none while no model serves (the dpp slot then shows popular's work). */
  const draw = (): DiverseDraw | undefined => {
    const serving = services.engine.current;
    return serving && ((pool, given, k) => serving.diverseWorks(pool, given, k));
  };
  const mosaicRequest = async (request: FastifyRequest, query: MosaicQuery): Promise<MosaicRequest> => {
    const userId = request.session?.user?.id;
    return {
      userId,
      category: query.category,
      exclude: excluded(query.exclude),
      adult: showsAdult(request),
      rated: userId === undefined ? undefined : await recentlyRated(db, userId, DPP_GIVEN),
    };
  };

  app.get(
    '/api/mosaic',
    {
      schema: {
        summary: `The onboarding mosaic: four cards (${MOSAIC_SLOTS.join(', ')}) of works not rated yet`,
        tags,
        querystring: mosaicQuerySchema,
        response: { 200: mosaicSchema, '4xx': errorSchema },
      },
    },
    async (request) => ({
      cards: await mosaicCards(db, await mosaicRequest(request, request.query), thresholds, draw()),
    }),
  );

  app.get(
    '/api/mosaic/:slot',
    {
      schema: {
        summary:
          'A replacement card for one slot (send the works on screen as `exclude`); `dpp`: a work unlike ' +
          'those on screen and those rated, from a k-DPP over the model’s item vectors',
        tags,
        params: strictObject({ slot: mosaicCardSchema.properties.slot }, ['slot']),
        querystring: mosaicQuerySchema,
        response: { 200: mosaicCardSchema, '4xx': errorSchema },
      },
    },
    async (request) =>
      mosaicCard(db, request.params.slot, await mosaicRequest(request, request.query), thresholds, draw()),
  );
}
