import type { Job } from '../../jobs/queue.js';
import type { Services } from '../../services.js';
import { notFound } from '../errors.js';
import { jobSchema, jobsSchema, modelVersionsSchema } from '../schemas/admin.js';
import { strictObject } from '../schemas/common.js';
import type { Api } from '../typed.js';
import { adminOf } from '../visitor.js';

const shown = (job: Job) => ({ ...job, requestedBy: undefined });

/** Admin: start a training, see the model versions with their metrics and the jobs with their progress. */
export function adminRoutes(app: Api, services: Services): void {
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
        response: { 200: modelVersionsSchema },
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
        response: { 200: jobsSchema },
      },
    },
    async (request) => {
      adminOf(request);
      return { items: (await services.jobs.list()).map(shown) };
    },
  );

  app.get(
    '/api/admin/jobs/:id',
    {
      schema: {
        summary: 'One job: status, progress, result or error',
        tags,
        params: strictObject({ id: { type: 'integer', minimum: 1 } }, ['id']),
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
