// The shapes of the service's API, from the service itself: its vocabularies, and the types derived from
// its JSON schemas (packages/server/src/http/schemas), so that a field the service changes breaks this
// build rather than a page. Only the vocabularies are values (modules without imports, bundled by Vite).

import type { Scored } from '@osusume/server/dist/src/http/schemas/recommendations.js';
import type { WorkCard } from '@osusume/server/dist/src/http/schemas/works.js';

export { CHOICES, type Choice } from '@osusume/server/dist/src/domain/choices.js';
export { type ListSort, MOSAIC_SLOTS, type MosaicSlot } from '@osusume/server/dist/src/domain/vocabulary.js';
export type {
  Deletion,
  LoggedIn,
  LogIn,
  Me,
  MergedConflict,
  MergeReport,
  Profile,
  ProfileQuery,
  SessionAnswer,
  Settings,
  SignedIn,
  SignUp,
  User,
} from '@osusume/server/dist/src/http/schemas/accounts.js';
export type { Job, Jobs, ModelVersion, ModelVersions } from '@osusume/server/dist/src/http/schemas/admin.js';
export type { RatedWork as MyRating } from '@osusume/server/dist/src/http/schemas/common.js';
export type {
  Follows,
  GroupQuery,
  GroupRecommendation,
  GroupRecommendations,
  MemberReason,
  NewParty,
  Party,
  PartyList,
} from '@osusume/server/dist/src/http/schemas/groups.js';
export type {
  MalConflict,
  MalImportQuery,
  MalImportReport,
  MyRatings,
  RatingResult,
} from '@osusume/server/dist/src/http/schemas/ratings.js';
export type {
  Explanation,
  Fallback,
  MapPoint,
  MapQuery,
  Recommendation,
  RecommendationSource,
  Recommendations,
  RecommendationsQuery,
  Scored,
  TagWeight,
  Watchlist,
  WatchlistQuery,
  WorkMap,
} from '@osusume/server/dist/src/http/schemas/recommendations.js';
export type {
  AlternateTitle,
  Categories,
  Counters,
  Facets,
  Mosaic,
  MosaicCard,
  MosaicQuery,
  WorkCard as Work,
  WorkDetail,
  WorksPage,
  WorksQuery,
} from '@osusume/server/dist/src/http/schemas/works.js';

/** What a cover needs to be drawn. */
export type CoverWork = Pick<WorkCard, 'id' | 'title' | 'type' | 'genres'>;

/** What a cover needs, from a scored work. */
export function coverOf(item: Scored): CoverWork {
  return { id: item.work, title: item.title, type: item.type ?? null, genres: item.genres ?? [] };
}
