import { Ajv, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/** Fastify's own Ajv settings, except that unknown fields are refused rather than dropped. */
const COMMON: Options = {
  useDefaults: true,
  removeAdditional: false,
  allErrors: false,
  addUsedSchema: false,
};

/**
 * Request validation: a JSON body must have the types its schema says (`{"choice": ["like"]}` or
 * `{"isPublic": "false"}` is a 400, never converted), while the query string, the path and the headers,
 * which are text, are converted to the numbers, booleans and lists their schemas ask for.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = new Ajv({ ...COMMON, coerceTypes: false });
  const converting = new Ajv({ ...COMMON, coerceTypes: 'array' });
  return ({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : converting).compile(schema as object) as ReturnType<
      FastifySchemaCompiler<unknown>
    >;
}
