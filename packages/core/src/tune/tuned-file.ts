import type { ParamValue } from '../models/params.js';

/**
 * The file `osusume tune --out` writes and `eval --params-file`, `compare --params-file` and the
 * service's OSUSUME_MODEL read: `{ "model": "als", "params": { … }, "cv": …, "heldOut": … }`.
 * Only `model` and `params` are read back; the scores say where the parameters came from.
 */
export interface TunedParams {
  model: string;
  params: Record<string, ParamValue>;
}

/** Reads the text of a tuned-parameters file; `origin` (its path) names it in errors. */
export function parseTunedParams(text: string, origin: string): TunedParams {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${origin}: not valid JSON (${(error as Error).message})`);
  }
  const file = json as Partial<Record<string, unknown>> | null;
  if (
    typeof file !== 'object' ||
    file === null ||
    typeof file.model !== 'string' ||
    typeof file.params !== 'object' ||
    file.params === null ||
    Array.isArray(file.params)
  ) {
    throw new Error(`${origin}: not a parameters file (expected {"model": "<family>", "params": {…}})`);
  }
  const params = file.params as Record<string, unknown>;
  for (const [key, value] of Object.entries(params)) {
    if (!['number', 'boolean', 'string'].includes(typeof value)) {
      throw new Error(`${origin}: parameter ${key} must be a number, a boolean or a string`);
    }
  }
  return { model: file.model, params: params as Record<string, ParamValue> };
}
