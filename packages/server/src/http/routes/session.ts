import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { sessionFor } from '../visitor.js';

export const userSchema = {
  type: ['object', 'null'],
  properties: {
    id: { type: 'integer' },
    username: { type: ['string', 'null'] },
    isAdmin: { type: 'boolean' },
    isAnonymous: { type: 'boolean' },
    isPublic: { type: 'boolean' },
  },
} as const;

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
