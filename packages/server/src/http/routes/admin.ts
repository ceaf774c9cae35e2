import type { FastifyInstance } from 'fastify';
import type { Job } from '../../jobs/queue.js';
import type { Services } from '../../services.js';
import { notFound } from '../errors.js';
import { adminOf } from '../visitor.js';

const jobSchema = {
  type: 'object',
  properties: {
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
} as const;

const versionSchema = {
  type: 'object',
  properties: {
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
} as const;

const shown = (job: Job) => ({ ...job, requestedBy: undefined });

/** Admin: start a training, see the model versions with their metrics and the jobs with their progress. */
export function adminRoutes(app: FastifyInstance, services: Services): void {
  const tags = ['admin'];

  app.post(
    '/api/admin/train',
    {
      schema: {
        summary: 'Queue a training of the service’s model (returns the queued or already running job)',
        tags,
        response: { 202: jobSchema },
      },
    },
    async (request, reply) => {
      const admin = adminOf(request);
      const job = await services.jobs.enqueue('train', admin.id);
      return reply.code(202).send(shown(job));
    },
  );

  app.get(
    '/api/admin/models',
    {
      schema: {
        summary: 'Model versions, newest first, with their held-out metrics and learning curves',
        tags,
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: versionSchema } } } },
      },
    },
    async (request) => {
      adminOf(request);
      const versions = await services.models.list();
      return { items: versions.map((v) => ({ ...v, serving: v.id === services.engine.version })) };
    },
  );

  app.get(
    '/api/admin/jobs',
    {
      schema: {
        summary: 'Background jobs, newest first',
        tags,
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: jobSchema } } } },
      },
    },
    async (request) => {
      adminOf(request);
      return { items: (await services.jobs.list()).map(shown) };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/admin/jobs/:id',
    {
      schema: {
        summary: 'One job: status, progress, result or error',
        tags,
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
        response: { 200: jobSchema },
      },
    },
    async (request) => {
      adminOf(request);
      const job = await services.jobs.get(request.params.id);
      if (!job) throw notFound(`no job ${request.params.id}`);
      return shown(job);
    },
  );
}
