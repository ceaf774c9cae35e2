import type { Db } from '../db/schema.js';
import { firstWork, type ListThresholds, type WorkCard } from './lists.js';
import { type ListSort, MOSAIC_SLOTS, type MosaicSlot } from './vocabulary.js';

export interface MosaicCard {
  slot: MosaicSlot;
  /** The next work of the slot's list the visitor has not rated; null when every work is rated or shown. */
  work: WorkCard | null;
  /** The list the work came from: the slot's own, or `popular` once the slot's list is exhausted. */
  from: ListSort | null;
}

export interface MosaicRequest {
  /** The visitor, when they have a user (anonymous or not): their rated works never show. */
  userId?: number | undefined;
  category?: string | undefined;
  /** Works already on screen. */
  exclude?: readonly string[] | undefined;
  /** Adult works may show (a visitor who opted in). */
  adult?: boolean | undefined;
}

/** One card: the slot's next unrated, not excluded work, or popular's when the slot's list has none left. */
export async function mosaicCard(
  db: Db,
  slot: MosaicSlot,
  request: MosaicRequest,
  thresholds: ListThresholds,
): Promise<MosaicCard> {
  const filters = {
    category: request.category,
    unratedBy: request.userId,
    userId: request.userId,
    exclude: request.exclude,
    adult: request.adult,
  };
  for (const list of slot === 'popular' ? (['popular'] as const) : ([slot, 'popular'] as const)) {
    const work = await firstWork(db, list, filters, thresholds);
    if (work) return { slot, work, from: list };
  }
  return { slot, work: null, from: null };
}

/** The four cards, all different works (each card's work is excluded from the next slots). */
export async function mosaicCards(
  db: Db,
  request: MosaicRequest,
  thresholds: ListThresholds,
): Promise<MosaicCard[]> {
  const exclude = [...(request.exclude ?? [])];
  const cards: MosaicCard[] = [];
  for (const slot of MOSAIC_SLOTS) {
    const card = await mosaicCard(db, slot, { ...request, exclude }, thresholds);
    if (card.work) exclude.push(card.work.id);
    cards.push(card);
  }
  return cards;
}
