import type { Explanation } from '../recommender.js';

/**
 * The explanation of an implicit model's score: no mean; the `top` terms of largest |weight| listed, and
 * `rest` what the listed terms leave of `userPart` (the score without the item bias).
 */
export function implicitExplanation(
  item: string,
  itemBias: number,
  userPart: number,
  terms: Explanation['contributions'],
  top: number,
): Explanation {
  terms.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  const shown = terms.slice(0, top);
  return {
    item,
    score: itemBias + userPart,
    mean: 0,
    itemBias,
    contributions: shown,
    rest: shown.reduce((left, t) => left - t.weight, userPart),
  };
}
