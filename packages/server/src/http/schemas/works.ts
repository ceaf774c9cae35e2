/** The works' answers: cards, lists, facets, the work page and the mosaic. */
import type { FromSchema } from 'json-schema-to-ts';
import { ALTERNATE_TITLE_KINDS, LIST_SORTS, MOSAIC_SLOT_NAMES } from '../../domain/vocabulary.js';
import { categorySchema, itemList, type Request, ratingSchema, strictObject } from './common.js';
import { explanationSchema, scoredCardSchema } from './recommendations.js';

export const countersSchema = strictObject(
  {
    favorite: { type: 'integer' },
    like: { type: 'integer' },
    neutral: { type: 'integer' },
    dislike: { type: 'integer' },
    willsee: { type: 'integer' },
    wontsee: { type: 'integer' },
    nbRatings: { type: 'integer', description: 'seen: favorite + like + neutral + dislike' },
  },
  ['favorite', 'like', 'neutral', 'dislike', 'willsee', 'wontsee', 'nbRatings'],
);

/** A work as lists and mosaic cards show it. */
export const workCardSchema = strictObject(
  {
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
    myRating: { ...ratingSchema, description: 'the visitor’s rating' },
  },
  ['id', 'title', 'category', 'type', 'episodes', 'genres', 'adult', 'counters', 'myRating'],
);

/** A works list or search: which list, which filters, which page. */
export const worksQuerySchema = strictObject({
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
  type: { ...categorySchema, description: 'TV, Movie, OVA… (see /api/facets)' },
  genre: { ...categorySchema, description: 'one genre (see /api/facets)' },
  page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 },
  pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 24 },
  seed: {
    type: 'string',
    maxLength: 40,
    description: 'random only: the order to page through (a new one when absent)',
  },
});

/** A page of a works list. */
export const worksPageSchema = strictObject(
  {
    items: { type: 'array', items: workCardSchema },
    page: { type: 'integer' },
    pageSize: { type: 'integer' },
    total: { type: 'integer', description: 'works in the list (all pages)' },
    seed: { type: 'string', description: 'random only: pass it back to get the next pages' },
  },
  ['items', 'page', 'pageSize', 'total'],
);

export const categoriesSchema = itemList(
  strictObject({ category: { type: 'string' }, works: { type: 'integer' } }, ['category', 'works']),
);

export const facetsSchema = strictObject(
  {
    types: {
      type: 'array',
      items: strictObject({ type: { type: 'string' }, works: { type: 'integer' } }, ['type', 'works']),
    },
    genres: {
      type: 'array',
      items: strictObject({ genre: { type: 'string' }, works: { type: 'integer' } }, ['genre', 'works']),
    },
  },
  ['types', 'genres'],
);

export const alternateTitleSchema = strictObject(
  { title: { type: 'string' }, kind: { type: 'string', enum: [...ALTERNATE_TITLE_KINDS] } },
  ['title', 'kind'],
);

/** What the catalogue says of a work besides its card: each field only when it says it. */
export const workDetailsSchema = strictObject({
  year: { type: 'integer' },
  studio: { type: 'string' },
  synopsis: { type: 'string', description: 'plain text (show it as text, never as HTML)' },
  url: { type: 'string', description: 'a page about the work elsewhere: an absolute http(s) address' },
  imageUrl: { type: 'string', description: 'its cover or poster: an absolute http(s) address' },
});

/** The work page: the work, the visitor's predicted score and why, similar works. */
export const workDetailSchema = strictObject(
  {
    work: workCardSchema,
    members: { type: ['integer', 'null'] },
    details: workDetailsSchema,
    alternateTitles: {
      type: 'array',
      description: 'its other names, when its data set gives them',
      items: alternateTitleSchema,
    },
    prediction: { type: ['number', 'null'] },
    why: { ...explanationSchema, type: ['object', 'null'] },
    similar: { type: 'array', items: scoredCardSchema },
  },
  ['work', 'members', 'details', 'alternateTitles', 'prediction', 'why', 'similar'],
);

export const mosaicCardSchema = strictObject(
  {
    slot: { type: 'string', enum: [...MOSAIC_SLOT_NAMES] },
    work: { anyOf: [workCardSchema, { type: 'null' }], description: 'null when nothing is left to show' },
    from: {
      type: ['string', 'null'],
      enum: [...LIST_SORTS, 'dpp', null],
      description:
        'where the work came from: the slot’s list (`dpp`: the k-DPP draw), or popular once that is exhausted',
    },
  },
  ['slot', 'work', 'from'],
);

export const mosaicSchema = strictObject(
  { cards: { type: 'array', items: mosaicCardSchema, minItems: 4, maxItems: 4 } },
  ['cards'],
);

/** The mosaic's works: of a category, never those on screen. */
export const mosaicQuerySchema = strictObject({
  category: categorySchema,
  exclude: {
    type: 'string',
    maxLength: 4000,
    description: 'comma-separated ids of the works on screen, never shown again',
  },
});

export type WorksQuery = Request<typeof worksQuerySchema>;
export type MosaicQuery = Request<typeof mosaicQuerySchema>;
export type Counters = FromSchema<typeof countersSchema>;
export type WorkCard = FromSchema<typeof workCardSchema>;
export type WorksPage = FromSchema<typeof worksPageSchema>;
export type Categories = FromSchema<typeof categoriesSchema>;
export type Facets = FromSchema<typeof facetsSchema>;
export type AlternateTitle = FromSchema<typeof alternateTitleSchema>;
export type WorkDetail = FromSchema<typeof workDetailSchema>;
export type MosaicCard = FromSchema<typeof mosaicCardSchema>;
export type Mosaic = FromSchema<typeof mosaicSchema>;
