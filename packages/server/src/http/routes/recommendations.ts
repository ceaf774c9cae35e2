import type { Explanation, FoldedUser } from 'osusume';
import { CHOICE_VALUES, type Choice, NEUTRAL_POINT } from '../../domain/choices.js';
import { ratingsOfUser } from '../../domain/ratings.js';
import { recommendWorks } from '../../engine/recommendation-rule.js';
import type { RatingInput, ServingModel } from '../../engine/serving-model.js';
import type { Services } from '../../services.js';
import { HttpError } from '../errors.js';
import {
  mapQuerySchema,
  recommendationsQuerySchema,
  recommendationsSchema,
  watchlistQuerySchema,
  watchlistSchema,
  workMapSchema,
} from '../schemas/recommendations.js';
import type { Api } from '../typed.js';
import { showsAdult } from '../visitor.js';

/** The serving model, or 503 while none is trained yet. */
export function servingModel(services: Services): ServingModel {
  const serving = services.engine.current;
  if (!serving) throw new HttpError(503, 'no model is serving yet: training is under way');
  return serving;
}

/** Choices that say the visitor did not want a work: never shown as a reason to watch another. */
const AGAINST = new Set<Choice>(['dislike', 'wontsee']);

/**
 * An explanation with the rated works named and shown as the choices the visitor made, at most `top`
 * of them. A work the visitor disliked (or will not see) that pushes the score up is not listed (its
 * weight goes to `rest`): "you disliked X" reads as a reason to watch. With no ratings there is no
 * gate: nothing comes from people with tastes like theirs yet.
 */
export function describeExplanation(
  serving: ServingModel,
  why: Explanation,
  ratings: readonly RatingInput[],
  top: number,
) {
  const choices = new Map(ratings.map((r) => [r.work, r.choice]));
  const listed = why.contributions.filter((c) => {
    const choice = choices.get(c.item);
    return !(c.weight > 0 && choice !== undefined && AGAINST.has(choice));
  });
  const shown = listed.slice(0, top);
  const hidden =
    why.contributions.reduce((sum, c) => sum + c.weight, 0) - shown.reduce((s, c) => s + c.weight, 0);
  return {
    score: why.score,
    mean: why.mean,
    itemBias: why.itemBias,
    rest: why.rest + hidden,
    contributions: shown.map((c) => ({
      work: c.item,
      title: serving.catalogue.get(c.item)?.title ?? c.item,
      choice: choices.get(c.item) ?? null,
      weight: c.weight,
    })),
    tags: why.tags ?? [],
    tagRest: why.tagRest ?? 0,
    gate: ratings.length === 0 ? null : (why.gate ?? null),
  };
}

/** Rated works asked of the model per explanation: room for those left out as reasons. */
const EXPLAIN_DEPTH = 12;

/** The explanation of one work for the visitor, as the API shows it; undefined when the model lacks it. */
export function explainWork(
  serving: ServingModel,
  ratings: readonly RatingInput[],
  work: string,
  top: number,
  user?: FoldedUser,
) {
  const why = serving.explain(ratings, work, Math.max(top, EXPLAIN_DEPTH), user);
  return why ? describeExplanation(serving, why, ratings, top) : undefined;
}

/** The visitor's current ratings (none before their first one). */
export async function visitorRatings(services: Services, userId: number | undefined): Promise<RatingInput[]> {
  return userId === undefined ? [] : ratingsOfUser(services.storage.db, userId);
}

export function recommendationRoutes(app: Api, services: Services): void {
  app.get(
    '/api/recommendations',
    {
      schema: {
        summary:
          'Recommendations for the visitor: their current ratings folded into the model, each with its why',
        tags: ['recommendations'],
        querystring: recommendationsQuerySchema,
        response: { 200: recommendationsSchema },
      },
    },
    async (request) => {
      const serving = servingModel(services);
      const ratings = await visitorRatings(services, request.session?.user?.id);
      const { items, fallback } = await recommendWorks(serving, services.consensus, ratings, {
        n: request.query.n,
        category: request.query.category,
        minRatings: services.config.minRatings,
        adult: showsAdult(request),
      });
      return {
        model: serving.version,
        fallback,
        tastes: serving.tastes(ratings) ?? null,
        // A work from the lists is there because everyone likes it: the model's why would not say that.
        items: items.map((item) => ({
          ...item,
          why: item.source === 'model' ? explainWork(serving, ratings, item.work, 3) : undefined,
        })),
      };
    },
  );

  app.get(
    '/api/watchlist',
    {
      schema: {
        summary: 'The visitor’s “will see” works, best predicted first',
        tags: ['recommendations'],
        querystring: watchlistQuerySchema,
        response: { 200: watchlistSchema },
      },
    },
    async (request) => {
      const serving = servingModel(services);
      const ratings = await visitorRatings(services, request.session?.user?.id);
      const visible = serving.catalogue.visibleTo(showsAdult(request));
      const willsee = ratings
        .filter((r) => r.choice === 'willsee' && (!visible || visible(r.work)))
        .map((r) => r.work);
      const { category } = request.query;
      // Predict from the other ratings: a "will see" says nothing yet about liking the work.
      const others = ratings.filter((r) => r.choice !== 'willsee');
      const vector = serving.foldIn(others);
      const items = willsee
        .filter((work) => !category || serving.catalogue.get(work)?.category === category)
        // A work added after the model was trained has no prediction yet: it goes last.
        .map((work) =>
          serving.scored(work, serving.model.items.has(work) ? serving.model.predict(vector, work) : 0),
        )
        .sort((a, b) => b.score - a.score || (a.work < b.work ? -1 : 1));
      return { items };
    },
  );

  app.get(
    '/api/map',
    {
      schema: {
        summary: 'The map of works: a 2-D projection of the most-rated works, and where the visitor stands',
        tags: ['recommendations'],
        querystring: mapQuerySchema,
        response: { 200: workMapSchema },
      },
    },
    async (request) => {
      const serving = servingModel(services);
      if (!serving.model.mapVectors()) throw new HttpError(503, 'the serving model has no factors to map');
      const map = serving.map(request.query.top, showsAdult(request));
      const ratings = await visitorRatings(services, request.session?.user?.id);
      // The visitor stands among the works they liked, a favorite weighing twice a like (docs/design.md).
      const anchors = ratings
        .filter((r) => r.choice === 'favorite' || r.choice === 'like')
        .map((r) => ({ work: r.work, weight: CHOICE_VALUES[r.choice] - NEUTRAL_POINT }));
      const place = map.place(anchors);
      return {
        layout: map.layout,
        clusters: map.clusters,
        points: map.points.map((p) => {
          const work = serving.catalogue.get(p.work);
          return { ...p, title: work?.title ?? p.work, genres: work?.genres ?? [] };
        }),
        you: place ? { x: place[0], y: place[1], from: anchors.length } : null,
      };
    },
  );
}
