// Imports end in .js: this module is also compiled by tsc (Node's resolution) for its unit test.
import type { Choice } from './types.js';

/** A vote on its way to the service: the rating the visitor left on a work (null: no rating). */
export interface Vote {
  /** Tells two votes on one work apart: the answer to the first must not settle the second. */
  id: string;
  work: string;
  title: string;
  choice: Choice | null;
  /** The rating before this vote and the queued ones it replaced: what a refusal puts back. */
  before: Choice | null;
}

/** Where the votes wait until they are saved. */
export interface VoteStore {
  load(): Vote[];
  save(votes: Vote[]): void;
}

/** A vote the service refused (a 4xx): not sent again, shown until dismissed. */
export interface Refusal {
  id: string;
  work: string;
  title: string;
  message: string;
}

/** What the pages show of the queue; the queue writes it (a Vue reactive object in the app). */
export interface VoteState {
  /** Works whose vote could not reach the service, until it is saved. */
  waiting: Set<string>;
  /** The last attempt found the service out of reach. */
  unreachable: boolean;
  refused: Refusal[];
}

export interface VoteQueueOptions {
  store: VoteStore;
  state: VoteState;
  /** Sends one vote; resolves once the service saved it. */
  send(vote: Vote): Promise<unknown>;
  /** Whether a failure of `send` means "try again later" (anything else is a refusal). */
  isUnreachable(error: unknown): boolean;
  /** A vote was saved (and no later vote on its work waits). */
  saved?(vote: Vote): void;
  /** A vote was refused (and no later vote on its work waits). */
  refused?(vote: Vote): void;
}

/** The first retry after the service was found out of reach, doubled at each failure up to the longest. */
export const FIRST_RETRY_MS = 1000;
export const LONGEST_RETRY_MS = 15_000;

/** `votes` with `vote` last, in place of a queued vote on the same work (the last choice wins). */
export function withVote(votes: readonly Vote[], vote: Vote): Vote[] {
  return [...votes.filter((v) => v.work !== vote.work), vote];
}

let made = 0;
/** An id unique across tabs and reloads (crypto.randomUUID needs a secure context). */
function newId(): string {
  return `${Date.now().toString(36)}-${(made++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The visitor's votes, sent to the service one at a time in the order they were made. A vote the service
 * cannot be reached for stays queued (in the store, so a reload or a closed tab loses none) and is sent
 * again after a growing delay, or at once when `retrySoon` hears that the service answers again; a vote
 * the service refuses is dropped and reported. Every send must be idempotent: a vote whose answer was
 * lost is sent again.
 */
export class VoteQueue {
  private running = false;
  private finished: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  /** Who waits for each work's vote to settle. */
  private readonly settled = new Map<string, (() => void)[]>();

  constructor(private readonly options: VoteQueueOptions) {}

  /** The votes not saved yet, oldest first. */
  queued(): Vote[] {
    return this.options.store.load();
  }

  /**
   * Queues a vote (`before`: the work's rating as the visitor saw it) and tries to send it now. Resolves
   * once the work's vote is saved or refused, however long the service stays out of reach.
   */
  add(vote: { work: string; title: string; choice: Choice | null }, before: Choice | null): Promise<void> {
    const { store, state } = this.options;
    const queued = store.load();
    const replaced = queued.find((v) => v.work === vote.work);
    store.save(withVote(queued, { ...vote, id: newId(), before: replaced ? replaced.before : before }));
    if (state.unreachable) state.waiting.add(vote.work);
    const done = new Promise<void>((resolve) => {
      this.settled.set(vote.work, [...(this.settled.get(vote.work) ?? []), resolve]);
    });
    void this.drain();
    return done;
  }

  /** Sends the queued votes now, in order; resolves when none is left or the service is out of reach. */
  drain(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.running) {
      this.running = true;
      this.finished = this.sendAll();
    }
    return this.finished;
  }

  /** Tries again at once if votes wait for a retry (the service answered again, the browser is online). */
  retrySoon(): void {
    if (this.timer !== undefined) void this.drain();
  }

  private async sendAll(): Promise<void> {
    const { store, state } = this.options;
    try {
      for (;;) {
        const [vote] = store.load();
        if (!vote) return;
        try {
          await this.options.send(vote);
        } catch (error) {
          if (this.options.isUnreachable(error)) {
            state.unreachable = true;
            for (const waiting of store.load()) state.waiting.add(waiting.work);
            const delay = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** this.failures++);
            this.timer = setTimeout(() => void this.drain(), delay);
            return;
          }
          this.settle(vote, { error });
          continue;
        }
        this.failures = 0;
        state.unreachable = false;
        this.settle(vote);
      }
    } finally {
      // Before the promise resolves, so that a vote added from now on starts a new round.
      this.running = false;
    }
  }

  /** Takes a sent vote off the queue; unless a later vote on its work waits, its waiters are done. */
  private settle(vote: Vote, refusal?: { error: unknown }): void {
    const { store, state } = this.options;
    const rest = store.load().filter((v) => v.id !== vote.id);
    store.save(rest);
    if (rest.some((v) => v.work === vote.work)) return;
    state.waiting.delete(vote.work);
    if (refusal === undefined) this.options.saved?.(vote);
    else {
      const { error } = refusal;
      const message = error instanceof Error ? error.message : String(error);
      state.refused.push({ id: vote.id, work: vote.work, title: vote.title, message });
      this.options.refused?.(vote);
    }
    for (const resolve of this.settled.get(vote.work) ?? []) resolve();
    this.settled.delete(vote.work);
  }
}
