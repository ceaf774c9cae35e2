import type { Services } from '../../services.js';
import { sessionSchema } from '../schemas/accounts.js';
import type { Api } from '../typed.js';
import { visitorSession } from '../visitor.js';

export function sessionRoutes(app: Api, { sessions }: Services): void {
  app.get(
    '/api/session',
    {
      schema: {
        summary: 'The visitor’s session: its CSRF token (send it as x-csrf-token on writes) and user',
        tags: ['accounts'],
        response: { 200: sessionSchema },
      },
    },
    async (request, reply) => visitorSession(request, reply, sessions),
  );
}
