import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { recomputeCounters } from '../src/domain/counters.js';
import type { ListThresholds } from '../src/domain/lists.js';
import { mosaicCards } from '../src/domain/mosaic.js';
import { MOSAIC_SLOTS } from '../src/domain/vocabulary.js';
import type { ServingModel } from '../src/engine/serving-model.js';
import {
  Client,
  createContext,
  createTrainedContext,
  DATABASES,
  seedCatalogue,
  type TestContext,
} from './harness.js';

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
    // No model serves here: the dpp slot shows popular's next work.
    expect(cards.every((c) => c.work !== null && c.from === (c.slot === 'dpp' ? 'popular' : c.slot))).toBe(
      true,
    );
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

  it('shows popular’s work in the dpp slot while no model serves', async () => {
    const client = new Client(context.app);
    const card: Card = (await client.get('/api/mosaic/dpp')).json();
    const popular = await context.app.inject({ url: '/api/works?sort=popular&pageSize=1' });
    expect(card.slot).toBe('dpp');
    expect(card.from).toBe('popular');
    expect(card.work?.id).toBe(popular.json().items[0].id);
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

const SCREEN = ['w0', 'w1', 'w2', 'w4', 'w6', 'w8'];
const WORKS = Array.from({ length: 40 }, (_, w) => `w${w}`);

describe.each(DATABASES)('the k-DPP slot of the mosaic (%s)', (dialect) => {
  let context: TestContext;
  let serving: ServingModel;
  beforeAll(async () => {
    context = await createTrainedContext(dialect);
    await recomputeCounters(context.db);
    serving = context.services.engine.current as ServingModel;
    // Training takes a few seconds, more on a loaded machine.
  }, 60_000);
  afterAll(() => context.close());

  /**
   * |cos| of two works' item vectors: how much a vote on one tells of the other (a vote on a work and
   * on its opposite inform the fold-in alike, and the k-DPP's determinant treats them alike).
   */
  const alike = (a: string, b: string): number => {
    const { vectors, dim } = serving.model.mapVectors() as { vectors: Float32Array; dim: number };
    const [i, j] = [a, b].map((w) => serving.model.items.indexOf(w) * dim);
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let c = 0; c < dim; c++) {
      dot += vectors[i + c] * vectors[j + c];
      na += vectors[i + c] ** 2;
      nb += vectors[j + c] ** 2;
    }
    return Math.abs(dot) / Math.sqrt(na * nb);
  };
  /** How alike a work is to the closest of some others. */
  const closest = (work: string, others: readonly string[]) => Math.max(...others.map((o) => alike(work, o)));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  const dppCard = async (client: Client, query = ''): Promise<Card> => {
    const response = await client.get(`/api/mosaic/dpp${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };

  /** 40 dpp cards for the visitor, none of SCREEN, and how alike each is to the closest of SCREEN. */
  const drawnNextTo = async (client: Client, query = ''): Promise<number[]> => {
    const alikeness: number[] = [];
    for (let draw = 0; draw < 40; draw++) {
      const card = await dppCard(client, query);
      expect(card.from).toBe('dpp');
      expect(SCREEN).not.toContain(card.work?.id);
      expect(card.work?.myRating).toBeNull();
      alikeness.push(closest(card.work?.id as string, SCREEN));
    }
    return alikeness;
  };
  const othersNextTo = () => WORKS.filter((w) => !SCREEN.includes(w)).map((w) => closest(w, SCREEN));

  it('draws works less alike the works on screen than the other works are', async () => {
    const drawn = await drawnNextTo(new Client(context.app), `?exclude=${SCREEN.join(',')}`);
    expect(mean(drawn)).toBeLessThan(mean(othersNextTo()));
  });

  it('draws works less alike those the visitor rated, never a rated one', async () => {
    const client = new Client(context.app);
    for (const work of SCREEN) await client.put(`/api/ratings/${work}`, { choice: 'like' });
    expect(mean(await drawnNextTo(client))).toBeLessThan(mean(othersNextTo()));
  });

  it('respects the category and hides adult works', async () => {
    const client = new Client(context.app);
    for (let draw = 0; draw < 10; draw++) {
      expect((await dppCard(client, '?category=manga')).work?.category).toBe('manga');
    }
    const adult = ['w1', 'w2', 'w3', 'w5'];
    await context.db.updateTable('works').set({ adult: 1 }).where('id', 'in', adult).execute();
    try {
      for (let draw = 0; draw < 30; draw++) expect(adult).not.toContain((await dppCard(client)).work?.id);
    } finally {
      await context.db.updateTable('works').set({ adult: 0 }).where('id', 'in', adult).execute();
    }
  });

  it('draws the dpp cards of one mosaic jointly, after the list cards and unlike them', async () => {
    const draw = (pool: readonly string[], given: readonly string[], k: number) =>
      serving.diverseWorks(pool, given, k);
    const popular = (await context.app.inject({ url: '/api/works?sort=popular&pageSize=1' })).json().items[0]
      .id;
    const pairs: number[] = [];
    for (let round = 0; round < 30; round++) {
      const pair = await mosaicCards(context.db, {}, SMALL, draw, ['dpp', 'dpp']);
      const ids = pair.map((c) => c.work?.id as string);
      expect(pair.map((c) => c.from)).toEqual(['dpp', 'dpp']);
      expect(new Set(ids).size).toBe(2);
      pairs.push(alike(ids[0], ids[1]));
      // A dpp slot listed first is still drawn after the list cards (its draw is conditioned on them).
      const cards = await mosaicCards(context.db, {}, SMALL, draw, ['dpp', 'popular']);
      expect(cards.map((c) => [c.slot, c.from])).toEqual([
        ['dpp', 'dpp'],
        ['popular', 'popular'],
      ]);
      expect(cards[1].work?.id).toBe(popular);
      expect(cards[0].work?.id).not.toBe(popular);
    }
    const anyPair = WORKS.flatMap((a, i) => WORKS.slice(i + 1).map((b) => alike(a, b)));
    expect(mean(pairs)).toBeLessThan(mean(anyPair));
  });
});
