import type { Choice } from './types';

/**
 * The values the service learns choices as (packages/server/src/domain/choices.ts): predictions are on
 * this scale, dislike −2 to favorite 4, neutral at 0.1.
 */
const VALUES = { favorite: 4, like: 2, neutral: 0.1, dislike: -2 };
const LOWEST = VALUES.dislike;
const HIGHEST = VALUES.favorite;

/** A predicted score as a share of the scale, 0 (dislike) to 1 (favorite). */
export function affinity(score: number): number {
  return Math.min(1, Math.max(0, (score - LOWEST) / (HIGHEST - LOWEST)));
}

/** A predicted score as the affinity meter shows it: "72 %". */
export function percent(score: number): string {
  return `${Math.round(affinity(score) * 100)} %`;
}

/**
 * What a predicted score means, in words: the choice it is closest to (the boundaries are halfway
 * between the choices' values), so that anything above neutral never reads as "not for you".
 */
export function affinityWords(score: number): string {
  const between = (a: number, b: number) => (a + b) / 2;
  if (score >= between(VALUES.like, VALUES.favorite)) return 'you will probably love it';
  if (score >= between(VALUES.neutral, VALUES.like)) return 'you will probably like it';
  if (score > VALUES.neutral) return 'it might be for you';
  if (score >= between(VALUES.dislike, VALUES.neutral)) return 'probably not your kind of work';
  return 'you will probably dislike it';
}

/**
 * A part of a score (a rated work's or a tag's weight) as points of the affinity meter: "+12 %", with
 * one decimal below 10 so that small parts do not all read as 0.
 */
export function signedPercent(weight: number): string {
  const points = (Math.abs(weight) / (HIGHEST - LOWEST)) * 100;
  return `${weight >= 0 ? '+' : '−'}${points < 10 ? points.toFixed(1) : Math.round(points)} %`;
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
export function choiceVerb(choice: Choice | null): string {
  // null: the service did not say which choice (a why only names works the visitor rated).
  return choice === null ? 'rated' : PAST[choice];
}
