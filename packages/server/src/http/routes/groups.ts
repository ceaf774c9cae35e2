import { GROUP_RULES, type GroupRule } from 'osusume';
import {
  addMember,
  createParty,
  deleteParty,
  follow,
  followsOf,
  leaveParty,
  memberIds,
  PartyError,
  partiesOf,
  partyFor,
  unfollow,
} from '../../domain/groups.js';
import { ratingsOfUser } from '../../domain/ratings.js';
import {
  DEFAULT_GROUP_RULE,
  GROUP_RULE_TEXT,
  type GroupRecommendedWork,
  recommendForGroup,
} from '../../engine/group-recommendation.js';
import type { RatingInput, ServingModel } from '../../engine/serving-model.js';
import type { Services } from '../../services.js';
import { HttpError, notFound } from '../errors.js';
import { emptySchema, errorSchema } from '../schemas/common.js';
import {
  followsSchema,
  groupQuerySchema,
  groupRecommendationsSchema,
  newMemberSchema,
  newPartySchema,
  partyListSchema,
  partyParams,
  partySchema,
  usernameParams,
} from '../schemas/groups.js';
import type { Api } from '../typed.js';
import { explainValidation } from '../validation.js';
import { accountOf } from '../visitor.js';
import { explainWork, servingModel } from './recommendations.js';

const STATUS: Record<PartyError['reason'], number> = {
  invalid: 400,
  'not-found': 404,
  'not-owner': 403,
  'no-consent': 403,
  full: 409,
  'owner-leaves': 409,
  'too-many': 409,
};

/** A domain refusal as the HTTP answer it stands for. */
async function refusals<T>(action: Promise<T>): Promise<T> {
  try {
    return await action;
  } catch (error) {
    if (error instanceof PartyError) throw new HttpError(STATUS[error.reason], error.message);
    throw error;
  }
}

/** The rule used and every rule, in one sentence each. */
export function rulesAnswer(used: GroupRule) {
  return {
    used,
    text: GROUP_RULE_TEXT[used],
    all: GROUP_RULES.map((rule) => ({ rule, text: GROUP_RULE_TEXT[rule] })),
  };
}

/**
 * A group's recommended works with each member's side: their own predicted score and, for works from
 * the model, the ratings of theirs that weigh most (the same why a visitor gets alone).
 */
export function withMemberReasons(
  serving: ServingModel,
  items: readonly GroupRecommendedWork[],
  members: readonly { name: string; ratings: readonly RatingInput[] }[],
  folded: Parameters<typeof explainWork>[4][],
) {
  return items.map(({ members: scores, pickedBy, ...item }) => ({
    ...item,
    pickedBy: pickedBy === null ? null : members[pickedBy].name,
    members: members.map((member, i) => ({
      member: member.name,
      score: scores[i],
      why:
        item.source === 'model' ? explainWork(serving, member.ratings, item.work, 3, folded[i]) : undefined,
    })),
  }));
}

/**
 * Following other accounts and watch parties: groups of accounts that get recommendations together
 * (docs/service.md, "Groups"). Accounts only; every route acts for the session's account, and a party is
 * visible to its members only (anyone else gets 404, as for a party that does not exist).
 */
export function groupRoutes(app: Api, services: Services): void {
  const { db } = services.storage;
  const tags = ['groups'];
  const csrf = [{ csrf: [] }];

  app.get(
    '/api/follows',
    {
      schema: {
        summary: 'Whom the account follows and who follows it',
        tags,
        response: { 200: followsSchema, '4xx': errorSchema },
      },
    },
    async (request) => followsOf(db, accountOf(request).id),
  );

  /** Following and unfollowing: the same request and answer (whom the account follows, after the change). */
  const followChange = (summary: string) =>
    ({
      schema: {
        summary,
        tags,
        security: csrf,
        params: usernameParams,
        response: { 200: followsSchema, '4xx': errorSchema },
      },
    }) as const;

  app.put(
    '/api/follows/:username',
    followChange('Follow an account (it may then add you to its watch parties only if you follow it)'),
    async (request) => {
      const user = accountOf(request);
      const followed = await refusals(follow(db, user.id, request.params.username));
      if (!followed) throw notFound(`no account "${request.params.username}"`);
      return followsOf(db, user.id);
    },
  );

  app.delete('/api/follows/:username', followChange('Stop following an account'), async (request) => {
    const user = accountOf(request);
    if (!(await unfollow(db, user.id, request.params.username))) {
      throw notFound(`you do not follow "${request.params.username}"`);
    }
    return followsOf(db, user.id);
  });

  app.get(
    '/api/groups',
    {
      schema: {
        summary: 'The watch parties the account is a member of',
        tags,
        response: { 200: partyListSchema, '4xx': errorSchema },
      },
    },
    async (request) => ({ items: await partiesOf(db, accountOf(request).id) }),
  );

  app.post(
    '/api/groups',
    {
      schemaErrorFormatter: explainValidation({ name: 'a name of 1 to 60 characters' }),
      schema: {
        summary: 'Create a watch party (you are its owner and first member)',
        tags,
        security: csrf,
        body: newPartySchema,
        response: { 201: partySchema, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const user = accountOf(request);
      const id = await refusals(createParty(db, user.id, request.body.name.trim()));
      const party = await partyFor(db, id, user.id);
      if (!party) throw notFound(`watch party ${id} was deleted meanwhile`);
      return reply.code(201).send(party);
    },
  );

  app.post(
    '/api/groups/:id/members',
    {
      schemaErrorFormatter: explainValidation({ username: 'the username of an account that follows you' }),
      schema: {
        summary: 'Add an account that follows you to your watch party (owner only)',
        tags,
        security: csrf,
        params: partyParams,
        body: newMemberSchema,
        response: { 200: partySchema, '4xx': errorSchema },
      },
    },
    async (request) =>
      refusals(addMember(db, request.params.id, accountOf(request).id, request.body.username)),
  );

  // Leaving and deleting: the same shape, a 204 or the domain's refusal.
  const removals = [
    {
      url: '/api/groups/:id/members/me',
      summary: 'Leave a watch party (its owner deletes it instead)',
      act: leaveParty,
    },
    { url: '/api/groups/:id', summary: 'Delete a watch party (owner only)', act: deleteParty },
  ];
  for (const { url, summary, act } of removals) {
    app.delete(
      url,
      {
        schema: {
          summary,
          tags,
          security: csrf,
          params: partyParams,
          response: { 204: emptySchema, '4xx': errorSchema },
        },
      },
      async (request, reply) => {
        await refusals(act(db, request.params.id, accountOf(request).id));
        return reply.code(204).send(null);
      },
    );
  }

  app.get(
    '/api/groups/:id/recommendations',
    {
      schema: {
        summary:
          'Recommendations for the watch party as a whole, with the rule explained and each member’s why',
        tags,
        params: partyParams,
        querystring: groupQuerySchema,
        response: { 200: groupRecommendationsSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const user = accountOf(request);
      const serving = servingModel(services);
      const party = await partyFor(db, request.params.id, user.id);
      const ids = await memberIds(db, request.params.id, user.id);
      if (!party || !ids) throw notFound(`no watch party ${request.params.id}`);
      const rows = await db.selectFrom('users').select(['id', 'adult_ok']).where('id', 'in', ids).execute();
      const members = await Promise.all(
        ids.map(async (id, i) => ({ name: party.members[i], ratings: await ratingsOfUser(db, id) })),
      );
      const rule = request.query.rule ?? DEFAULT_GROUP_RULE;
      const { items, fallback, folded } = await recommendForGroup(
        serving,
        services.consensus,
        members.map((m) => m.ratings),
        rule,
        {
          n: request.query.n,
          category: request.query.category,
          minRatings: services.config.minRatings,
          // Adult works only when every member opted in.
          adult: rows.length === ids.length && rows.every((r) => r.adult_ok === 1),
        },
      );
      return {
        party,
        rule: rulesAnswer(rule),
        items: withMemberReasons(serving, items, members, folded),
        fallback,
        model: serving.version,
      };
    },
  );
}
