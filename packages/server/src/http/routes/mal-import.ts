import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CHOICES } from '../../domain/choices.js';
import { importMal, MalFormatError, parseMalExport } from '../../domain/mal-import.js';
import type { Services } from '../../services.js';
import { badRequest } from '../errors.js';
import { textBody } from '../text-body.js';
import { userFor } from '../visitor.js';
import { explainValidation } from './accounts.js';
import { errorSchema } from './schemas.js';

/** A MyAnimeList export of a few thousand anime is a few MB: the limit of the file, and of its XML once unzipped. */
export const MAL_BODY_LIMIT = 10 * 1024 * 1024;

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

const choiceSchema = { type: 'string', enum: [...CHOICES] } as const;

const querySchema = {
  type: 'object',
  properties: {
    onConflict: {
      type: 'string',
      enum: ['keep', 'replace'],
      default: 'keep',
      description:
        'works you already rated with another choice: keep your rating (the default), or replace it with the export’s',
    },
    replace: {
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 100 },
      maxItems: 1000,
      description:
        'works (ids, repeat the parameter) whose rating takes the export’s choice; the others stay',
    },
  },
  additionalProperties: false,
} as const;

const resultSchema = {
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
    added: { type: 'integer', description: 'works you had not rated, now rated' },
    unchanged: { type: 'integer', description: 'works you had already rated with the export’s choice' },
    conflicts: {
      type: 'array',
      description: 'works you had already rated with another choice',
      items: {
        type: 'object',
        properties: {
          work: { type: 'string' },
          title: { type: 'string' },
          current: { ...choiceSchema, description: 'your rating before this import' },
          exported: { ...choiceSchema, description: 'the export’s choice' },
          replaced: {
            type: 'boolean',
            description: 'true: the export’s choice replaced yours (as asked); false: yours stays',
          },
        },
        required: ['work', 'title', 'current', 'exported', 'replaced'],
      },
    },
    imported: { type: 'integer', description: 'ratings written: the added ones and the replaced conflicts' },
  },
  required: ['matched', 'unmatched', 'skipped', 'added', 'unchanged', 'conflicts', 'imported'],
} as const;

const BODY_PROBLEM =
  'send the MyAnimeList export file (.xml or .xml.gz) as the body, with Content-Type: application/xml';

export function malImportRoutes(app: FastifyInstance, services: Services): void {
  const { db } = services.storage;

  // A scope of its own: only this route takes these content types, as bytes (they may be gzip).
  void app.register(async (scope) => {
    scope.addContentTypeParser(
      EXPORT_TYPES,
      { parseAs: 'buffer' },
      (_request: FastifyRequest, body: Buffer) => textBody(body, MAL_BODY_LIMIT),
    );

    scope.post<{ Body: string; Querystring: { onConflict: 'keep' | 'replace'; replace?: string[] } }>(
      '/api/import/mal',
      {
        bodyLimit: MAL_BODY_LIMIT,
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
            'to resolve them. One transaction. At most 10 MB, also once unzipped.',
          tags: ['ratings'],
          security: [{ csrf: [] }],
          consumes: EXPORT_TYPES,
          querystring: querySchema,
          body: {
            type: 'string',
            description: 'the file MyAnimeList exports (<myanimelist>…), as XML or gzipped',
          },
          response: { 200: resultSchema, '4xx': errorSchema },
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
