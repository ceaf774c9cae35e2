/**
 * Fragments of the API's JSON schemas that several routes share. Every schema is declared once, `as
 * const`, and its TypeScript type derived from it (json-schema-to-ts): the routes' request and answer
 * types (through Fastify's type provider) and the web app's types (packages/web/src/lib/types.ts) follow
 * the schemas. This folder imports only the domain's vocabularies, so the web app can import it.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { CHOICES } from '../../domain/choices.js';

/**
 * An object with its declared fields only, those in `required` always there. In a request, other fields
 * are refused; in an answer, fast-json-stringify drops them (as it does without the keyword), and the
 * derived type has no other field either.
 */
export function strictObject<
  const P extends Record<string, JSONSchema>,
  const R extends readonly (keyof P & string)[] = [],
>(properties: P, required?: R) {
  return {
    type: 'object',
    properties,
    required: required ?? ([] as unknown as R),
    additionalProperties: false,
  } as const;
}

/** An answer that lists `item`s under `items` (the shape of most of the API's lists). */
export function itemList<const I extends JSONSchema>(item: I) {
  return strictObject({ items: { type: 'array', items: item } }, ['items']);
}

/** An identifier in a path or a body: a non-empty string of at most `maxLength` characters. */
export function idSchema<const N extends number>(maxLength: N) {
  return { type: 'string', minLength: 1, maxLength } as const;
}

export const choiceSchema = { type: 'string', enum: [...CHOICES] } as const;

/** A rating where there may be none. */
export const ratingSchema = { type: ['string', 'null'], enum: [...CHOICES, null] } as const;

/** How many works to answer. */
export const nSchema = { type: 'integer', minimum: 1, maximum: 100, default: 10 } as const;

/** A category to keep to (anime, manga…): empty keeps to none. */
export const categoryFilterSchema = { type: 'string', maxLength: 40 } as const;

/** A category to keep to, never empty. */
export const categorySchema = idSchema(40);

/** Adult works are left out unless the client application asks for them for this user. */
export const adultSchema = {
  type: 'boolean',
  default: false,
  description: 'include adult works (the application vouches that its user opted in)',
} as const;

/** An answer without a body (204). */
export const emptySchema = { type: 'null' } as const;

/** Every error's body (HttpError and Fastify's own). */
export const errorSchema = strictObject({
  statusCode: { type: 'integer' },
  error: { type: 'string' },
  message: { type: 'string' },
});

/** Counts per choice. */
export const choiceCountsSchema = strictObject(
  Object.fromEntries(CHOICES.map((c) => [c, { type: 'integer' }])) as Record<
    (typeof CHOICES)[number],
    { readonly type: 'integer' }
  >,
  CHOICES,
);

/** A work the user rated, with its title. */
export const ratedWorkSchema = strictObject(
  {
    work: { type: 'string' },
    title: { type: 'string' },
    category: { type: 'string' },
    choice: choiceSchema,
    updatedAt: { type: 'string' },
  },
  ['work', 'title', 'category', 'choice', 'updatedAt'],
);

/** What a client sends: the fields with a default may be left out. */
export type Request<S extends JSONSchema> = FromSchema<S, { keepDefaultedPropertiesOptional: true }>;

export type ApiError = FromSchema<typeof errorSchema>;
export type ChoiceCounts = FromSchema<typeof choiceCountsSchema>;
export type RatedWork = FromSchema<typeof ratedWorkSchema>;
