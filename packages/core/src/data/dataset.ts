import type { IdMap } from './id-map.js';
import type { Interactions } from './interactions.js';

/** What a reader knows about an item besides its ratings. */
export interface ItemInfo {
  title?: string;
  /** Category-like labels (genres); weighted tags live in `Dataset.tags`. */
  genres?: string[];
  /** Other names of the item, when the data gives them (anime: see readAnime). */
  englishTitle?: string;
  japaneseTitle?: string;
  synonyms?: string[];
  /** What a catalogue may say about a work (anime: see readAnime); addresses are absolute http(s). */
  year?: number;
  studio?: string;
  synopsis?: string;
  /** A page about the work elsewhere (a link out). */
  url?: string;
  /** A picture of its cover or poster. */
  imageUrl?: string;
  /** Any other column kept as metadata (anime: type, episodes, members, rating). */
  [key: string]: string | number | string[] | undefined;
}

/** A weighted tag of an item, from a tags file or the data's genres. */
export interface ItemTag {
  tag: string;
  weight: number;
}

/** An official train/test split shipped with a data set (MovieLens u1..u5). */
export interface Fold {
  name: string;
  train: Interactions;
  test: Interactions;
}

/**
 * The skill each row practises (knowledge-tracing data): one per row of `Dataset.ratings`, -1 for none.
 * Rows keep their file order, which is each learner's order of attempts (by time when the file has one).
 */
export interface RowSkills {
  ids: IdMap;
  skill: Int32Array;
}

/** Everything a reader returns. All Interactions of one Dataset share the same id maps. */
export interface Dataset {
  /** Reader kind: 'ml100k', 'anime', 'csv'. */
  kind: string;
  /** The spec or path it was read from. */
  source: string;
  /** Explicit ratings (or 0/1 outcomes). */
  ratings: Interactions;
  /** Rows that say "seen, no score" (the anime data's -1), kept apart from explicit training. */
  unscored?: Interactions;
  /** Item metadata by item id (empty when the data has none). */
  items: Map<string, ItemInfo>;
  /** Weighted tags by item id. */
  tags?: Map<string, ItemTag[]>;
  /** The skill of each rating row (knowledge-tracing data). */
  skills?: RowSkills;
  /** A test set shipped beside the training data (DKVMN's train/test files): what protocol `given` uses. */
  test?: Dataset;
  /** Official folds, when the data set ships them. */
  folds?: Fold[];
  /** The rating scale, for clipping predictions: from the data's documentation or the observed range. */
  scale: { min: number; max: number };
  /** The rows are interactions weighted ≥ 0 (views, clicks, "seen"), not ratings (docs/implicit.md). */
  implicit?: boolean;
  /** Malformed lines skipped (only with `skipBad`; otherwise the first one throws). */
  skipped: number;
}
