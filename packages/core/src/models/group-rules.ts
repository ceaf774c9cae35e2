import { TopN } from './top-n.js';

// Ranking for a group (a watch party) from each member's predicted scores (docs/recommendations.md,
// "Groups"). Pure functions over score arrays by item index: the caller folds the members in and decides
// which items are candidates.

/** How the members' scores become the group's: the rules compared by bench/groups.js. */
export const GROUP_RULES = ['average', 'least-misery', 'fair', 'turns'] as const;
export type GroupRule = (typeof GROUP_RULES)[number];

export function isGroupRule(value: string): value is GroupRule {
  return (GROUP_RULES as readonly string[]).includes(value);
}

export interface GroupPick {
  index: number;
  /** The group's score of the item: the rule's aggregate (the members' mean for `turns`). */
  score: number;
  /** For `turns`: the member (by position) whose turn picked the item. */
  pickedBy?: number;
}

export interface GroupRankOptions {
  n: number;
  /** Whether item j may be recommended (not rated by any member, visible to all, enough ratings…). */
  eligible: (j: number) => boolean;
  /** Equal scores: higher `ties[j]` first (e.g. training ratings), then lower index. */
  ties?: ArrayLike<number>;
}

/**
 * The group's score of item j under a scoring rule: the members' mean (`average`), their minimum
 * (`least-misery`: nobody is made to watch what they would dislike), or the mean less the members'
 * standard deviation (`fair`: a work all like moderately beats one half love and half dislike). `turns`
 * ranks by picks, and scores each pick by the mean.
 */
export function groupScore(rule: GroupRule, members: readonly ArrayLike<number>[], j: number): number {
  if (members.length === 0) throw new Error('a group needs at least one member');
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  for (const scores of members) {
    sum += scores[j];
    min = Math.min(min, scores[j]);
  }
  const mean = sum / members.length;
  if (rule === 'least-misery') return min;
  if (rule !== 'fair') return mean;
  let squares = 0;
  for (const scores of members) squares += (scores[j] - mean) ** 2;
  return mean - Math.sqrt(squares / members.length);
}

/**
 * The group's n best eligible items, best first. Scoring rules rank by `groupScore`; `turns` lets each
 * member in turn pick their own best item not picked yet ("each member gets a pick"), so that every
 * member's favourites reach the list whatever the others think.
 */
export function rankForGroup(
  members: readonly ArrayLike<number>[],
  rule: GroupRule,
  { n, eligible, ties }: GroupRankOptions,
): GroupPick[] {
  if (members.length === 0) throw new Error('a group needs at least one member');
  const size = members[0].length;
  if (members.some((scores) => scores.length !== size)) {
    throw new Error('every member needs one score per item');
  }
  if (rule === 'turns') return byTurns(members, { n, eligible, ties });
  const top = new TopN(n, ties);
  for (let j = 0; j < size; j++) if (eligible(j)) top.push(j, groupScore(rule, members, j));
  return top.sorted().map(({ index, score }) => ({ index, score }));
}

function byTurns(
  members: readonly ArrayLike<number>[],
  { n, eligible, ties }: GroupRankOptions,
): GroupPick[] {
  // A member picks at most ⌈n/m⌉ items and skips at most n − 1 picked by others: 2n of their own suffice.
  const own = members.map((scores) => {
    const top = new TopN(2 * n, ties);
    for (let j = 0; j < scores.length; j++) if (eligible(j)) top.push(j, scores[j]);
    return top.sorted().map((pick) => pick.index);
  });
  const picked = new Set<number>();
  const picks: GroupPick[] = [];
  const next = own.map(() => 0);
  for (let turn = 0; picks.length < n; turn++) {
    const member = turn % members.length;
    const list = own[member];
    while (next[member] < list.length && picked.has(list[next[member]])) next[member]++;
    if (next[member] < list.length) {
      const index = list[next[member]];
      picked.add(index);
      picks.push({ index, score: groupScore('average', members, index), pickedBy: member });
    } else if (own.every((l, m) => next[m] >= l.length)) {
      break;
    }
  }
  return picks;
}
