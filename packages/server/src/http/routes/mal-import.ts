import type { FastifyInstance } from 'fastify';
import { importMal, MalFormatError, parseMalExport } from '../../domain/mal-import.js';
import type { Services } from '../../services.js';
import { badRequest } from '../errors.js';
import { userFor } from '../visitor.js';
import { errorSchema } from './schemas.js';

/** A MyAnimeList export of a few thousand anime is a few MB. */
export const MAL_BODY_LIMIT = 10 * 1024 * 1024;

export function malImportRoutes(app: FastifyInstance, services: Services): void {
  const { db } = services.storage;

  app.post<{ Body: string }>(
    '/api/import/mal',
    {
      bodyLimit: MAL_BODY_LIMIT,
      schemaErrorFormatter: () =>
        badRequest('send the MyAnimeList export file as the body, with Content-Type: application/xml'),
      schema: {
        summary: 'Import a MyAnimeList XML export as the visitor’s ratings (needs x-csrf-token)',
        description:
          'Completed: score 7–10 like, 5–6 neutral, 1–4 dislike, no score neutral; Watching and On-Hold: the ' +
          'same when scored, skipped otherwise; Dropped: wontsee; Plan to Watch: willsee. Anime are matched ' +
          'by MyAnimeList id, then by title; ratings already there are replaced. At most 10 MB.',
        tags: ['ratings'],
        security: [{ csrf: [] }],
        consumes: ['application/xml', 'text/xml'],
        body: { type: 'string', description: 'the XML file MyAnimeList exports (<myanimelist>…)' },
        response: {
          200: {
            type: 'object',
            properties: {
              matched: { type: 'integer', description: 'entries found in the catalogue' },
              unmatched: {
                type: 'array',
                description: 'entries not found (by id, then by title)',
                items: {
                  type: 'object',
                  properties: { id: { type: 'string' }, title: { type: 'string' } },
                  required: ['id', 'title'],
                },
              },
              skipped: {
                type: 'integer',
                description: 'entries that give no rating (watching without a score…)',
              },
              imported: { type: 'integer', description: 'ratings written' },
            },
            required: ['matched', 'unmatched', 'skipped', 'imported'],
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      let entries: ReturnType<typeof parseMalExport>;
      try {
        entries = parseMalExport(request.body);
      } catch (error) {
        if (error instanceof MalFormatError) throw badRequest(error.message);
        throw error;
      }
      const user = await userFor(request, services.sessions, db);
      return importMal(db, user.id, entries);
    },
  );
}
