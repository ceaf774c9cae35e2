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

export interface Recommendation extends Scored {
  why?: Explanation;
}

export interface Recommendations {
  items: Recommendation[];
  model?: number;
  tastes?: { likes: TagWeight[]; dislikes: TagWeight[] };
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

export interface MalImportReport {
  matched: number;
  unmatched: { id: string; title: string }[];
  skipped: number;
  imported: number;
}
