import { NEUTRAL_POINT } from '../domain/choices.js';
import { type ConsensusLists, FALLBACK_LISTS, type FallbackList } from '../domain/consensus-lists.js';
import type { RatingInput, RecommendRequest, ScoredWork, ServingModel } from './serving-model.js';

/** Where a recommended work comes from: the model, or a list everyone sees. */
export type RecommendationSource = 'model' | FallbackList;

export interface RecommendedWork extends ScoredWork {
  source: RecommendationSource;
}

/**
 * Why some works come from the lists rather than the model: `none` (they do not), `no-ratings` (nothing
 * rated yet) or `few-liked` (the model predicts too few works above neutral for this visitor).
 */
export type Fallback = 'none' | 'no-ratings' | 'few-liked';

export interface Recommendations {
  items: RecommendedWork[];
  fallback: Fallback;
}

export interface RuleOptions {
  /** Works predicted at or below neutral are never recommendations (default; off only to measure it). */
  neutralFloor?: boolean;
}

/**
 * What is shown as recommendations (docs/recommendations.md): the model's best candidates that it
 * predicts above the visitor's neutral point; when fewer than n are, the rest is filled from the top,
 * pearls and popular lists, those the model predicts best for this visitor first, each marked with the
 * list it comes from so that nobody reads it as a prediction. A visitor who rated nothing gets the lists.
 */
export async function recommendWorks(
  serving: ServingModel,
  consensus: ConsensusLists,
  ratings: readonly RatingInput[],
  request: RecommendRequest,
  { neutralFloor = true }: RuleOptions = {},
): Promise<Recommendations> {
  const user = serving.foldIn(ratings);
  const ranked = serving.rank(user, request);
  const fromModel = (work: ScoredWork) => recommended(work, 'model');
  if (!neutralFloor) return { items: ranked.map(fromModel), fallback: 'none' };
  const liked = ratings.length === 0 ? [] : ranked.filter((work) => work.score > NEUTRAL_POINT);
  const items = liked.map(fromModel);
  if (items.length >= request.n) return { items, fallback: 'none' };

  const taken = new Set([
    ...ratings.map((r) => r.work),
    ...(request.exclude ?? []),
    ...liked.map((w) => w.work),
  ]);
  const filled = await fillFromLists(serving, consensus, request, taken, (work) =>
    serving.model.predict(user, work),
  );
  items.push(...filled.slice(0, request.n - items.length));
  const fell = items.length > liked.length;
  return { items, fallback: !fell ? 'none' : ratings.length === 0 ? 'no-ratings' : 'few-liked' };
}

/**
 * The fallback: the works of the top, pearls and popular lists that are not `taken`, that the model
 * knows and the visitor may see, at most `request.n`, best `score` first (then in the lists' order).
 */
export async function fillFromLists(
  serving: ServingModel,
  consensus: ConsensusLists,
  request: RecommendRequest,
  taken: Set<string>,
  score: (work: string) => number,
): Promise<RecommendedWork[]> {
  const pool: { work: string; list: FallbackList; order: number; score: number }[] = [];
  for (const list of FALLBACK_LISTS) {
    for (const work of await consensus.works(list, request.category)) {
      // Works trained after the lists were read, or hidden from this visitor, are left out.
      if (taken.has(work) || !serving.model.items.has(work)) continue;
      if (!request.adult && serving.catalogue.get(work)?.adult) continue;
      taken.add(work);
      pool.push({ work, list, order: pool.length, score: score(work) });
    }
  }
  pool.sort((a, b) => b.score - a.score || a.order - b.order);
  return pool
    .slice(0, request.n)
    .map(({ work, list, score }) => recommended(serving.scored(work, score), list));
}

/**
 * A recommended work, built field by field: every answer's items have one shape (objects made by spreads
 * cost the serializer and the collector a third of the service's throughput, measured).
 */
function recommended(
  { work, title, type, genres, score }: ScoredWork,
  source: RecommendationSource,
): RecommendedWork {
  return { work, title, type, genres, score, source };
}
