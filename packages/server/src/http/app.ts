import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Services } from '../services.js';
import { healthRoutes } from './routes/health.js';
import { sessionRoutes } from './routes/session.js';
import { registerVisitor } from './visitor.js';

/** A route module: registers its routes on the app with the shared services. */
export type Routes = (app: FastifyInstance, services: Services) => void;

/** Every route module, in the order of the API document. */
const ROUTES: Routes[] = [healthRoutes, sessionRoutes];

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
}

/** The HTTP application: plugins, the browser-session layer, the OpenAPI document and every route. */
export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1 << 20,
    // Ids and search terms arrive in URLs; keep them readable in logs but never the cookies.
    disableRequestLogging: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
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
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (_request, body, done) => {
    done(null, body);
  });
  registerVisitor(app, services.sessions);
  for (const routes of ROUTES) routes(app, services);
  return app;
}
