import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { recomputeCounters } from '../src/domain/counters.js';
import type { ListThresholds } from '../src/domain/lists.js';
import { MOSAIC_SLOTS } from '../src/domain/vocabulary.js';
import { Client, createContext, DATABASES, seedCatalogue, type TestContext } from './harness.js';

const SMALL: ListThresholds = {
  top: { minRatings: 30 },
  pearls: { minRatings: 15, maxRatings: 30, maxDislikes: 1, perLikes: 1 },
  random: { minRatings: 10, maxDislikes: 20, likesPerDislike: 1 },
};

interface Card {
  slot: string;
  from: string | null;
  work: { id: string; title: string; category: string; myRating: string | null } | null;
}

describe.each(DATABASES)('onboarding mosaic (%s)', (dialect) => {
  let context: TestContext;
  let topIds: Set<string>;
  beforeAll(async () => {
    context = await createContext(dialect, { config: { listThresholds: SMALL } as Partial<Config> });
    await seedCatalogue(context.db);
    await recomputeCounters(context.db);
    const top = await context.db
      .selectFrom('work_counters')
      .select('work_id')
      .where('nb_ratings', '>=', 30)
      .execute();
    topIds = new Set(top.map((r) => r.work_id));
  });
  afterAll(() => context.close());

  const mosaic = async (client: Client, query = ''): Promise<Card[]> => {
    const response = await client.get(`/api/mosaic${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().cards;
  };

  it('shows four cards, one per slot, four different works, each from its slot’s list', async () => {
    const cards = await mosaic(new Client(context.app));
    expect(cards.map((c) => c.slot)).toEqual([...MOSAIC_SLOTS]);
    const ids = cards.map((c) => c.work?.id);
    expect(new Set(ids).size).toBe(4);
    expect(cards.every((c) => c.work !== null && c.from === c.slot)).toBe(true);
    // The most rated work leads the popular slot; the top card passes the top threshold.
    const popular = await context.app.inject({ url: '/api/works?sort=popular&pageSize=1' });
    expect(cards[0].work?.id).toBe(popular.json().items[0].id);
    expect(topIds.has(cards[2].work?.id as string)).toBe(true);
  });

  it('never shows a work the visitor rated, whatever the choice', async () => {
    const client = new Client(context.app);
    const rated = new Set<string>();
    const choices = ['like', 'dislike', 'willsee', 'wontsee', 'neutral', 'favorite'];
    for (let round = 0; round < 8; round++) {
      const cards = await mosaic(client);
      for (const card of cards) {
        expect(card.work, `round ${round} ${card.slot}`).not.toBeNull();
        expect(rated.has(card.work?.id as string), `round ${round}: ${card.work?.id} was rated`).toBe(false);
        expect(card.work?.myRating).toBeNull();
      }
      // Vote on two cards, then ask for replacements of those slots.
      for (const card of cards.slice(round % 3, (round % 3) + 2)) {
        const id = card.work?.id as string;
        const response = await client.put(`/api/ratings/${id}`, {
          choice: choices[(round + rated.size) % 6],
        });
        expect(response.statusCode).toBe(200);
        rated.add(id);
        const shown = cards.map((c) => c.work?.id).join(',');
        const replacement = await client.get(`/api/mosaic/${card.slot}?exclude=${shown}`);
        expect(replacement.statusCode).toBe(200);
        const next: Card = replacement.json();
        expect(next.slot).toBe(card.slot);
        expect(next.work).not.toBeNull();
        expect(rated.has(next.work?.id as string)).toBe(false);
        expect(cards.some((c) => c.work?.id === next.work?.id)).toBe(false);
      }
    }
    expect(rated.size).toBe(16);
  });

  it('leaves out the works in `exclude`', async () => {
    const client = new Client(context.app);
    const first = await mosaic(client);
    const shown = first.map((c) => c.work?.id as string);
    const second = await mosaic(client, `?exclude=${shown.join(',')}`);
    for (const card of second) expect(shown).not.toContain(card.work?.id);
  });

  it('falls back to popular when a slot’s list is exhausted, then shows nothing when all is rated', async () => {
    const client = new Client(context.app);
    // Rate every work that passes the top threshold: the top slot falls back to popular.
    for (const id of topIds) await client.put(`/api/ratings/${id}`, { choice: 'like' });
    const cards = await mosaic(client);
    const top = cards.find((c) => c.slot === 'top');
    expect(top?.from).toBe('popular');
    expect(top?.work).not.toBeNull();
    expect(topIds.has(top?.work?.id as string)).toBe(false);
    expect(new Set(cards.map((c) => c.work?.id)).size).toBe(4);
    // Rate everything: every card is empty.
    for (let w = 0; w < 40; w++) {
      if (!topIds.has(`w${w}`)) await client.put(`/api/ratings/w${w}`, { choice: 'wontsee' });
    }
    const empty = await mosaic(client);
    expect(empty.map((c) => [c.slot, c.work, c.from])).toEqual(
      MOSAIC_SLOTS.map((slot) => [slot, null, null]),
    );
  });

  it('filters by category', async () => {
    const cards = await mosaic(new Client(context.app), '?category=manga');
    const ids = cards.map((c) => c.work?.id).filter((id) => id !== undefined);
    expect(ids.length).toBeGreaterThan(0);
    for (const card of cards) if (card.work) expect(card.work.category).toBe('manga');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers 400 for an unknown slot or a bad query', async () => {
    expect((await context.app.inject({ url: '/api/mosaic/best' })).statusCode).toBe(400);
    expect((await context.app.inject({ url: '/api/mosaic?colour=red' })).statusCode).toBe(400);
    const many = Array.from({ length: 101 }, (_, k) => `w${k}`).join(',');
    expect((await context.app.inject({ url: `/api/mosaic?exclude=${many}` })).statusCode).toBe(400);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await context.app.inject({ url: '/docs/json' })).json();
    expect(doc.paths['/api/mosaic'].get.summary).toBeTruthy();
    expect(doc.paths['/api/mosaic/{slot}'].get).toBeDefined();
  });
});
