/** JSON schemas shared by several routes (responses show in the OpenAPI document). */

export const scoredWorkSchema = {
  type: 'object',
  properties: {
    work: { type: 'string' },
    title: { type: 'string' },
    score: { type: 'number' },
  },
  required: ['work', 'title', 'score'],
} as const;

/** A scored work with what the web app draws its card from (the integration API keeps the plain one). */
export const scoredCardSchema = {
  ...scoredWorkSchema,
  properties: {
    ...scoredWorkSchema.properties,
    type: { type: ['string', 'null'], description: 'TV, Movie, OVA…' },
    genres: { type: 'array', items: { type: 'string' } },
  },
} as const;

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

/** The integration API's recommendations: scored works, each with where it comes from. */
export const recommendedListSchema = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: { ...scoredWorkSchema, properties: { ...scoredWorkSchema.properties, source: sourceSchema } },
    },
    fallback: fallbackSchema,
    model: { type: 'integer' },
  },
  required: ['items', 'fallback'],
} as const;

export const scoredListSchema = {
  type: 'object',
  properties: {
    items: { type: 'array', items: scoredWorkSchema },
    model: { type: 'integer' },
  },
  required: ['items'],
} as const;

export const tagListSchema = {
  type: 'array',
  items: { type: 'object', properties: { tag: { type: 'string' }, weight: { type: 'number' } } },
} as const;

export const explanationSchema = {
  type: 'object',
  properties: {
    score: { type: 'number' },
    mean: { type: 'number' },
    itemBias: { type: 'number' },
    rest: { type: 'number' },
    contributions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          work: { type: 'string' },
          title: { type: 'string' },
          choice: { type: 'string' },
          weight: { type: 'number' },
        },
      },
    },
    tags: tagListSchema,
    tagRest: { type: 'number' },
    gate: { type: ['number', 'null'] },
  },
} as const;

export const nSchema = { type: 'integer', minimum: 1, maximum: 100, default: 10 } as const;

export const errorSchema = {
  type: 'object',
  properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
} as const;
