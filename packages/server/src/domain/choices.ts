/**
 * Mangaki's six choices (docs/recommendations.md, "The scale"): four for works seen, two for works not
 * seen. One rating per (user, work); choosing the same again removes it.
 */
export const CHOICES = ['favorite', 'like', 'neutral', 'dislike', 'willsee', 'wontsee'] as const;
export type Choice = (typeof CHOICES)[number];

/** The value each choice takes when a model learns from it. */
export const CHOICE_VALUES: Record<Choice, number> = {
  favorite: 4,
  like: 2,
  neutral: 0.1,
  willsee: 0.5,
  wontsee: -0.5,
  dislike: -2,
};

/**
 * The neutral choice's value. Every visitor's ratings are on the choices' scale, so this is where their
 * own "neutral" sits: a work predicted at or below it is one they would rate neutral or worse.
 */
export const NEUTRAL_POINT = CHOICE_VALUES.neutral;

/** The choices that give an opinion of a work seen (will see and won't see say nothing of liking it). */
export const SEEN_CHOICES: ReadonlySet<Choice> = new Set(['favorite', 'like', 'neutral', 'dislike']);

export function isChoice(text: unknown): text is Choice {
  return typeof text === 'string' && (CHOICES as readonly string[]).includes(text);
}

/** The anime data set's scores as choices: 10 favorite, 7–9 like, 5–6 neutral, 1–4 dislike, −1 (seen) neutral. */
export function choiceOfAnimeScore(score: number): Choice {
  if (score >= 10) return 'favorite';
  if (score >= 7) return 'like';
  if (score >= 5 || score === -1) return 'neutral';
  return 'dislike';
}
