import type { Db } from '../db/schema.js';
import { type ListThresholds, listIds } from './lists.js';

/** The lists that recommendations fall back on when a visitor's ratings point to nothing they would like. */
export const FALLBACK_LISTS = ['top', 'pearls', 'popular'] as const;
export type FallbackList = (typeof FALLBACK_LISTS)[number];

/** Works of each list considered: far more than a page of recommendations, once rated ones are left out. */
const DEPTH = 200;
/** The lists move only when counters are recomputed (seconds apart at most): a short cache spares the queries. */
const FRESH_MS = 30_000;

/**
 * The head of the top, pearls and popular lists, per category, as every visitor would see them (their
 * own ratings are left out by the caller). Cached for a while, so that falling back costs no query on
 * most requests.
 */
export class ConsensusLists {
  private readonly cache = new Map<string, { at: number; works: Promise<string[]> }>();

  constructor(
    private readonly db: Db,
    private readonly thresholds: ListThresholds,
    private readonly freshMs = FRESH_MS,
  ) {}

  works(list: FallbackList, category: string | undefined): Promise<string[]> {
    const key = `${list}\u0000${category ?? ''}`;
    const cached = this.cache.get(key);
    if (cached && performance.now() - cached.at < this.freshMs) return cached.works;
    const works = listIds(this.db, list, { category }, this.thresholds, DEPTH);
    // A failed query is not kept: the next request asks again.
    works.catch(() => this.cache.delete(key));
    this.cache.set(key, { at: performance.now(), works });
    return works;
  }
}
