/** Lower case, accents removed, spaces collapsed: how titles are stored and searched ("Pokémon" ~ "pokemon"). */
export function searchKey(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}
