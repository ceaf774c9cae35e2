/** Following and watch parties (groups), and the recommendations a group gets. */
import type { FromSchema } from 'json-schema-to-ts';
import { GROUP_RULES } from 'osusume';
import { MAX_PARTY_MEMBERS } from '../../domain/vocabulary.js';
import {
  categoryFilterSchema,
  choiceSchema,
  idSchema,
  nSchema,
  type Request,
  strictObject,
} from './common.js';
import {
  explanationSchema,
  fallbackSchema,
  scoredCardSchema,
  scoredWorkSchema,
  sourceSchema,
} from './recommendations.js';

/** An account's username as another account types it (the account's own rules are checked at sign-up). */
export const usernameSchema = idSchema(64);

export const usernameParams = strictObject({ username: usernameSchema }, ['username']);

export const followsSchema = strictObject(
  {
    following: { type: 'array', items: { type: 'string' } },
    followers: { type: 'array', items: { type: 'string' } },
  },
  ['following', 'followers'],
);

export const partySchema = strictObject(
  {
    id: { type: 'integer' },
    name: { type: 'string' },
    owner: { type: 'string' },
    members: { type: 'array', items: { type: 'string' }, description: 'usernames, the owner first' },
  },
  ['id', 'name', 'owner', 'members'],
);

export const partyListSchema = strictObject({ items: { type: 'array', items: partySchema } }, ['items']);

export const partyParams = strictObject({ id: { type: 'integer', minimum: 1 } }, ['id']);

export const newPartySchema = strictObject(
  { name: { type: 'string', minLength: 1, maxLength: 60, pattern: '\\S' } },
  ['name'],
);

export const newMemberSchema = strictObject({ username: usernameSchema }, ['username']);

export const groupRuleSchema = {
  type: 'string',
  enum: [...GROUP_RULES],
  description: 'how the members’ predictions become the group’s (docs/recommendations.md, “Groups”)',
} as const;

export const groupQuerySchema = strictObject({
  n: nSchema,
  category: categoryFilterSchema,
  rule: groupRuleSchema,
});

/** The rule used and the others, each in one sentence. */
const rulesSchema = strictObject(
  {
    used: groupRuleSchema,
    text: { type: 'string', description: 'the rule used, in one sentence' },
    all: {
      type: 'array',
      items: strictObject({ rule: groupRuleSchema, text: { type: 'string' } }, ['rule', 'text']),
    },
  },
  ['used', 'text', 'all'],
);

/** One member's side of a work: their predicted score and (from the model) which of their ratings weigh most. */
const memberReasonSchema = strictObject(
  {
    member: { type: 'string' },
    score: { type: 'number', description: 'the model’s prediction for this member (−2 … 4)' },
    why: { ...explanationSchema, description: 'only for works from the model' },
  },
  ['member', 'score'],
);

export const groupRecommendationsSchema = strictObject(
  {
    party: partySchema,
    rule: rulesSchema,
    items: {
      type: 'array',
      items: strictObject(
        {
          ...scoredCardSchema.properties,
          score: { type: 'number', description: 'the group’s score under the rule' },
          source: sourceSchema,
          pickedBy: { type: ['string', 'null'], description: 'rule `turns`: whose pick the work is' },
          members: { type: 'array', items: memberReasonSchema },
        },
        [...scoredCardSchema.required, 'source', 'pickedBy', 'members'],
      ),
    },
    fallback: fallbackSchema,
    model: { type: 'integer' },
  },
  ['party', 'rule', 'items', 'fallback', 'model'],
);

/** The integration API's group: several users' ratings sent at once. */
export const groupBodySchema = {
  type: 'array',
  minItems: 1,
  maxItems: MAX_PARTY_MEMBERS,
  description: `the members (1 … ${MAX_PARTY_MEMBERS}), each with their ratings`,
  items: strictObject(
    {
      name: { type: 'string', maxLength: 128, description: 'shown in the answer; "member 1"… otherwise' },
      ratings: {
        type: 'array',
        maxItems: 5000,
        items: strictObject({ work: idSchema(128), choice: choiceSchema }, ['work', 'choice']),
      },
    },
    ['ratings'],
  ),
} as const;

/**
 * The answer of `POST /api/v1/recommend`: for one user as before; for a group, each item also has the
 * members' sides and the answer the rule.
 */
export const v1RecommendAnswerSchema = strictObject(
  {
    items: {
      type: 'array',
      items: strictObject(
        {
          ...scoredWorkSchema.properties,
          source: sourceSchema,
          pickedBy: { type: ['string', 'null'], description: 'groups, rule `turns`: whose pick the work is' },
          members: { type: 'array', items: memberReasonSchema, description: 'groups only' },
        },
        [...scoredWorkSchema.required, 'source'],
      ),
    },
    fallback: fallbackSchema,
    model: { type: 'integer' },
    rule: { ...rulesSchema, description: 'groups only' },
  },
  ['items', 'fallback', 'model'],
);

export type Follows = FromSchema<typeof followsSchema>;
export type Party = FromSchema<typeof partySchema>;
export type PartyList = FromSchema<typeof partyListSchema>;
export type NewParty = FromSchema<typeof newPartySchema>;
export type GroupQuery = Request<typeof groupQuerySchema>;
export type GroupRecommendations = FromSchema<typeof groupRecommendationsSchema>;
export type GroupRecommendation = GroupRecommendations['items'][number];
export type MemberReason = GroupRecommendation['members'][number];
