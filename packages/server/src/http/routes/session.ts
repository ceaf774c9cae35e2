import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { sessionFor } from '../visitor.js';
import { accountSchema } from './accounts.js';

/** The session's user: an account, an anonymous visitor, or nobody yet. */
const userSchema = { ...accountSchema, type: ['object', 'null'], required: [] } as const;

export function sessionRoutes(app: FastifyInstance, { sessions }: Services): void {
  app.get(
    '/api/session',
    {
      schema: {
        summary: 'The visitor’s session: its CSRF token (send it as x-csrf-token on writes) and user',
        tags: ['accounts'],
        response: {
          200: {
            type: 'object',
            properties: { csrfToken: { type: 'string' }, user: userSchema },
          },
        },
      },
    },
    async (request, reply) => {
      const session = await sessionFor(request, reply, sessions);
      return { csrfToken: session.csrfToken, user: session.user };
    },
  );
}
