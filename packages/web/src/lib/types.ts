// The shapes of the service's API (its OpenAPI document is at /docs).

export const CHOICES = ['favorite', 'like', 'neutral', 'dislike', 'willsee', 'wontsee'] as const;
export type Choice = (typeof CHOICES)[number];

export interface Counters {
  favorite: number;
  like: number;
  neutral: number;
  dislike: number;
  willsee: number;
  wontsee: number;
  nbRatings: number;
}

export interface Work {
  id: string;
  title: string;
  category: string;
  type: string | null;
  episodes: number | null;
  genres: string[];
  /** Adult content: only accounts that opted in see it. */
  adult: boolean;
  counters: Counters;
  myRating: Choice | null;
}

/** What a cover needs to be drawn. */
export type CoverWork = Pick<Work, 'id' | 'title' | 'type' | 'genres'>;

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export interface TagWeight {
  tag: string;
  weight: number;
}

export interface Explanation {
  score: number;
  mean: number;
  itemBias: number;
  rest: number;
  contributions: { work: string; title: string; choice: Choice; weight: number }[];
  tags: TagWeight[];
  tagRest: number;
  /** The share of the collaborative model in a blend (BALSE), null for a single model. */
  gate: number | null;
}

/** Where a recommended work comes from: the model, or a list everyone sees (docs/recommendations.md). */
export type RecommendationSource = 'model' | 'top' | 'pearls' | 'popular';

/** Why some recommended works come from the lists: nothing rated yet, or too few predicted above neutral. */
export type Fallback = 'none' | 'no-ratings' | 'few-liked';

export interface Recommendation extends Scored {
  source: RecommendationSource;
  /** Only for works from the model. */
  why?: Explanation;
}

export interface Recommendations {
  items: Recommendation[];
  fallback: Fallback;
  model?: number;
  tastes?: { likes: TagWeight[]; dislikes: TagWeight[] } | null;
}

export interface Scored {
  work: string;
  title: string;
  type?: string | null;
  genres?: string[];
  score: number;
}

/** What a cover needs, from a scored work. */
export function coverOf(item: Scored): CoverWork {
  return { id: item.work, title: item.title, type: item.type ?? null, genres: item.genres ?? [] };
}

export interface AlternateTitle {
  title: string;
  kind: 'english' | 'japanese' | 'synonym';
}

/** The types and genres works can be filtered by, with their number of works. */
export interface Facets {
  types: { type: string; works: number }[];
  genres: { genre: string; works: number }[];
}

export interface WorkDetail {
  work: Work;
  members?: number | null;
  alternateTitles: AlternateTitle[];
  prediction: number | null;
  why: Explanation | null;
  similar: Scored[];
}

export interface MosaicCard {
  slot: MosaicSlot;
  work: Work;
  from: string;
}

export const MOSAIC_SLOTS = ['popular', 'controversial', 'top', 'random'] as const;
export type MosaicSlot = (typeof MOSAIC_SLOTS)[number];

export interface User {
  id: number;
  username: string | null;
  isAdmin: boolean;
  isAnonymous: boolean;
  isPublic: boolean;
  /** Adult works are shown (the account opted in; off by default). */
  adultOk: boolean;
}

export interface Me extends User {
  createdAt: string;
  counts: Record<Choice, number>;
  total: number;
}

export interface MyRating {
  work: string;
  title: string;
  category: string;
  choice: Choice;
  updatedAt: string;
}

export interface MapPoint {
  work: string;
  title: string;
  genres: string[];
  x: number;
  y: number;
}

export interface WorkMap {
  points: MapPoint[];
  you: { x: number; y: number; from: number } | null;
}

export interface ModelVersion {
  id: number;
  family: string;
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  status: string;
  ratings: number;
  error: string | null;
  createdAt: string;
  activatedAt: string | null;
  serving: boolean;
}

export interface Job {
  id: number;
  kind: string;
  status: string;
  progress: number;
  message: string | null;
  error: string | null;
  result: Record<string, unknown> | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A work rated before a MyAnimeList import with another choice than the export's. */
export interface MalConflict {
  work: string;
  title: string;
  current: Choice;
  exported: Choice;
  /** Whether the export's choice replaced the user's (asked for); otherwise the user's stays. */
  replaced: boolean;
}

export interface MalImportReport {
  matched: number;
  unmatched: { id: string; title: string }[];
  skipped: number;
  added: number;
  unchanged: number;
  conflicts: MalConflict[];
  imported: number;
}

/** A work rated both anonymously and on the account, with other choices, met at log-in. */
export interface MergedConflict {
  work: string;
  title: string;
  anonymous: Choice;
  account: Choice;
}

/** What a log-in did with the ratings made anonymously before it (the newer rating wins). */
export interface MergeReport {
  moved: number;
  replaced: MergedConflict[];
  kept: MergedConflict[];
}
