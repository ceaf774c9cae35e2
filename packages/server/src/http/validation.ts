import type { FastifySchemaValidationError } from 'fastify';

/**
 * Validation messages that say what is expected (`rules`: field → rule) rather than which JSON-schema
 * keyword failed.
 */
export function explainValidation(rules: Record<string, string>) {
  return (errors: FastifySchemaValidationError[], dataVar: string): Error => {
    const first = errors[0];
    const params = first?.params ?? {};
    if (first?.keyword === 'required' && typeof params.missingProperty === 'string') {
      const field = params.missingProperty;
      return new Error(`${dataVar}: "${field}" is missing${rules[field] ? ` (${rules[field]})` : ''}`);
    }
    if (first?.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      return new Error(`${dataVar}: unknown field "${params.additionalProperty}"`);
    }
    const field = (first?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    if (field && rules[field]) return new Error(`${dataVar}.${field}: ${rules[field]}`);
    return new Error(`${dataVar}${field ? `.${field}` : ''} ${first?.message ?? 'is invalid'}`);
  };
}
