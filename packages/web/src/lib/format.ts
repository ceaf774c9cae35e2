import type { Choice } from './types';

/** Rating values for learning (DESIGN §5): the scale predictions are on. */
const LOWEST = -2;
const HIGHEST = 4;

/** A predicted score as a share of the scale, 0 (dislike) to 1 (favorite). */
export function affinity(score: number): number {
  return Math.min(1, Math.max(0, (score - LOWEST) / (HIGHEST - LOWEST)));
}

/** What a predicted score means, in words. */
export function affinityWords(score: number): string {
  if (score >= 2.5) return 'you will probably love it';
  if (score >= 1.5) return 'you will probably like it';
  if (score >= 0.5) return 'it might be for you';
  if (score >= -0.5) return 'probably not your kind of work';
  return 'you will probably dislike it';
}

export function signed(value: number, digits = 2): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;
}

const PAST: Record<Choice, string> = {
  favorite: 'made a favorite',
  like: 'liked',
  neutral: 'found neutral',
  dislike: 'disliked',
  willsee: 'want to see',
  wontsee: 'do not want to see',
};

/** "you liked", "you want to see"… */
export function choiceVerb(choice: Choice): string {
  return PAST[choice];
}
