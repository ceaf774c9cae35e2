import { describe, expect, it } from 'vitest';
import { GROUP_RULES, groupScore, isGroupRule, rankForGroup } from '../src/models/group-rules.js';

// Two members over five items: item 0 splits them (4 and −2), item 1 both like moderately, item 2 only
// the second loves, item 3 only the first loves, item 4 both dislike.
const alice = [4, 2, -1, 3.5, -2];
const bob = [-2, 2, 3.9, 0, -2];
const everything = () => true;

describe('groupScore', () => {
  it('is the mean, the minimum, or the mean less the standard deviation', () => {
    expect(groupScore('average', [alice, bob], 0)).toBeCloseTo(1);
    expect(groupScore('least-misery', [alice, bob], 0)).toBe(-2);
    expect(groupScore('fair', [alice, bob], 0)).toBeCloseTo(1 - 3);
    expect(groupScore('fair', [alice, bob], 1)).toBeCloseTo(2);
  });

  it('refuses an empty group', () => {
    expect(() => groupScore('average', [], 0)).toThrow(/at least one member/);
  });
});

describe('rankForGroup', () => {
  it('ranks what both like above what splits them, and least misery never takes a work one member dislikes', () => {
    const rank = (rule: (typeof GROUP_RULES)[number]) =>
      rankForGroup([alice, bob], rule, { n: 3, eligible: everything }).map((p) => p.index);
    expect(rank('average')).toEqual([1, 3, 2]);
    expect(rank('least-misery')).toEqual([1, 3, 2]);
    expect(rank('fair')[0]).toBe(1);
    expect(rank('least-misery')).not.toContain(0);
  });

  it('gives each member a pick in turn, skipping what another picked', () => {
    const picks = rankForGroup([alice, bob], 'turns', { n: 4, eligible: everything });
    expect(picks.map((p) => [p.index, p.pickedBy])).toEqual([
      [0, 0],
      [2, 1],
      [3, 0],
      [1, 1],
    ]);
    expect(picks[0].score).toBeCloseTo(1);
  });

  it('leaves out ineligible items and stops when the candidates run out', () => {
    for (const rule of GROUP_RULES) {
      const picks = rankForGroup([alice, bob], rule, { n: 10, eligible: (j) => j !== 1 && j !== 4 });
      expect(picks.map((p) => p.index).sort()).toEqual([0, 2, 3]);
    }
  });

  it('orders equal scores by the ties, then by index', () => {
    const flat = [0, 0, 0];
    const picks = rankForGroup([flat, flat], 'average', { n: 3, eligible: everything, ties: [1, 5, 1] });
    expect(picks.map((p) => p.index)).toEqual([1, 0, 2]);
  });

  it('refuses members with different numbers of scores', () => {
    expect(() => rankForGroup([alice, [1]], 'average', { n: 1, eligible: everything })).toThrow(
      /one score per item/,
    );
  });

  it('knows its rules', () => {
    expect(isGroupRule('fair')).toBe(true);
    expect(isGroupRule('median')).toBe(false);
  });
});
