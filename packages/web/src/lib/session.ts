import { reactive } from 'vue';
import { isUnreachable, onServiceAnswer, useCsrfToken } from './api';
import * as endpoints from './endpoints';
import { privateMode } from './private-mode';
import type { Choice, LogIn, MergeReport, SignUp, User } from './types';
import { type Vote, VoteQueue, type VoteState } from './vote-queue';
import { BrowserVoteStore } from './vote-store';

/**
 * The visitor, shared by every page: who they are, the choice they made on each work they rated, a
 * counter that moves whenever ratings are saved, so that recommendations refresh at once, and what the
 * last log-in did with the ratings made before it (shown until dismissed).
 */
export const session = reactive({
  ready: false,
  user: null as User | null,
  ratings: new Map<string, Choice>(),
  ratingsVersion: 0,
  merged: null as MergeReport | null,
});

/** The votes on their way to the service, as the pages show them (see VoteQueue). */
export const votes = reactive<VoteState>({ waiting: new Set(), unreachable: false, refused: [] });

function browserStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined; // storage forbidden for this page
  }
}

const store = new BrowserVoteStore(browserStorage());

// Votes set the rating they ask for (a removal is a DELETE): sending one twice changes nothing more.
const queue = new VoteQueue({
  store,
  state: votes,
  send: (vote: Vote) =>
    vote.choice === null ? endpoints.removeRating(vote.work) : endpoints.setRating(vote.work, vote.choice),
  isUnreachable,
  saved: () => {
    refreshWhenSent();
    // The first rating of a session creates its (anonymous) user.
    if (!session.user) refreshUser().catch(() => {});
  },
  refused: (vote) => {
    showRating(vote.work, vote.before);
    refreshWhenSent();
  },
});
// Waiting votes are not retried in private mode: nothing is sent until it is turned off.
const retryWaitingVotes = () => {
  if (!privateMode.enabled) queue.retrySoon();
};
onServiceAnswer(retryWaitingVotes);
window.addEventListener('online', retryWaitingVotes);

/**
 * Pages reload what depends on ratings once a burst of votes is sent, not between its votes (their
 * requests would hold the next votes up).
 */
function refreshWhenSent(): void {
  if (queue.queued().length === 0) session.ratingsVersion++;
}

function setUser(user: User | null): void {
  session.user = user;
  store.own(user?.id ?? null);
}

function showRating(work: string, choice: Choice | null): void {
  if (choice) session.ratings.set(work, choice);
  else session.ratings.delete(work);
}

/**
 * The session from the service (its cookie is set on the first call) and the visitor's ratings. Votes
 * left waiting by an earlier visit are sent first, so that the pages load what they changed.
 */
export async function loadSession(): Promise<void> {
  const { csrfToken, user } = await endpoints.getSession();
  useCsrfToken(csrfToken);
  setUser(user);
  // In private mode no vote leaves the browser, not even one left waiting from before it was turned on.
  if (!privateMode.enabled) await queue.drain();
  await loadRatings();
  session.ready = true;
}

async function loadRatings(): Promise<void> {
  const ratings = new Map<string, Choice>();
  if (session.user) {
    const { items } = await endpoints.getMyRatings();
    for (const rating of items) ratings.set(rating.work, rating.choice);
  }
  session.ratings = ratings;
  for (const vote of queue.queued()) showRating(vote.work, vote.choice);
  session.ratingsVersion++;
}

/**
 * Rates a work as the visitor sees it: the same choice again removes the rating. The choice shows at
 * once and the vote goes through the queue (kept and sent again while the service is out of reach).
 * Resolves once it is saved, or refused (`votes.refused` says so).
 */
export function rate(work: { id: string; title: string }, choice: Choice): Promise<void> {
  const before = session.ratings.get(work.id) ?? null;
  const wanted = before === choice ? null : choice;
  showRating(work.id, wanted);
  return queue.add({ work: work.id, title: work.title, choice: wanted }, before);
}

/** Sends the waiting votes now (the visitor asked). */
export function retryVotes(): void {
  void queue.drain();
}

/** Forgets a refused vote once the visitor has read about it. */
export function dismissRefusal(id: string): void {
  votes.refused = votes.refused.filter((r) => r.id !== id);
}

async function refreshUser(): Promise<void> {
  const { user } = await endpoints.getSession();
  setUser(user);
}

async function enter(
  entering: Promise<{ csrfToken: string; user: User; merged?: MergeReport }>,
): Promise<void> {
  const { csrfToken, user, merged } = await entering;
  useCsrfToken(csrfToken);
  setUser(user);
  // Only a log-in merges (a sign-up keeps the ratings where they are), and only news are worth a notice.
  session.merged = merged && (merged.moved > 0 || merged.kept.length > 0) ? merged : null;
  await loadRatings();
}

export const signUp = (credentials: SignUp) => enter(endpoints.signUp(credentials));
export const logIn = (credentials: LogIn) => enter(endpoints.logIn(credentials));

export async function logOut(): Promise<void> {
  await endpoints.logOut();
  session.merged = null;
  await loadSession();
}

/** Whether the visitor has an account (not only anonymous ratings). */
export function hasAccount(): boolean {
  return Boolean(session.user && !session.user.isAnonymous);
}
