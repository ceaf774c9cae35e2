/** The admin's answers: background jobs and model versions. */
import type { FromSchema } from 'json-schema-to-ts';
import { itemList, strictObject } from './common.js';

export const jobSchema = strictObject(
  {
    id: { type: 'integer' },
    kind: { type: 'string' },
    status: { type: 'string' },
    progress: { type: 'number' },
    message: { type: ['string', 'null'] },
    error: { type: ['string', 'null'] },
    result: { type: ['object', 'null'], additionalProperties: true },
    createdAt: { type: 'string' },
    startedAt: { type: ['string', 'null'] },
    finishedAt: { type: ['string', 'null'] },
  },
  ['id', 'kind', 'status', 'progress', 'message', 'error', 'result', 'createdAt', 'startedAt', 'finishedAt'],
);

export const modelVersionSchema = strictObject(
  {
    id: { type: 'integer' },
    family: { type: 'string' },
    params: { type: 'object', additionalProperties: true },
    metrics: { type: 'object', additionalProperties: true },
    status: { type: 'string' },
    ratings: { type: 'integer' },
    error: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    activatedAt: { type: ['string', 'null'] },
    serving: { type: 'boolean' },
  },
  ['id', 'family', 'params', 'metrics', 'status', 'ratings', 'error', 'createdAt', 'activatedAt', 'serving'],
);

export const jobsSchema = itemList(jobSchema);
export const modelVersionsSchema = itemList(modelVersionSchema);

export type Job = FromSchema<typeof jobSchema>;
export type ModelVersion = FromSchema<typeof modelVersionSchema>;
export type Jobs = FromSchema<typeof jobsSchema>;
export type ModelVersions = FromSchema<typeof modelVersionsSchema>;
