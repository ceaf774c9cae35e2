import { type FoldedUser, type GroupRule, rankForGroup } from 'osusume';
import { NEUTRAL_POINT } from '../domain/choices.js';
import type { ConsensusLists } from '../domain/consensus-lists.js';
import { type Fallback, fillFromLists, type RecommendedWork } from './recommendation-rule.js';
import type { RatingInput, RecommendRequest, ServingModel } from './serving-model.js';

/** The rule a group gets unless it asks for another: chosen by bench/groups.js (docs/recommendations.md). */
export const DEFAULT_GROUP_RULE: GroupRule = 'average';

/** Each rule in one sentence, as the web app and the API show it. */
export const GROUP_RULE_TEXT: Record<GroupRule, string> = {
  average: 'Works ranked by the mean of what the model predicts for each member.',
  'least-misery':
    'Works ranked by the least any member is predicted to like them: nobody has to sit through something they would dislike.',
  fair: 'Works ranked by the members’ mean prediction less how far apart the members are: a work all like beats one that splits the group.',
  turns:
    'Each member in turn picks the work predicted best for them among those not picked yet, so everyone gets their own picks.',
};

export interface GroupRecommendedWork extends RecommendedWork {
  /** Each member's predicted score, in the members' order, clipped to the choices' scale. */
  members: number[];
  /** For `turns`: the member (by position) whose pick the work is. */
  pickedBy: number | null;
}

export interface GroupRecommendations {
  items: GroupRecommendedWork[];
  fallback: Fallback;
  /** The members as the model sees them, in order (for their explanations). */
  folded: FoldedUser[];
}

/**
 * What a group is shown (docs/recommendations.md, "Groups"): the same rule as for one visitor, with the
 * group's score in place of the visitor's. Candidates are the works no member rated, visible to all (the
 * caller passes `adult` only when every member opted in), with the minimum support; the group's score
 * must be above the neutral point; when fewer than n works pass, the rest comes from the lists, the
 * best for the group first.
 */
export async function recommendForGroup(
  serving: ServingModel,
  consensus: ConsensusLists,
  members: readonly (readonly RatingInput[])[],
  rule: GroupRule,
  request: RecommendRequest,
): Promise<GroupRecommendations> {
  const folded = members.map((ratings) => serving.foldIn(ratings));
  const { model, catalogue } = serving;
  const scores = folded.map((user) => Float64Array.from(model.scores(user)));
  const counts = model.ratingCounts();
  const banned = new Uint8Array(model.items.size);
  for (const work of [
    ...members.flatMap((ratings) => ratings.map((r) => r.work)),
    ...(request.exclude ?? []),
  ]) {
    const j = model.items.indexOf(work);
    if (j >= 0) banned[j] = 1;
  }
  const { category, adult, minRatings } = request;
  const eligible = (j: number) => {
    if (banned[j] || counts[j] < minRatings) return false;
    const summary = catalogue.get(model.items.idAt(j));
    return (adult || !summary?.adult) && (!category || summary?.category === category);
  };
  const rated = members.some((ratings) => ratings.length > 0);
  const picks = rankForGroup(scores, rule, { n: request.n, eligible, ties: counts }).filter(
    (pick) => rated && pick.score > NEUTRAL_POINT,
  );
  const perMember = (j: number) => scores.map((s) => serving.clip(s[j]));
  const items: GroupRecommendedWork[] = picks.map(({ index, score, pickedBy }) => ({
    ...serving.scored(model.items.idAt(index), serving.clip(score)),
    source: 'model',
    members: perMember(index),
    pickedBy: pickedBy ?? null,
  }));
  if (items.length >= request.n) return { items, fallback: 'none', folded };

  const taken = new Set(items.map((item) => item.work));
  for (const ratings of members) for (const r of ratings) taken.add(r.work);
  for (const work of request.exclude ?? []) taken.add(work);
  const mean = (work: string) => {
    const j = model.items.indexOf(work);
    return serving.clip(scores.reduce((sum, s) => sum + s[j], 0) / scores.length);
  };
  const filled = await fillFromLists(serving, consensus, request, taken, mean);
  for (const work of filled.slice(0, request.n - items.length)) {
    items.push({ ...work, members: perMember(model.items.indexOf(work.work)), pickedBy: null });
  }
  const fell = items.length > picks.length;
  return { items, fallback: !fell ? 'none' : rated ? 'few-liked' : 'no-ratings', folded };
}
