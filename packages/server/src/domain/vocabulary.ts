/**
 * The words the domain and its API share (the web app imports them too, so this module imports nothing).
 * Mangaki's choices are in choices.ts.
 */

/**
 * The orders the works list offers (docs/design.md for the first five); `relevance` is a title search's
 * order, best match first (popular without a search).
 */
export const LIST_SORTS = [
  'top',
  'pearls',
  'popular',
  'controversial',
  'random',
  'new',
  'alphabetical',
  'relevance',
] as const;
export type ListSort = (typeof LIST_SORTS)[number];

/** The onboarding mosaic's four card slots (docs/design.md), each drawing from the list of the same name. */
export const MOSAIC_SLOTS = ['popular', 'controversial', 'top', 'random'] as const;
export type MosaicSlot = (typeof MOSAIC_SLOTS)[number];

/** The kinds of a work's other names. */
export const ALTERNATE_TITLE_KINDS = ['english', 'japanese', 'synonym'] as const;
export type AlternateTitleKind = (typeof ALTERNATE_TITLE_KINDS)[number];

/** At most this many members per watch party (the owner included), and per group sent to the API. */
export const MAX_PARTY_MEMBERS = 10;
