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

/** The choice a key press asks for, if any. */
export function choiceForKey(key: string): Choice | undefined {
  for (const [choice, info] of Object.entries(CHOICE_INFO)) if (info.key === key) return choice as Choice;
  return undefined;
}
