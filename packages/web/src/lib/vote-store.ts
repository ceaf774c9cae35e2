// Imports end in .js: this module is also compiled by tsc (Node's resolution) for its unit test.
import { CHOICES, type Choice } from './types.js';
import { type Vote, type VoteStore, withVote } from './vote-queue.js';

const PREFIX = 'osusume.votes.';
/** The owner of the votes made while the session had no user yet (its first saved vote creates one). */
const NO_USER = 'new';

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem' | 'removeItem'>;

function isChoice(value: unknown): value is Choice | null {
  return value === null || CHOICES.includes(value as Choice);
}

function isVote(value: unknown): value is Vote {
  const v = value as Partial<Vote> | null;
  return (
    typeof v?.id === 'string' &&
    typeof v.work === 'string' &&
    typeof v.title === 'string' &&
    isChoice(v.choice) &&
    isChoice(v.before)
  );
}

/**
 * The waiting votes in the browser's storage, one list per user: a reload or a closed tab loses none, and
 * a vote is only sent for the user who made it. Votes made before the session had a user join the first
 * user it gets, as the service does with ratings made before an account. Where storage is refused (some
 * private windows), the votes live as long as the page.
 */
export class BrowserVoteStore implements VoteStore {
  private owner = NO_USER;
  private readonly memory = new Map<string, Vote[]>();

  constructor(private storage: Storage | undefined) {}

  /** The user whose votes are loaded and saved from now on (null: the session has none yet). */
  own(userId: number | null): void {
    this.owner = userId === null ? NO_USER : String(userId);
    if (this.owner === NO_USER) return;
    const early = this.read(NO_USER);
    if (early.length === 0) return;
    this.write(this.owner, early.reduce(withVote, this.read(this.owner)));
    this.write(NO_USER, []);
  }

  load(): Vote[] {
    return this.read(this.owner);
  }

  save(votes: Vote[]): void {
    this.write(this.owner, votes);
  }

  private read(owner: string): Vote[] {
    if (!this.storage) return this.memory.get(owner) ?? [];
    try {
      const stored: unknown = JSON.parse(this.storage.getItem(PREFIX + owner) ?? '[]');
      return Array.isArray(stored) ? stored.filter(isVote) : [];
    } catch {
      return []; // not ours, or damaged: nothing to send
    }
  }

  private write(owner: string, votes: Vote[]): void {
    if (this.storage) {
      try {
        if (votes.length === 0) this.storage.removeItem(PREFIX + owner);
        else this.storage.setItem(PREFIX + owner, JSON.stringify(votes));
        return;
      } catch {
        // Refused (full, or forbidden): from now on the votes live in memory.
        for (const key of [NO_USER, this.owner]) this.memory.set(key, this.read(key));
        this.storage = undefined;
      }
    }
    if (votes.length === 0) this.memory.delete(owner);
    else this.memory.set(owner, votes);
  }
}
