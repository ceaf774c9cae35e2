import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Choice } from '../src/lib/types.js';
import {
  FIRST_RETRY_MS,
  LONGEST_RETRY_MS,
  type Vote,
  VoteQueue,
  type VoteState,
  type VoteStore,
} from '../src/lib/vote-queue.js';
import { BrowserVoteStore } from '../src/lib/vote-store.js';

/** What fetch's failure becomes in the app: no answer from the service. */
class Unreachable extends Error {}

/** The service as the queue sees it: up or down, refusing some works, and what it saved in order. */
class FakeService {
  up = true;
  readonly refused = new Set<string>();
  readonly saved: [string, Choice | null][] = [];
  attempts = 0;
  inFlight = 0;
  mostInFlight = 0;

  async send(vote: Vote): Promise<void> {
    this.attempts++;
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    try {
      await Promise.resolve(); // an answer comes later, never in the same turn
      if (!this.up) throw new Unreachable('the service cannot be reached');
      if (this.refused.has(vote.work)) throw new Error(`no work "${vote.work}"`);
      this.saved.push([vote.work, vote.choice]);
    } finally {
      this.inFlight--;
    }
  }
}

class MemoryStore implements VoteStore {
  votes: Vote[] = [];
  load(): Vote[] {
    return [...this.votes];
  }
  save(votes: Vote[]): void {
    this.votes = [...votes];
  }
}

function setUp(store: VoteStore = new MemoryStore(), service = new FakeService()) {
  const state: VoteState = { waiting: new Set(), unreachable: false, refused: [] };
  const savedVotes: Vote[] = [];
  const refusedVotes: Vote[] = [];
  const queue = new VoteQueue({
    store,
    state,
    send: (vote) => service.send(vote),
    isUnreachable: (error) => error instanceof Unreachable,
    saved: (vote) => savedVotes.push(vote),
    refused: (vote) => refusedVotes.push(vote),
  });
  const vote = (work: string, choice: Choice | null, before: Choice | null = null) =>
    queue.add({ work, title: `Title of ${work}`, choice }, before);
  return { store, service, state, queue, vote, savedVotes, refusedVotes };
}

const shape = (votes: Vote[]) => votes.map((v) => [v.work, v.choice, v.before]);

describe('the vote queue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends votes one at a time, in the order they were made', async () => {
    const { service, store, vote, savedVotes } = setUp();
    await Promise.all([vote('a', 'like'), vote('b', 'dislike'), vote('c', null), vote('d', 'favorite')]);
    expect(service.saved).toEqual([
      ['a', 'like'],
      ['b', 'dislike'],
      ['c', null],
      ['d', 'favorite'],
    ]);
    expect(service.mostInFlight).toBe(1);
    expect(savedVotes.map((v) => v.work)).toEqual(['a', 'b', 'c', 'd']);
    expect(store.load()).toEqual([]);
  });

  it('keeps votes the service cannot be reached for, and sends them once it answers', async () => {
    const { service, store, state, vote } = setUp();
    service.up = false;
    let settled = false;
    const votes = Promise.all([vote('a', 'like'), vote('b', 'willsee')]).then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(state.unreachable).toBe(true);
    expect([...state.waiting].sort()).toEqual(['a', 'b']);
    expect(shape(store.load())).toEqual([
      ['a', 'like', null],
      ['b', 'willsee', null],
    ]);
    // Still down at the retries: nothing is lost, nothing is settled.
    await vi.advanceTimersByTimeAsync(LONGEST_RETRY_MS * 3);
    expect(service.saved).toEqual([]);
    expect(settled).toBe(false);
    expect(store.load()).toHaveLength(2);

    service.up = true;
    await vi.advanceTimersByTimeAsync(LONGEST_RETRY_MS);
    await votes;
    expect(service.saved).toEqual([
      ['a', 'like'],
      ['b', 'willsee'],
    ]);
    expect(state.unreachable).toBe(false);
    expect(state.waiting.size).toBe(0);
    expect(store.load()).toEqual([]);
  });

  it('waits longer after each failure, up to the longest delay', async () => {
    const { service, vote } = setUp();
    service.up = false;
    void vote('a', 'like');
    await vi.advanceTimersByTimeAsync(0);
    expect(service.attempts).toBe(1);
    // The retries come after 1, 2, 4, 8 s…: none before its delay, each one right after it.
    let delay = FIRST_RETRY_MS;
    for (let attempt = 2; attempt <= 7; attempt++) {
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(service.attempts).toBe(attempt - 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(service.attempts).toBe(attempt);
      delay = Math.min(LONGEST_RETRY_MS, delay * 2);
    }
    expect(delay).toBe(LONGEST_RETRY_MS);
  });

  it('tries again at once when told the service answers, and only if a retry is due', async () => {
    const { service, queue, vote } = setUp();
    queue.retrySoon(); // nothing waits: nothing is sent
    expect(service.attempts).toBe(0);
    service.up = false;
    const saved = vote('a', 'like');
    await vi.advanceTimersByTimeAsync(0);
    expect(service.attempts).toBe(1);
    service.up = true;
    queue.retrySoon();
    await saved;
    expect(service.attempts).toBe(2);
    expect(service.saved).toEqual([['a', 'like']]);
  });

  it('lets a later vote on a work replace the queued one, at the end of the queue', async () => {
    const { service, store, state, vote } = setUp();
    service.up = false;
    const first = vote('a', 'like', 'neutral');
    void vote('b', 'dislike');
    void vote('a', 'favorite', 'like');
    await vi.advanceTimersByTimeAsync(0);
    // One vote for "a", the last choice, after "b"; a refusal would put back the rating before both.
    expect(shape(store.load())).toEqual([
      ['b', 'dislike', null],
      ['a', 'favorite', 'neutral'],
    ]);
    service.up = true;
    await vi.advanceTimersByTimeAsync(LONGEST_RETRY_MS);
    await first; // the first vote's caller learns when the one that replaced it is saved
    expect(service.saved).toEqual([
      ['b', 'dislike'],
      ['a', 'favorite'],
    ]);
    expect(state.waiting.size).toBe(0);
  });

  it('sends a vote made while an earlier one on the same work is on its way after it', async () => {
    const { service, savedVotes, vote } = setUp();
    const first = vote('a', 'like');
    const second = vote('a', null, 'like'); // the same choice again: the rating is removed
    await Promise.all([first, second]);
    expect(service.saved).toEqual([
      ['a', 'like'],
      ['a', null],
    ]);
    // The first answer did not settle the work: only the last vote did.
    expect(savedVotes.map((v) => [v.work, v.choice])).toEqual([['a', null]]);
  });

  it('does not retry a vote the service refuses, says why, and goes on with the next', async () => {
    const { service, store, state, vote, refusedVotes } = setUp();
    service.refused.add('gone');
    await Promise.all([vote('gone', 'like', 'dislike'), vote('b', 'like')]);
    await vi.advanceTimersByTimeAsync(LONGEST_RETRY_MS * 2);
    expect(service.attempts).toBe(2);
    expect(service.saved).toEqual([['b', 'like']]);
    expect(state.refused).toMatchObject([
      { work: 'gone', title: 'Title of gone', message: 'no work "gone"' },
    ]);
    expect(refusedVotes.map((v) => [v.work, v.before])).toEqual([['gone', 'dislike']]);
    expect(state.unreachable).toBe(false);
    expect(store.load()).toEqual([]);
  });

  it('sends, after a reload, the votes an earlier page left in the store', async () => {
    const store = new MemoryStore();
    const before = setUp(store);
    before.service.up = false;
    void before.vote('a', 'like');
    void before.vote('b', 'wontsee');
    await vi.advanceTimersByTimeAsync(0);
    expect(store.load()).toHaveLength(2);

    const after = setUp(store); // a new page: a new queue on the same storage
    expect(shape(after.queue.queued())).toEqual([
      ['a', 'like', null],
      ['b', 'wontsee', null],
    ]);
    await after.queue.drain();
    expect(after.service.saved).toEqual([
      ['a', 'like'],
      ['b', 'wontsee'],
    ]);
    expect(store.load()).toEqual([]);
  });
});

/** localStorage as far as the store uses it; `full` makes it refuse writes as a full one does. */
class FakeStorage {
  readonly items = new Map<string, string>();
  full = false;
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (this.full) throw new Error('QuotaExceededError');
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

const aVote = (work: string, choice: Choice | null): Vote => ({
  id: `${work}-${choice}`,
  work,
  title: work,
  choice,
  before: null,
});

describe('the votes in the browser’s storage', () => {
  it('keeps one list per user, across pages', () => {
    const storage = new FakeStorage();
    const store = new BrowserVoteStore(storage);
    store.own(1);
    store.save([aVote('a', 'like')]);
    store.own(2);
    expect(store.load()).toEqual([]);
    store.save([aVote('b', 'dislike')]);
    const later = new BrowserVoteStore(storage);
    later.own(1);
    expect(later.load()).toEqual([aVote('a', 'like')]);
    later.own(2);
    expect(later.load()).toEqual([aVote('b', 'dislike')]);
  });

  it('gives the votes made before the session had a user to the first user it gets', () => {
    const storage = new FakeStorage();
    const store = new BrowserVoteStore(storage);
    store.own(7);
    store.save([aVote('a', 'like'), aVote('b', 'like')]);
    store.own(null);
    store.save([aVote('a', 'dislike'), aVote('c', 'neutral')]);
    store.own(7);
    // The later vote on "a" replaces the user's own, at the end.
    expect(store.load()).toEqual([aVote('b', 'like'), aVote('a', 'dislike'), aVote('c', 'neutral')]);
    store.own(null);
    expect(store.load()).toEqual([]);
  });

  it('ignores what is not a list of votes', () => {
    const storage = new FakeStorage();
    const store = new BrowserVoteStore(storage);
    storage.setItem('osusume.votes.new', '{not json');
    expect(store.load()).toEqual([]);
    storage.setItem(
      'osusume.votes.new',
      JSON.stringify([aVote('a', 'like'), { ...aVote('b', 'like'), choice: 'love' }, { work: 'c' }, null]),
    );
    expect(store.load()).toEqual([aVote('a', 'like')]);
  });

  it('keeps the votes in memory when the storage refuses them', () => {
    const storage = new FakeStorage();
    const store = new BrowserVoteStore(storage);
    store.save([aVote('a', 'like')]);
    storage.full = true;
    store.save([aVote('a', 'like'), aVote('b', 'willsee')]);
    expect(store.load()).toEqual([aVote('a', 'like'), aVote('b', 'willsee')]);
    expect(new BrowserVoteStore(undefined).load()).toEqual([]);
  });
});
