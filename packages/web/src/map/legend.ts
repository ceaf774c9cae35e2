// Which genre colours each point, and the legend. A work has several genres; colouring by its first one
// would paint most of the map in Action and Comedy, so each work takes the rarest of its genres among the
// legend's (the most frequent ones): a mecha comedy shows as mecha. Works with none of them are "other".

import { genreColour, NO_GENRE } from '../lib/colours';

export interface LegendEntry {
  genre: string;
  colour: string;
  /** How many works have this genre (among any of theirs). */
  count: number;
}

/** Points of one colour, drawn together in one path and one fill. */
export interface ColourGroup {
  colour: string;
  /** The genre of the group, null for the works with no legend genre. */
  genre: string | null;
  indices: Int32Array;
}

export const OTHER_COLOUR = NO_GENRE;

/** The `size` most frequent genres, most frequent first (ties by name, so the order is stable). */
export function legendOf(works: { genres: string[] }[], size = 12): LegendEntry[] {
  const counts = new Map<string, number>();
  for (const work of works) for (const genre of work.genres) counts.set(genre, (counts.get(genre) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, size)
    .map(([genre, count]) => ({ genre, colour: genreColour(genre), count }));
}

/** The genre that colours a work: its rarest genre among the legend's, null when it has none of them. */
export function colourGenre(genres: string[], legend: LegendEntry[]): string | null {
  let best: LegendEntry | null = null;
  for (const entry of legend)
    if (genres.includes(entry.genre) && (!best || entry.count < best.count)) best = entry;
  return best?.genre ?? null;
}

/** The points split by colour, in the legend's order, the "other" group first (drawn underneath). */
export function colourGroups(works: { genres: string[] }[], legend: LegendEntry[]): ColourGroup[] {
  const byGenre = new Map<string | null, number[]>([[null, []]]);
  for (const entry of legend) byGenre.set(entry.genre, []);
  works.forEach((work, i) => {
    byGenre.get(colourGenre(work.genres, legend))?.push(i);
  });
  return [...byGenre]
    .filter(([, indices]) => indices.length > 0)
    .map(([genre, indices]) => ({
      genre,
      colour: genre === null ? OTHER_COLOUR : genreColour(genre),
      indices: Int32Array.from(indices),
    }));
}

/** The indices of the works that have `genre` among theirs (to highlight them). */
export function withGenre(works: { genres: string[] }[], genre: string): Int32Array {
  const indices: number[] = [];
  works.forEach((work, i) => {
    if (work.genres.includes(genre)) indices.push(i);
  });
  return Int32Array.from(indices);
}
