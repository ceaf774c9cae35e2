import { aboutWork } from '../../domain/work-detail.js';
import type { Services } from '../../services.js';
import { forbidden, notFound } from '../errors.js';
import { errorSchema, idSchema, strictObject } from '../schemas/common.js';
import { workDetailSchema } from '../schemas/works.js';
import type { Api } from '../typed.js';
import { showsAdult } from '../visitor.js';
import { explainWork, visitorRatings } from './recommendations.js';

export function workDetailRoutes(app: Api, services: Services): void {
  app.get(
    '/api/works/:id',
    {
      schema: {
        summary: 'A work: the visitor’s rating, its predicted score and why, and similar works',
        tags: ['works'],
        params: strictObject({ id: idSchema(64) }, ['id']),
        response: { 200: workDetailSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const userId = request.session?.user?.id;
      const about = await aboutWork(services.storage.db, id, userId);
      if (!about) throw notFound(`no work "${id}"`);
      const adult = showsAdult(request);
      if (about.work.adult && !adult) {
        throw forbidden(
          'this work is adult content: log in with an account that shows adult works (profile settings)',
        );
      }
      const serving = services.engine.current;
      if (!serving) return { ...about, prediction: null, why: null, similar: [] };
      // The prediction leaves the work's own rating out: what the model expects before the visitor says.
      const ratings = (await visitorRatings(services, userId)).filter((r) => r.work !== id);
      const why = explainWork(serving, ratings, id, 5);
      return {
        ...about,
        prediction: why ? serving.clip(why.score) : null,
        why: why ?? null,
        similar: serving.similar(id, 10, adult) ?? [],
      };
    },
  );
}
