import { STATUS_CODES } from 'node:http';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Services } from '../services.js';
import { HttpError } from './errors.js';
import { registerRateLimits } from './rate-limiting.js';
import { accountRoutes } from './routes/accounts.js';
import { adminRoutes } from './routes/admin.js';
import { groupRoutes } from './routes/groups.js';
import { healthRoutes } from './routes/health.js';
import { malImportRoutes } from './routes/mal-import.js';
import { mosaicRoutes } from './routes/mosaic.js';
import { profileRoutes } from './routes/profile.js';
import { ratingRoutes } from './routes/ratings.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { sessionRoutes } from './routes/session.js';
import { v1Routes } from './routes/v1.js';
import { webRoutes } from './routes/web.js';
import { workDetailRoutes } from './routes/work-detail.js';
import { workRoutes } from './routes/works.js';
import { trustProxyOption } from './trust-proxy.js';
import type { Api } from './typed.js';
import { validatorCompiler } from './validator.js';
import { registerVisitor } from './visitor.js';

/** A route module: registers its routes on the app with the shared services. */
export type Routes = (app: Api, services: Services) => void;

/** Every route module, in the order of the API document. */
const ROUTES: Routes[] = [
  healthRoutes,
  sessionRoutes,
  accountRoutes,
  profileRoutes,
  workRoutes,
  workDetailRoutes,
  ratingRoutes,
  mosaicRoutes,
  malImportRoutes,
  recommendationRoutes,
  groupRoutes,
  adminRoutes,
  v1Routes,
];

/** Largest request body, except where a route says otherwise (the MyAnimeList import). */
const BODY_LIMIT = 1 << 20;

export interface AppOptions {
  /** The process's pino logger (none in tests). */
  logger?: FastifyBaseLogger;
}

/** The HTTP application: plugins, the browser-session layer, the OpenAPI document and every route. */
export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: BODY_LIMIT,
    // Behind a TLS-terminating proxy: its X-Forwarded-Proto/-For count only from a trusted address.
    trustProxy: trustProxyOption(services.config.trustProxy),
    // The integration API takes ids of other applications in the path: allow up to 128 characters.
    routerOptions: { maxParamLength: 200 },
  });
  app.setValidatorCompiler(validatorCompiler());
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'osusume',
        description: 'Recommendations for anime and manga: ratings, rankings, explained recommendations.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = request.routeOptions.bodyLimit ?? BODY_LIMIT;
      return reply.code(413).send({
        statusCode: 413,
        error: 'Payload Too Large',
        message: `request body too large: the limit here is ${Math.round(limit / 1024)} KB`,
      });
    }
    // An HttpError is an answer the service chose (503: the integration API is off), sent as a body so
    // that Fastify does not log it: a client must not fill the log with expected refusals. Anything
    // else goes through Fastify's handling, which logs 5xx at error level.
    if (error instanceof HttpError) {
      const { statusCode, message } = error;
      return reply.code(statusCode).send({ statusCode, error: STATUS_CODES[statusCode], message });
    }
    return reply.send(error);
  });
  registerVisitor(app, services.sessions);
  await registerRateLimits(app, services.storage.db);
  const api = app.withTypeProvider<JsonSchemaToTsProvider>();
  for (const routes of ROUTES) routes(api, services);
  await webRoutes(app, services);
  return app;
}
