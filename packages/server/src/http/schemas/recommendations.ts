/** The recommendations' answers: scored works, their why, the watchlist and the map. */
import type { FromSchema } from 'json-schema-to-ts';
import {
  categoryFilterSchema,
  itemList,
  nSchema,
  type Request,
  ratingSchema,
  strictObject,
} from './common.js';

export const scoredWorkSchema = strictObject(
  { work: { type: 'string' }, title: { type: 'string' }, score: { type: 'number' } },
  ['work', 'title', 'score'],
);

/** A scored work with what the web app draws its card from (the integration API keeps the plain one). */
export const scoredCardSchema = strictObject(
  {
    ...scoredWorkSchema.properties,
    type: { type: ['string', 'null'], description: 'TV, Movie, OVA…' },
    genres: { type: 'array', items: { type: 'string' } },
  },
  scoredWorkSchema.required,
);

export const sourceSchema = {
  type: 'string',
  enum: ['model', 'top', 'pearls', 'popular'],
  description:
    'model: predicted above neutral for this user; top, pearls, popular: from that list, because the ' +
    'model predicts too few works above neutral (see fallback)',
} as const;

export const fallbackSchema = {
  type: 'string',
  enum: ['none', 'no-ratings', 'few-liked'],
  description:
    'why some items come from the lists rather than the model: none; no-ratings (nothing rated yet); ' +
    'few-liked (too few works predicted above neutral)',
} as const;

export const tagWeightSchema = strictObject({ tag: { type: 'string' }, weight: { type: 'number' } }, [
  'tag',
  'weight',
]);

export const tagListSchema = { type: 'array', items: tagWeightSchema } as const;

export const explanationSchema = strictObject(
  {
    score: { type: 'number' },
    mean: { type: 'number' },
    itemBias: { type: 'number' },
    rest: { type: 'number' },
    contributions: {
      type: 'array',
      items: strictObject(
        {
          work: { type: 'string' },
          title: { type: 'string' },
          choice: { ...ratingSchema, description: 'the visitor’s rating of that work' },
          weight: { type: 'number' },
        },
        ['work', 'title', 'choice', 'weight'],
      ),
    },
    tags: tagListSchema,
    tagRest: { type: 'number' },
    gate: {
      type: ['number', 'null'],
      description: 'the share of the collaborative model in a blend (BALSE), null for a single model',
    },
  },
  ['score', 'mean', 'itemBias', 'rest', 'contributions', 'tags', 'tagRest', 'gate'],
);

/** The visitor's recommendations, each with where it comes from and (from the model) why. */
export const recommendationsSchema = strictObject(
  {
    items: {
      type: 'array',
      items: strictObject(
        {
          ...scoredCardSchema.properties,
          source: sourceSchema,
          why: { ...explanationSchema, description: 'only for works from the model' },
        },
        [...scoredCardSchema.required, 'source'],
      ),
    },
    fallback: fallbackSchema,
    model: { type: 'integer' },
    tastes: {
      ...strictObject({ likes: tagListSchema, dislikes: tagListSchema }, ['likes', 'dislikes']),
      type: ['object', 'null'],
      description: 'the tags the visitor seems to like and dislike most (models that learn tags)',
    },
  },
  ['items', 'fallback', 'model', 'tastes'],
);

/** The integration API's recommendations: scored works, each with where it comes from. */
export const recommendedListSchema = strictObject(
  {
    items: {
      type: 'array',
      items: strictObject({ ...scoredWorkSchema.properties, source: sourceSchema }, [
        ...scoredWorkSchema.required,
        'source',
      ]),
    },
    fallback: fallbackSchema,
    model: { type: 'integer' },
  },
  ['items', 'fallback', 'model'],
);

/** Works like one, from the model. */
export const scoredListSchema = strictObject(
  { items: { type: 'array', items: scoredWorkSchema }, model: { type: 'integer' } },
  ['items', 'model'],
);

export const watchlistSchema = itemList(scoredCardSchema);

export const mapPointSchema = strictObject(
  {
    work: { type: 'string' },
    title: { type: 'string' },
    genres: { type: 'array', items: { type: 'string' } },
    x: { type: 'number' },
    y: { type: 'number' },
    cluster: { type: 'integer', description: 'index into `clusters` (0 when the map has none)' },
  },
  ['work', 'title', 'genres', 'x', 'y', 'cluster'],
);

export const mapClusterSchema = strictObject(
  {
    x: { type: 'number' },
    y: { type: 'number' },
    size: { type: 'integer', description: 'works of it on this map' },
    genres: {
      type: 'array',
      items: { type: 'string' },
      description: 'its label: the genres most over-represented in it (lift), one or two',
    },
  },
  ['x', 'y', 'size', 'genres'],
);

export const workMapSchema = strictObject(
  {
    layout: {
      type: 'string',
      enum: ['tsne', 'pca'],
      description: 'tsne: the layout computed when the model was trained; pca: the fallback for older models',
    },
    clusters: { type: 'array', items: mapClusterSchema, description: 'labelled regions (none with pca)' },
    points: { type: 'array', items: mapPointSchema },
    you: {
      ...strictObject({ x: { type: 'number' }, y: { type: 'number' }, from: { type: 'integer' } }, [
        'x',
        'y',
        'from',
      ]),
      type: ['object', 'null'],
      description:
        'where the visitor stands: the mean of the works they favorited and liked, a favorite weighing about twice a like; `from` of them',
    },
  },
  ['layout', 'clusters', 'points', 'you'],
);

export const recommendationsQuerySchema = strictObject({ n: nSchema, category: categoryFilterSchema });
export const watchlistQuerySchema = strictObject({ category: categoryFilterSchema });
/** How many of the most-rated works the map shows. */
export const mapQuerySchema = strictObject({
  top: { type: 'integer', minimum: 10, maximum: 20000, default: 7000 },
});

export type RecommendationsQuery = Request<typeof recommendationsQuerySchema>;
export type WatchlistQuery = Request<typeof watchlistQuerySchema>;
export type MapQuery = Request<typeof mapQuerySchema>;
export type Scored = FromSchema<typeof scoredCardSchema>;
export type TagWeight = FromSchema<typeof tagWeightSchema>;
export type Explanation = FromSchema<typeof explanationSchema>;
export type Recommendations = FromSchema<typeof recommendationsSchema>;
export type Recommendation = Recommendations['items'][number];
export type RecommendationSource = Recommendation['source'];
export type Fallback = Recommendations['fallback'];
export type Watchlist = FromSchema<typeof watchlistSchema>;
export type MapPoint = FromSchema<typeof mapPointSchema>;
export type MapClusterLabel = FromSchema<typeof mapClusterSchema>;
export type WorkMap = FromSchema<typeof workMapSchema>;
