import type { FastifyRequest } from 'fastify';
import { importMal, MAL_MAX_ENTRIES, MalFormatError } from '../../domain/mal-import.js';
import { parseMalExportInWorker } from '../../domain/mal-parse.js';
import type { Services } from '../../services.js';
import { badRequest, HttpError } from '../errors.js';
import { userOrAddress } from '../rate-limiting.js';
import { errorSchema } from '../schemas/common.js';
import { malImportQuerySchema, malImportReportSchema } from '../schemas/ratings.js';
import { textBody } from '../text-body.js';
import type { Api } from '../typed.js';
import { explainValidation } from '../validation.js';
import { userFor } from '../visitor.js';

/** A MyAnimeList export of a few thousand anime is a few MB: the limit of the file, and of its XML once unzipped. */
export const MAL_BODY_LIMIT = 10 * 1024 * 1024;

/**
 * Imports per visitor (their user, else their address) in a window, counted for every API process:
 * a person imports once, then again to resolve conflicts; each one is a parse of up to 10 MB.
 */
export const MAL_IMPORT_RATE_LIMIT = { max: 10, timeWindowMs: 10 * 60_000 } as const;

/**
 * The types the export may come with: MyAnimeList hands out `animelist_….xml.gz`, and browsers label it
 * as they like. Gzip is told by its first bytes, whatever the type.
 */
const EXPORT_TYPES = [
  'application/xml',
  'text/xml',
  'application/gzip',
  'application/x-gzip',
  'application/octet-stream',
];

const BODY_PROBLEM =
  'send the MyAnimeList export file (.xml or .xml.gz) as the body, with Content-Type: application/xml';

export function malImportRoutes(app: Api, services: Services): void {
  const { db } = services.storage;

  // A scope of its own: only this route takes these content types, as bytes (they may be gzip).
  void app.register(async (scope: Api) => {
    scope.addContentTypeParser(
      EXPORT_TYPES,
      { parseAs: 'buffer' },
      (_request: FastifyRequest, body: Buffer) => textBody(body, MAL_BODY_LIMIT),
    );

    scope.post(
      '/api/import/mal',
      {
        bodyLimit: MAL_BODY_LIMIT,
        config: {
          rateLimit: {
            max: MAL_IMPORT_RATE_LIMIT.max,
            timeWindow: MAL_IMPORT_RATE_LIMIT.timeWindowMs,
            keyGenerator: userOrAddress,
          },
        },
        schemaErrorFormatter: (errors, dataVar) =>
          dataVar === 'body' ? badRequest(BODY_PROBLEM) : explainValidation({})(errors, dataVar),
        schema: {
          summary:
            'Import a MyAnimeList export (XML, or gzipped as MyAnimeList gives it) as the visitor’s ratings (needs x-csrf-token)',
          description:
            'Completed: score 9–10 favorite, 7–8 like, 5–6 neutral, 1–4 dislike, no score neutral; Watching and ' +
            'On-Hold: the same when scored, skipped otherwise; Dropped: wontsee; Plan to Watch: willsee. Anime ' +
            'are matched by MyAnimeList id, then by title. Works you had not rated are added; a rating ' +
            'already there with another choice stays and is listed in `conflicts`, unless `onConflict=replace` ' +
            '(all of them) or `replace` (those works) asks for the export’s choice: send the same file again ' +
            `to resolve them. One transaction. At most 10 MB, also once unzipped, and ${MAL_MAX_ENTRIES} ` +
            `entries (413); ${MAL_IMPORT_RATE_LIMIT.max} imports per visitor in 10 minutes (429).`,
          tags: ['ratings'],
          security: [{ csrf: [] }],
          consumes: EXPORT_TYPES,
          querystring: malImportQuerySchema,
          body: {
            type: 'string',
            description: 'the file MyAnimeList exports (<myanimelist>…), as XML or gzipped',
          },
          response: { 200: malImportReportSchema, '4xx': errorSchema },
        },
      },
      async (request) => {
        let entries: Awaited<ReturnType<typeof parseMalExportInWorker>>;
        try {
          entries = await parseMalExportInWorker(request.body);
        } catch (error) {
          if (error instanceof MalFormatError) throw new HttpError(error.status, error.message);
          throw error;
        }
        const { onConflict, replace = [] } = request.query;
        const listed = new Set(replace);
        const user = await userFor(request, services.sessions, db);
        return importMal(db, user.id, entries, {
          takeExport: onConflict === 'replace' ? () => true : (work) => listed.has(work),
        });
      },
    );
  });
}
