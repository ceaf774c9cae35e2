import { editDistance } from './edit-distance.js';
import { matchKey, searchKey } from './text.js';

/** A work as the index knows it: its titles (the main one first, then its other names) and its popularity. */
export interface TitleEntry {
  id: string;
  titles: readonly string[];
  /** Number of ratings (seen). */
  ratings: number;
  /** The data set's audience (MyAnimeList members), for ties among equally rated works. */
  members: number;
}

/**
 * How well a title matches, best first: the whole title; every typed word as a word of the title or its
 * beginning ("shingeki no" ~ "Shingeki no Kyojin"); the typed text inside the title, spaces and
 * punctuation aside ("steinsgate"); every word within a typo or two of a title's word ("nartuo").
 */
export const MATCH_TIERS = { exact: 0, words: 1, within: 2, fuzzy: 3 } as const;
export type MatchTier = (typeof MATCH_TIERS)[keyof typeof MATCH_TIERS];

export interface TitleMatch {
  id: string;
  tier: MatchTier;
  /** 1 but for fuzzy matches: the share of the typed characters that needed no edit. */
  similarity: number;
}

/** What ranks two matches: their tier, their similarity, then the more popular work. */
export interface Ranked {
  id: string;
  tier: number;
  similarity: number;
  ratings: number;
  members: number;
}

/** Best match first; ties by popularity (ratings, then members), then id, so that pages never overlap. */
export function compareRanked(a: Ranked, b: Ranked): number {
  return (
    a.tier - b.tier ||
    b.similarity - a.similarity ||
    b.ratings - a.ratings ||
    b.members - a.members ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * Whether text is long enough to be looked for inside titles: a letter or two of a Latin script is inside
 * nearly every title, but in scripts written without spaces (Japanese…) two characters are a word.
 */
function findableWithin(compact: string): boolean {
  return compact.length >= 3 || /[^\p{Script=Latin}\p{N}]/u.test(compact);
}

/**
 * Typos forgiven in a typed word: none below 4 characters, one up to 7, two from 8; a word still being
 * typed needs one character more (its beginning alone is loose enough: "shin" is not "ship").
 */
function typosAllowed(length: number, unfinished: boolean): number {
  const letters = unfinished ? length - 1 : length;
  return letters >= 8 ? 2 : letters >= 4 ? 1 : 0;
}

/** Typed words beyond this many are ignored (a query is at most a few words; this bounds the work). */
const MAX_WORDS = 12;

/** A vocabulary word matching a typed word, and how closely. */
interface WordHit {
  word: number;
  similarity: number;
  fuzzy: boolean;
}

/**
 * Every title of the catalogue (main and alternate) in memory, split into words over a shared vocabulary,
 * so that a search matches titles in a millisecond or two, the same way on any database. Built once per
 * process from the works (WorkSearch rebuilds it when they change). `search` is synchronous: the scratch
 * arrays it reuses from call to call are never shared by two searches.
 */
export class TitleIndex {
  /** Per title: its work (index into entries), its match key, its search key and its match key without spaces. */
  private readonly titleWork: Int32Array;
  private readonly keys: string[] = [];
  private readonly rawKeys: string[] = [];
  private readonly compactKeys: string[] = [];
  /** The distinct words of all titles, sorted (a prefix's words are a range), with their letters as bits. */
  private readonly vocabulary: string[];
  private readonly letters: Int32Array;
  /** The titles each word of the vocabulary appears in. */
  private readonly postings: Int32Array[];
  /** Per work: its place by popularity (0 for the most rated), for ties. */
  private readonly popularity: Int32Array;
  /** Scratch, per title: the pass that last saw it, the typed words it has, their similarities, any fuzzy. */
  private readonly titleSeen: Int32Array;
  private readonly titleQuery: Int32Array;
  private readonly titleWords: Int32Array;
  private readonly titleSimilarity: Float64Array;
  private readonly titleFuzzy: Uint8Array;
  /** Scratch, per work: the search that last matched it, its best tier and similarity. */
  private readonly workQuery: Int32Array;
  private readonly workTier: Int8Array;
  private readonly workSimilarity: Float64Array;
  /** Counts searches and passes over the typed words, so that scratch never needs clearing. */
  private pass = 0;

  constructor(private readonly entries: readonly TitleEntry[]) {
    const works: number[] = [];
    const titlesOf = new Map<string, number[]>();
    entries.forEach((entry, work) => {
      for (const title of entry.titles) {
        const raw = searchKey(title);
        if (raw === '') continue;
        const key = matchKey(title);
        const at = works.length;
        works.push(work);
        this.keys.push(key);
        this.rawKeys.push(raw);
        this.compactKeys.push(key.replaceAll(' ', ''));
        for (const word of new Set(key.split(' '))) {
          if (word === '') continue;
          const list = titlesOf.get(word);
          if (list) list.push(at);
          else titlesOf.set(word, [at]);
        }
      }
    });
    this.titleWork = Int32Array.from(works);
    this.vocabulary = [...titlesOf.keys()].sort();
    this.letters = Int32Array.from(this.vocabulary, letterBits);
    this.postings = this.vocabulary.map((word) => Int32Array.from(titlesOf.get(word) ?? []));
    const byPopularity = entries.map((entry, work) => ({ ...entry, work, tier: 0, similarity: 1 }));
    byPopularity.sort(compareRanked);
    this.popularity = new Int32Array(entries.length);
    byPopularity.forEach((entry, place) => {
      this.popularity[entry.work] = place;
    });
    const titles = works.length;
    this.titleSeen = new Int32Array(titles);
    this.titleQuery = new Int32Array(titles);
    this.titleWords = new Int32Array(titles);
    this.titleSimilarity = new Float64Array(titles);
    this.titleFuzzy = new Uint8Array(titles);
    this.workQuery = new Int32Array(entries.length);
    this.workTier = new Int8Array(entries.length);
    this.workSimilarity = new Float64Array(entries.length);
  }

  /** Works in the index. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * The works whose titles match the typed text, best first (ties by popularity), at most `limit`; none
   * for text without a letter, digit or sign.
   */
  search(text: string, limit: number): TitleMatch[] {
    const raw = searchKey(text);
    if (raw === '') return [];
    const key = matchKey(text);
    const query = this.nextPass();
    const matched: number[] = [];
    const offer = (title: number, tier: MatchTier, similarity: number) => {
      const work = this.titleWork[title];
      if (this.workQuery[work] !== query) {
        this.workQuery[work] = query;
        this.workTier[work] = tier;
        this.workSimilarity[work] = similarity;
        matched.push(work);
      } else if (
        tier < this.workTier[work] ||
        (tier === this.workTier[work] && similarity > this.workSimilarity[work])
      ) {
        this.workTier[work] = tier;
        this.workSimilarity[work] = similarity;
      }
    };

    const typed = [...new Set(key.split(' '))].filter((w) => w !== '').slice(0, MAX_WORDS);
    this.matchWords(typed, query, offer);
    // Whole titles, and text inside titles: one pass over them all. Text of signs only ("%") is found
    // as it is; other text with spaces and signs aside ("steinsgate" in "Steins;Gate").
    const compact = key.replaceAll(' ', '');
    const within = findableWithin(compact);
    for (let title = 0; title < this.keys.length; title++) {
      if (compact === '') {
        if (this.rawKeys[title].includes(raw)) offer(title, MATCH_TIERS.within, 1);
      } else if (this.keys[title] === key) offer(title, MATCH_TIERS.exact, 1);
      else if (within && this.compactKeys[title].includes(compact)) offer(title, MATCH_TIERS.within, 1);
    }

    matched.sort(
      (a, b) =>
        this.workTier[a] - this.workTier[b] ||
        this.workSimilarity[b] - this.workSimilarity[a] ||
        this.popularity[a] - this.popularity[b],
    );
    return matched.slice(0, limit).map((work) => ({
      id: this.entries[work].id,
      tier: this.workTier[work] as MatchTier,
      similarity: this.workSimilarity[work],
    }));
  }

  private nextPass(): number {
    if (this.pass === 0x7fffffff) {
      this.pass = 0;
      for (const scratch of [this.titleSeen, this.titleQuery, this.workQuery]) scratch.fill(0);
    }
    return ++this.pass;
  }

  /**
   * Offers the titles that have every typed word (as a word, the beginning of one or, for longer words,
   * within a typo or two of one): as `words` matches when no word needed an edit, `fuzzy` otherwise.
   */
  private matchWords(
    typed: string[],
    query: number,
    offer: (title: number, tier: MatchTier, similarity: number) => void,
  ): void {
    const candidates: number[] = [];
    typed.forEach((word, k) => {
      const seen = this.nextPass();
      // The last word may be unfinished: it also matches within typos of a word's beginning.
      for (const hit of this.wordHits(word, k === typed.length - 1)) {
        for (const title of this.postings[hit.word]) {
          // Hits come best first: a title keeps its best word for each typed word.
          if (this.titleSeen[title] === seen) continue;
          this.titleSeen[title] = seen;
          if (k === 0) {
            this.titleQuery[title] = query;
            this.titleWords[title] = 1;
            this.titleSimilarity[title] = hit.similarity;
            this.titleFuzzy[title] = hit.fuzzy ? 1 : 0;
            candidates.push(title);
          } else if (this.titleQuery[title] === query && this.titleWords[title] === k) {
            this.titleWords[title]++;
            this.titleSimilarity[title] += hit.similarity;
            if (hit.fuzzy) this.titleFuzzy[title] = 1;
          }
        }
      }
    });
    for (const title of candidates) {
      if (this.titleWords[title] !== typed.length) continue;
      if (this.titleFuzzy[title]) offer(title, MATCH_TIERS.fuzzy, this.titleSimilarity[title] / typed.length);
      else offer(title, MATCH_TIERS.words, 1);
    }
  }

  /** The vocabulary words a typed word matches, best first: itself, words it begins, words within typos. */
  private wordHits(typed: string, unfinished: boolean): WordHit[] {
    const hits: WordHit[] = [];
    const from = lowerBound(this.vocabulary, typed);
    for (let w = from; w < this.vocabulary.length && this.vocabulary[w].startsWith(typed); w++)
      hits.push({ word: w, similarity: 1, fuzzy: false });
    const max = typosAllowed(typed.length, unfinished);
    if (max === 0) return hits;
    const fuzzy: WordHit[] = [];
    const typedLetters = letterBits(typed);
    for (let w = 0; w < this.vocabulary.length; w++) {
      // Each letter of the typed word that the word lacks takes an edit: a cheap way to skip most words.
      if (bitCount(typedLetters & ~this.letters[w]) > max) continue;
      const word = this.vocabulary[w];
      if (word.startsWith(typed)) continue;
      const distance = editDistance(typed, word, max, unfinished);
      if (distance <= max) fuzzy.push({ word: w, similarity: 1 - distance / typed.length, fuzzy: true });
    }
    fuzzy.sort((a, b) => b.similarity - a.similarity);
    return hits.concat(fuzzy);
  }
}

/** The characters of a word as bits: a–z one each, digits and other characters sharing a few. */
function letterBits(word: string): number {
  let bits = 0;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    const bit = c >= 97 && c <= 122 ? c - 97 : c >= 48 && c <= 57 ? 26 + (c % 3) : 29 + (c % 3);
    bits |= 1 << bit;
  }
  return bits;
}

function bitCount(bits: number): number {
  let v = bits - ((bits >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** The first position in a sorted array whose value is not below `value`. */
function lowerBound(sorted: readonly string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
