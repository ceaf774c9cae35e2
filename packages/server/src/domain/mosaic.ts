import type { Db } from '../db/schema.js';
import { firstWork, type ListThresholds, listIds, type WorkCard, workCards } from './lists.js';
import { type ListSort, MOSAIC_SLOTS, type MosaicSlot } from './vocabulary.js';

export interface MosaicCard {
  slot: MosaicSlot;
  /** The next work of the slot's list the visitor has not rated; null when every work is rated or shown. */
  work: WorkCard | null;
  /** Where the work came from: the slot's list (or `dpp`'s draw), or `popular` once that is exhausted. */
  from: ListSort | 'dpp' | null;
}

export interface MosaicRequest {
  /** The visitor, when they have a user (anonymous or not): their rated works never show. */
  userId?: number | undefined;
  category?: string | undefined;
  /** Works already on screen. */
  exclude?: readonly string[] | undefined;
  /** Adult works may show (a visitor who opted in). */
  adult?: boolean | undefined;
  /** The visitor's rated works, most recent first: a `dpp` card differs from them too. */
  rated?: readonly string[] | undefined;
}

/**
 * Draws up to k works of `pool` that are unlike each other and unlike the `given` works (the serving
 * model's k-DPP, engine/serving-model.ts); absent when no model serves.
 */
export type DiverseDraw = (pool: readonly string[], given: readonly string[], k: number) => string[];

/** The `dpp` slot draws among this many of the most rated works the visitor may see (known works vote). */
export const DPP_POOL = 300;
/** Works on screen a `dpp` draw is conditioned on, then rated ones up to DPP_GIVEN in all. */
const DPP_SCREEN = 8;
export const DPP_GIVEN = 16;

type Filters = Parameters<typeof firstWork>[2];

function filtersOf(request: MosaicRequest): Filters {
  return {
    category: request.category,
    unratedBy: request.userId,
    userId: request.userId,
    exclude: request.exclude,
    adult: request.adult,
  };
}

/** k `dpp` cards: a k-DPP draw among the pool, conditioned on the works on screen and the recently rated. */
async function diverseCards(
  db: Db,
  k: number,
  request: MosaicRequest,
  thresholds: ListThresholds,
  draw: DiverseDraw | undefined,
): Promise<WorkCard[]> {
  if (!draw || k === 0) return [];
  const pool = await listIds(db, 'popular', filtersOf(request), thresholds, DPP_POOL);
  const given = [...(request.exclude ?? []).slice(0, DPP_SCREEN), ...(request.rated ?? [])].slice(
    0,
    DPP_GIVEN,
  );
  return workCards(db, draw(pool, given, k), request.userId);
}

/** One card: the slot's next unrated, not excluded work, or popular's when the slot's list has none left. */
export async function mosaicCard(
  db: Db,
  slot: MosaicSlot,
  request: MosaicRequest,
  thresholds: ListThresholds,
  draw?: DiverseDraw,
): Promise<MosaicCard> {
  if (slot === 'dpp') {
    const [work] = await diverseCards(db, 1, request, thresholds, draw);
    if (work) return { slot, work, from: 'dpp' };
  }
  const lists = slot === 'popular' || slot === 'dpp' ? (['popular'] as const) : ([slot, 'popular'] as const);
  for (const list of lists) {
    const work = await firstWork(db, list, filtersOf(request), thresholds);
    if (work) return { slot, work, from: list };
  }
  return { slot, work: null, from: null };
}

/**
 * The mosaic's cards, all different works (each card's work is excluded from the next slots). The list
 * slots come first; the `dpp` slots then share one k-DPP draw conditioned on their works.
 */
export async function mosaicCards(
  db: Db,
  request: MosaicRequest,
  thresholds: ListThresholds,
  draw?: DiverseDraw,
  slots: readonly MosaicSlot[] = MOSAIC_SLOTS,
): Promise<MosaicCard[]> {
  // The works on screen come first: the dpp draw is conditioned on the first few excluded.
  const onScreen: string[] = [];
  const exclude = () => [...onScreen, ...(request.exclude ?? [])];
  const cards = new Map<number, MosaicCard>();
  for (const [at, slot] of slots.entries()) {
    if (slot === 'dpp') continue;
    const card = await mosaicCard(db, slot, { ...request, exclude: exclude() }, thresholds);
    if (card.work) onScreen.push(card.work.id);
    cards.set(at, card);
  }
  const dppAt = [...slots.keys()].filter((at) => slots[at] === 'dpp');
  const drawn = await diverseCards(db, dppAt.length, { ...request, exclude: exclude() }, thresholds, draw);
  for (const at of dppAt) {
    const work = drawn.shift();
    if (work) {
      onScreen.push(work.id);
      cards.set(at, { slot: 'dpp', work, from: 'dpp' });
    } else {
      // No model serves, or the draw came short: popular's next work.
      const card = await mosaicCard(db, 'dpp', { ...request, exclude: exclude() }, thresholds);
      if (card.work) onScreen.push(card.work.id);
      cards.set(at, card);
    }
  }
  return slots.map((_, at) => cards.get(at) as MosaicCard);
}
