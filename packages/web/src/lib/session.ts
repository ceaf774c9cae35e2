import { reactive } from 'vue';
import { api, useCsrfToken } from './api';
import type { Choice, MergeReport, MyRating, User } from './types';

/**
 * The visitor, shared by every page: who they are, the choice they made on each work they rated, a
 * counter that moves whenever a rating changes, so that recommendations refresh at once, and what the
 * last log-in did with the ratings made before it (shown until dismissed).
 */
export const session = reactive({
  ready: false,
  user: null as User | null,
  ratings: new Map<string, Choice>(),
  ratingsVersion: 0,
  merged: null as MergeReport | null,
});

/** The session from the service (its cookie is set on the first call) and the visitor's ratings. */
export async function loadSession(): Promise<void> {
  const { csrfToken, user } = await api.get<{ csrfToken: string; user: User | null }>('/api/session');
  useCsrfToken(csrfToken);
  session.user = user;
  await loadRatings();
  session.ready = true;
}

async function loadRatings(): Promise<void> {
  session.ratings = new Map();
  if (!session.user) return;
  const { items } = await api.get<{ items: MyRating[] }>('/api/ratings');
  for (const rating of items) session.ratings.set(rating.work, rating.choice);
  session.ratingsVersion++;
}

/** Rates a work; the same choice again removes the rating. Returns the work's choice afterwards. */
export async function rate(work: string, choice: Choice): Promise<Choice | null> {
  const result = await api.put<{ work: string; choice: Choice | null }>(
    `/api/ratings/${encodeURIComponent(work)}`,
    {
      choice,
    },
  );
  if (!session.user) await refreshUser();
  if (result.choice) session.ratings.set(work, result.choice);
  else session.ratings.delete(work);
  session.ratingsVersion++;
  return result.choice;
}

async function refreshUser(): Promise<void> {
  const { user } = await api.get<{ csrfToken: string; user: User | null }>('/api/session');
  session.user = user;
}

type Credentials = { username: string; password: string };

async function enter(path: string, credentials: Credentials): Promise<void> {
  const { csrfToken, user, merged } = await api.post<{
    csrfToken: string;
    user: User;
    merged?: MergeReport;
  }>(path, credentials);
  useCsrfToken(csrfToken);
  session.user = user;
  // Only a log-in merges (a sign-up keeps the ratings where they are), and only news are worth a notice.
  session.merged = merged && (merged.moved > 0 || merged.kept.length > 0) ? merged : null;
  await loadRatings();
}

export const signUp = (credentials: Credentials) => enter('/api/signup', credentials);
export const logIn = (credentials: Credentials) => enter('/api/login', credentials);

export async function logOut(): Promise<void> {
  await api.post('/api/logout');
  session.merged = null;
  await loadSession();
}

/** Whether the visitor has an account (not only anonymous ratings). */
export function hasAccount(): boolean {
  return Boolean(session.user && !session.user.isAnonymous);
}
