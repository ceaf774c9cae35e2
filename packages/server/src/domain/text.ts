/** Lower case, accents removed, spaces collapsed: how titles are stored and searched ("Pokémon" ~ "pokemon"). */
export function searchKey(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The words of a title for matching: its search key with apostrophes dropped and every other character
 * that is not a letter or a digit taken as a space ("Steins;Gate" ~ "steins gate", "Jerry's" ~ "jerrys").
 */
export function matchKey(text: string): string {
  return searchKey(text)
    .replace(/['’]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
