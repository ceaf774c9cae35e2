import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTrainedContext, DATABASES, markAdult, type TestContext } from './harness.js';

const PASSWORD = 'correct horse battery';
const KEY = 'test-key';
/** Popular seeded works marked adult: every list would show them. */
const ADULT = ['w2', 'w3'];

interface MemberReason {
  member: string;
  score: number;
  why?: { contributions: { work: string; choice: string | null }[] };
}
interface GroupItem {
  work: string;
  score: number;
  source: string;
  pickedBy: string | null;
  members: MemberReason[];
}

async function signup(client: Client, username: string): Promise<void> {
  const response = await client.enter('/api/signup', username, PASSWORD);
  expect(response.statusCode, response.body).toBe(201);
}

async function rate(client: Client, ratings: Record<string, string>): Promise<void> {
  for (const [work, choice] of Object.entries(ratings)) {
    const response = await client.put(`/api/ratings/${work}`, { choice });
    expect(response.statusCode, response.body).toBe(200);
  }
}

// Alice likes the odd works (one taste group of the seeded catalogue), Bob the even ones.
const ALICE = { w1: 'favorite', w5: 'like', w7: 'like', w4: 'dislike' };
const BOB = { w0: 'favorite', w6: 'like', w8: 'like', w9: 'dislike' };

describe.each(DATABASES)('following and watch parties (%s)', (dialect) => {
  let context: TestContext;
  let alice: Client;
  let bob: Client;
  let carol: Client;
  let party: number;

  beforeAll(async () => {
    context = await createTrainedContext(dialect, { apiKey: KEY, minRatings: 0 });
    await markAdult(context, ADULT);
    alice = new Client(context.app);
    bob = new Client(context.app);
    carol = new Client(context.app);
    await signup(alice, 'alice');
    await signup(bob, 'bob');
    await signup(carol, 'carol');
    await rate(alice, ALICE);
    await rate(bob, BOB);
  }, 120_000);
  afterAll(() => context.close());

  it('follows accounts by username, and refuses unknown ones, oneself, anonymous visitors and missing CSRF', async () => {
    const followed = await alice.put('/api/follows/Bob');
    expect(followed.statusCode, followed.body).toBe(200);
    expect(followed.json()).toEqual({ following: ['bob'], followers: [] });
    expect((await bob.get('/api/follows')).json()).toEqual({ following: [], followers: ['alice'] });
    // Twice is once.
    expect((await alice.put('/api/follows/bob')).json().following).toEqual(['bob']);

    const unknown = await alice.put('/api/follows/nobody');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toMatch(/no account "nobody"/);
    // Imported users (no password) are no accounts to follow.
    expect((await alice.put('/api/follows/u3')).statusCode).toBe(404);
    const self = await alice.put('/api/follows/alice');
    expect(self.statusCode).toBe(400);
    expect(self.json().message).toMatch(/yourself/);
    expect((await alice.put('/api/follows/carol', undefined, { csrf: false })).statusCode).toBe(403);
    expect((await new Client(context.app).get('/api/follows')).statusCode).toBe(401);

    expect((await carol.put('/api/follows/alice')).statusCode).toBe(200);
    expect((await carol.delete('/api/follows/alice')).json().following).toEqual([]);
    expect((await carol.delete('/api/follows/alice')).statusCode).toBe(404);
  });

  it('creates a watch party and adds only accounts that follow its owner', async () => {
    const created = await alice.post('/api/groups', { name: ' Friday anime ' });
    expect(created.statusCode, created.body).toBe(201);
    party = created.json().id;
    expect(created.json()).toMatchObject({ name: 'Friday anime', owner: 'alice', members: ['alice'] });

    const refused = await alice.post(`/api/groups/${party}/members`, { username: 'bob' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toMatch(/does not follow you/);

    expect((await bob.put('/api/follows/alice')).statusCode).toBe(200);
    const added = await alice.post(`/api/groups/${party}/members`, { username: 'bob' });
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json().members).toEqual(['alice', 'bob']);
    expect((await bob.get('/api/groups')).json().items.map((p: { id: number }) => p.id)).toEqual([party]);

    // Only the owner adds; nobody else sees the party at all.
    expect((await bob.post(`/api/groups/${party}/members`, { username: 'carol' })).statusCode).toBe(403);
    expect((await carol.post(`/api/groups/${party}/members`, { username: 'carol' })).statusCode).toBe(404);
    expect((await carol.get('/api/groups')).json().items).toEqual([]);
    expect((await alice.post(`/api/groups/${party}/members`, { username: 'nobody' })).statusCode).toBe(404);
  });

  it('refuses bad party input with a message', async () => {
    for (const payload of [
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(61) },
      {},
      { name: 'a', x: 1 },
    ]) {
      const response = await alice.post('/api/groups', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().message).toMatch(/body/);
    }
    expect((await alice.get('/api/groups/abc/recommendations')).statusCode).toBe(400);
    expect((await alice.get(`/api/groups/${party}/recommendations?rule=median`)).statusCode).toBe(400);
  });

  it('recommends for the party with the rule explained and each member’s own reasons', async () => {
    const response = await bob.get(`/api/groups/${party}/recommendations?n=8`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.rule.used).toBe('average');
    expect(body.rule.text).toMatch(/mean/);
    expect(body.rule.all.map((r: { rule: string }) => r.rule)).toEqual([
      'average',
      'least-misery',
      'fair',
      'turns',
    ]);
    const items: GroupItem[] = body.items;
    expect(items).toHaveLength(8);
    const rated = new Set([...Object.keys(ALICE), ...Object.keys(BOB)]);
    for (const item of items) {
      expect(rated.has(item.work)).toBe(false);
      // Neither member opted in to adult works.
      expect(ADULT).not.toContain(item.work);
      expect(item.members.map((m) => m.member)).toEqual(['alice', 'bob']);
      if (item.source !== 'model') continue;
      expect(item.score).toBeGreaterThan(0.1);
      expect(item.score).toBeCloseTo((item.members[0].score + item.members[1].score) / 2, 5);
      // Each member's reasons are their own ratings.
      for (const [m, own] of [ALICE, BOB].entries()) {
        const why = item.members[m].why;
        expect(why).toBeDefined();
        for (const c of why?.contributions ?? []) expect(Object.keys(own)).toContain(c.work);
      }
    }
    expect(items.some((i) => i.source === 'model')).toBe(true);
  });

  it('ranks by the rule asked: least misery scores each work by its least happy member', async () => {
    const body = (await alice.get(`/api/groups/${party}/recommendations?rule=least-misery&n=5`)).json();
    expect(body.rule.used).toBe('least-misery');
    for (const item of body.items as GroupItem[]) {
      if (item.source === 'model')
        expect(item.score).toBeCloseTo(Math.min(...item.members.map((m) => m.score)), 5);
    }
    const turns = (await alice.get(`/api/groups/${party}/recommendations?rule=turns&n=4`)).json();
    const pickers = (turns.items as GroupItem[]).filter((i) => i.source === 'model').map((i) => i.pickedBy);
    expect(pickers.slice(0, 2)).toEqual(['alice', 'bob']);
  });

  it('shows adult works only when every member opted in', async () => {
    const adultShown = async () =>
      ((await alice.get(`/api/groups/${party}/recommendations?n=30`)).json().items as GroupItem[]).filter(
        (i) => ADULT.includes(i.work),
      );
    await alice.request({ method: 'PATCH', url: '/api/me', payload: { adultOk: true } });
    expect(await adultShown()).toEqual([]);
    await bob.request({ method: 'PATCH', url: '/api/me', payload: { adultOk: true } });
    expect((await adultShown()).length).toBeGreaterThan(0);
    await bob.request({ method: 'PATCH', url: '/api/me', payload: { adultOk: false } });
    expect(await adultShown()).toEqual([]);
  });

  it('keeps a party private to its members, lets members leave and the owner delete it', async () => {
    expect((await carol.get(`/api/groups/${party}/recommendations`)).statusCode).toBe(404);
    expect((await carol.delete(`/api/groups/${party}`)).statusCode).toBe(404);
    expect((await bob.delete(`/api/groups/${party}`)).statusCode).toBe(403);
    const ownerLeaves = await alice.delete(`/api/groups/${party}/members/me`);
    expect(ownerLeaves.statusCode).toBe(409);
    expect(ownerLeaves.json().message).toMatch(/delete it instead/);

    expect((await bob.delete(`/api/groups/${party}/members/me`)).statusCode).toBe(204);
    expect((await bob.get(`/api/groups/${party}/recommendations`)).statusCode).toBe(404);
    expect((await alice.get('/api/groups')).json().items[0].members).toEqual(['alice']);

    expect((await alice.delete(`/api/groups/${party}`)).statusCode).toBe(204);
    expect((await alice.get(`/api/groups/${party}/recommendations`)).statusCode).toBe(404);
    expect((await alice.get('/api/groups')).json().items).toEqual([]);
  });

  it('forgets a deleted account: its follows and memberships go, and the parties it owned', async () => {
    const dave = new Client(context.app);
    await signup(dave, 'dave');
    expect((await dave.put('/api/follows/alice')).statusCode).toBe(200);
    const ownedByAlice = (await alice.post('/api/groups', { name: 'With Dave' })).json().id;
    expect((await alice.post(`/api/groups/${ownedByAlice}/members`, { username: 'dave' })).statusCode).toBe(
      200,
    );
    expect((await bob.put('/api/follows/dave')).statusCode).toBe(200);
    const ownedByDave = (await dave.post('/api/groups', { name: 'Dave’s' })).json().id;

    const deleted = await dave.request({ method: 'DELETE', url: '/api/me', payload: { password: PASSWORD } });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await alice.get('/api/follows')).json().followers).not.toContain('dave');
    expect((await bob.get('/api/follows')).json().following).not.toContain('dave');
    expect((await alice.get('/api/groups')).json().items).toContainEqual(
      expect.objectContaining({ id: ownedByAlice, members: ['alice'] }),
    );
    const left = await context.db
      .selectFrom('watch_parties')
      .select('id')
      .where('id', '=', ownedByDave)
      .execute();
    expect(left).toEqual([]);
  });

  it('takes a group in POST /api/v1/recommend, and keeps the one-user body as it was', async () => {
    const post = (payload: unknown) =>
      context.app.inject({
        method: 'POST',
        url: '/api/v1/recommend',
        headers: { 'x-api-key': KEY },
        payload: payload as InjectOptions['payload'],
      });
    const toList = (ratings: Record<string, string>) =>
      Object.entries(ratings).map(([work, choice]) => ({ work, choice }));

    const group = await post({
      group: [{ name: 'A', ratings: toList(ALICE) }, { ratings: toList(BOB) }],
      n: 5,
    });
    expect(group.statusCode, group.body).toBe(200);
    const body = group.json();
    expect(body.rule.used).toBe('average');
    expect(body.items).toHaveLength(5);
    for (const item of body.items as GroupItem[]) {
      expect(item.members.map((m) => m.member)).toEqual(['A', 'member 2']);
      expect(Object.keys({ ...ALICE, ...BOB })).not.toContain(item.work);
    }

    const single = (await post({ ratings: toList(ALICE), n: 3 })).json();
    expect(single.rule).toBeUndefined();
    expect(Object.keys(single.items[0]).sort()).toEqual(['score', 'source', 'title', 'work']);

    const bad: [unknown, RegExp][] = [
      [{ ratings: [], group: [{ ratings: [] }] }, /either/],
      [{ n: 3 }, /either/],
      [{ group: [] }, /group/],
      [{ group: Array.from({ length: 11 }, () => ({ ratings: [] })) }, /group/],
      [{ group: [{ ratings: [] }], rule: 'median' }, /rule/],
      [{ ratings: [], rule: 'fair' }, /group only/],
      [{ group: [{ ratings: [{ work: 'w1', choice: 'meh' }] }] }, /choice/],
    ];
    for (const [payload, message] of bad) {
      const response = await post(payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().message).toMatch(message);
    }
  });
});
