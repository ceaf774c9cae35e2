import type { Choice } from './types';

/** How each choice shows, and the key that makes it (on a focused card or work page). */
export const CHOICE_INFO: Record<Choice, { label: string; key: string }> = {
  favorite: { label: 'Favorite', key: '1' },
  like: { label: 'Like', key: '2' },
  neutral: { label: 'Neutral', key: '3' },
  dislike: { label: 'Dislike', key: '4' },
  willsee: { label: 'Will see', key: '5' },
  wontsee: { label: 'Won’t see', key: '6' },
};

/** The keys in words, for the hints ("1 Favorite, 2 Like, …"). */
export const KEYS_IN_WORDS = Object.values(CHOICE_INFO)
  .map((c) => `${c.key} ${c.label}`)
  .join(', ');

/**
 * The choice a key press asks for: one of the keys pressed alone (no modifier, not held down), outside
 * a form field, and not already handled; undefined otherwise.
 */
export function choiceOfKeyPress(event: KeyboardEvent): Choice | undefined {
  if (event.altKey || event.ctrlKey || event.metaKey || event.repeat || event.defaultPrevented)
    return undefined;
  const target = event.target;
  if (target instanceof Element && target.closest('input, textarea, select, [contenteditable]'))
    return undefined;
  for (const [choice, info] of Object.entries(CHOICE_INFO))
    if (info.key === event.key) return choice as Choice;
  return undefined;
}
