/**
 * Genres that make a work adult content when the data does not say (the demo data follows
 * MyAnimeList's genres of its time: Hentai, and Yaoi and Yuri for explicit works, the others being
 * Shounen Ai and Shoujo Ai). Ecchi is not among them: it covers mainstream TV series.
 */
export const ADULT_GENRES: readonly string[] = ['Hentai', 'Yaoi', 'Yuri'];

/** Whether a work is adult content: as the data declares it (an `adult` column), else by its genres. */
export function isAdultWork(genres: readonly string[], declared?: boolean): boolean {
  return declared ?? genres.some((genre) => ADULT_GENRES.includes(genre));
}
