// Colours of genres, shared by the covers and the map: a fixed hue for the common ones, a stable hash for
// the rest, so a genre looks the same everywhere and on every visit.

const HUES: Record<string, number> = {
  Action: 8,
  Adventure: 32,
  Comedy: 52,
  Drama: 280,
  Fantasy: 265,
  Romance: 335,
  'Sci-Fi': 195,
  Mecha: 210,
  Space: 228,
  'Slice of Life': 95,
  School: 120,
  Mystery: 250,
  Horror: 355,
  Supernatural: 300,
  Sports: 145,
  Music: 175,
  Shounen: 18,
  Shoujo: 320,
  Seinen: 240,
  Josei: 310,
  Kids: 60,
  Psychological: 270,
  Thriller: 0,
  Historical: 40,
  Military: 80,
  Magic: 285,
  Hentai: 340,
  Ecchi: 345,
};

/** A small, stable string hash (FNV-1a). */
export function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function genreHue(genre: string): number {
  return HUES[genre] ?? hash(genre) % 360;
}

export function genreColour(genre: string, lightness = 58): string {
  return `hsl(${genreHue(genre)} 70% ${lightness}%)`;
}

/** The colour of a work with no genre. */
export const NO_GENRE = 'hsl(220 10% 55%)';
