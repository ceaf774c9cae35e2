/** The ratings' answers: a rating set or removed, the visitor's ratings, a MyAnimeList import. */
import type { FromSchema } from 'json-schema-to-ts';
import {
  choiceSchema,
  idSchema,
  itemList,
  type Request,
  ratedWorkSchema,
  ratingSchema,
  strictObject,
} from './common.js';

/** A rating: set, or toggled Mangaki's way (the same choice again removes it). */
export const ratingBodySchema = strictObject(
  {
    choice: choiceSchema,
    toggle: { type: 'boolean', default: true, description: 'false: set, never remove' },
  },
  ['choice'],
);

/** What becomes of the works already rated with another choice than the export's. */
export const malImportQuerySchema = strictObject({
  onConflict: {
    type: 'string',
    enum: ['keep', 'replace'],
    default: 'keep',
    description:
      'works you already rated with another choice: keep your rating (the default), or replace it with the export’s',
  },
  replace: {
    type: 'array',
    items: idSchema(100),
    maxItems: 1000,
    description: 'works (ids, repeat the parameter) whose rating takes the export’s choice; the others stay',
  },
});

export const ratingResultSchema = strictObject(
  { work: { type: 'string' }, choice: { ...ratingSchema, description: 'null: no rating any more' } },
  ['work', 'choice'],
);

export const myRatingsSchema = itemList(ratedWorkSchema);

/** A work rated before a MyAnimeList import with another choice than the export's. */
const malConflictSchema = strictObject(
  {
    work: { type: 'string' },
    title: { type: 'string' },
    current: { ...choiceSchema, description: 'your rating before this import' },
    exported: { ...choiceSchema, description: 'the export’s choice' },
    replaced: {
      type: 'boolean',
      description: 'true: the export’s choice replaced yours (as asked); false: yours stays',
    },
  },
  ['work', 'title', 'current', 'exported', 'replaced'],
);

export const malImportReportSchema = strictObject(
  {
    matched: { type: 'integer', description: 'entries found in the catalogue' },
    unmatched: {
      type: 'array',
      description: 'entries not found (by id, then by title)',
      items: strictObject({ id: { type: 'string' }, title: { type: 'string' } }, ['id', 'title']),
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
      items: malConflictSchema,
    },
    imported: { type: 'integer', description: 'ratings written: the added ones and the replaced conflicts' },
  },
  ['matched', 'unmatched', 'skipped', 'added', 'unchanged', 'conflicts', 'imported'],
);

export type RatingBody = Request<typeof ratingBodySchema>;
export type MalImportQuery = Request<typeof malImportQuerySchema>;
export type RatingResult = FromSchema<typeof ratingResultSchema>;
export type MyRatings = FromSchema<typeof myRatingsSchema>;
export type MalImportReport = FromSchema<typeof malImportReportSchema>;
export type MalConflict = MalImportReport['conflicts'][number];
