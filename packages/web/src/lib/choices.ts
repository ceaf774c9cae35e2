import type { Choice } from './types';

/** How each choice shows, and the key that makes it (on a focused card or work page). */
export const CHOICE_INFO: Record<Choice, { label: string; icon: string; key: string }> = {
  favorite: { label: 'Favorite', icon: '♥', key: '1' },
  like: { label: 'Like', icon: '👍', key: '2' },
  neutral: { label: 'Neutral', icon: '〜', key: '3' },
  dislike: { label: 'Dislike', icon: '👎', key: '4' },
  willsee: { label: 'Will see', icon: '👁', key: '5' },
  wontsee: { label: 'Won’t see', icon: '✕', key: '6' },
};

/** The choice a key press asks for, if any. */
export function choiceForKey(key: string): Choice | undefined {
  for (const [choice, info] of Object.entries(CHOICE_INFO)) if (info.key === key) return choice as Choice;
  return undefined;
}
