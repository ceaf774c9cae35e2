import { reactive } from 'vue';
import type { PrivateRating } from '../private/engine';
import { CHOICES, type Choice } from './types';

const KEY = 'osusume.private';

/**
 * Private mode (docs/web.md): whether it is on, and the ratings made in it, kept in this browser's
 * storage only. Nothing here is ever sent: the service never learns these ratings.
 */
export const privateMode = reactive({ enabled: false, ratings: new Map<string, Choice>() });

function read(): void {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null') as {
      enabled?: unknown;
      ratings?: Record<string, unknown>;
    } | null;
    privateMode.enabled = saved?.enabled === true;
    privateMode.ratings = new Map(
      Object.entries(saved?.ratings ?? {}).filter((e): e is [string, Choice] =>
        CHOICES.includes(e[1] as Choice),
      ),
    );
  } catch {
    // Storage refused or unreadable: private mode starts off, with no ratings.
  }
}

function save(): void {
  try {
    localStorage.setItem(
      KEY,
      JSON.stringify({ enabled: privateMode.enabled, ratings: Object.fromEntries(privateMode.ratings) }),
    );
  } catch {
    // Where storage is refused the ratings live as long as the page.
  }
}

read();

export function setPrivateMode(enabled: boolean): void {
  privateMode.enabled = enabled;
  save();
}

/** Rates a work privately; the same choice again removes the rating (as on the service). */
export function ratePrivately(work: string, choice: Choice): void {
  const ratings = new Map(privateMode.ratings);
  if (ratings.get(work) === choice) ratings.delete(work);
  else ratings.set(work, choice);
  privateMode.ratings = ratings;
  save();
}

/** Deletes every private rating from this browser. */
export function forgetPrivateRatings(): void {
  privateMode.ratings = new Map();
  save();
}

/** The private ratings as the engine takes them. */
export function privateRatings(): PrivateRating[] {
  return [...privateMode.ratings].map(([work, choice]) => ({ work, choice }));
}
