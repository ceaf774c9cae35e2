// One function per call of the service's API, with the request and answer types derived from the
// service's schemas (types.ts): the pages call these, never a path of their own.

import { api, query } from './api';
import type {
  Categories,
  Choice,
  Deletion,
  Facets,
  Follows,
  GroupQuery,
  GroupRecommendations,
  Job,
  Jobs,
  LoggedIn,
  LogIn,
  MalImportQuery,
  MalImportReport,
  MapQuery,
  Me,
  ModelVersions,
  Mosaic,
  MosaicCard,
  MosaicQuery,
  MosaicSlot,
  MyRatings,
  NewParty,
  Party,
  PartyList,
  Profile,
  ProfileQuery,
  RatingResult,
  Recommendations,
  RecommendationsQuery,
  SessionAnswer,
  Settings,
  SignedIn,
  SignUp,
  Watchlist,
  WatchlistQuery,
  WorkDetail,
  WorkMap,
  WorksPage,
  WorksQuery,
} from './types';

const segment = encodeURIComponent;

// The session and accounts.
export const getSession = () => api.get<SessionAnswer>('/api/session');
export const signUp = (credentials: SignUp) => api.post<SignedIn>('/api/signup', credentials);
export const logIn = (credentials: LogIn) => api.post<LoggedIn>('/api/login', credentials);
export const logOut = () => api.post<void>('/api/logout');
export const getMe = () => api.get<Me>('/api/me');
export const updateMe = (settings: Settings) => api.patch<Me>('/api/me', settings);
/** An account confirms with its password; an anonymous visitor sends nothing. */
export const deleteMe = (confirmation?: Exclude<Deletion, null>) => api.delete<void>('/api/me', confirmation);
export const getProfile = (username: string, page: ProfileQuery = {}) =>
  api.get<Profile>(`/api/users/${segment(username)}${query(page)}`);

// Works.
/** `signal` cancels it (a newer request made it useless). */
export const getWorks = (request: WorksQuery, signal?: AbortSignal) =>
  api.get<WorksPage>(`/api/works${query(request)}`, signal);
export const getWork = (id: string) => api.get<WorkDetail>(`/api/works/${segment(id)}`);
export const getCategories = () => api.get<Categories>('/api/categories');
export const getFacets = (signal?: AbortSignal) => api.get<Facets>('/api/facets', signal);
export const getMosaic = (request: MosaicQuery = {}) => api.get<Mosaic>(`/api/mosaic${query(request)}`);
export const getMosaicCard = (slot: MosaicSlot, request: MosaicQuery = {}) =>
  api.get<MosaicCard>(`/api/mosaic/${slot}${query(request)}`);

// Ratings.
export const getMyRatings = () => api.get<MyRatings>('/api/ratings');
/** Sets the rating (never toggles it off: sending it twice changes nothing more). */
export const setRating = (work: string, choice: Choice) =>
  api.put<RatingResult>(`/api/ratings/${segment(work)}`, { choice, toggle: false });
export const removeRating = (work: string) => api.delete<RatingResult>(`/api/ratings/${segment(work)}`);
/** Sends the file's bytes as they are (the service tells gzip from XML). */
export const importMal = (file: Blob, type: string, rule: MalImportQuery = {}) =>
  api.upload<MalImportReport>(`/api/import/mal${query(rule)}`, file, type);

// Recommendations.
export const getRecommendations = (request: RecommendationsQuery = {}) =>
  api.get<Recommendations>(`/api/recommendations${query(request)}`);
export const getWatchlist = (request: WatchlistQuery = {}) =>
  api.get<Watchlist>(`/api/watchlist${query(request)}`);
export const getMap = (request: MapQuery = {}) => api.get<WorkMap>(`/api/map${query(request)}`);

// Following and watch parties.
export const getFollows = () => api.get<Follows>('/api/follows');
export const follow = (username: string) => api.put<Follows>(`/api/follows/${segment(username)}`);
export const unfollow = (username: string) => api.delete<Follows>(`/api/follows/${segment(username)}`);
export const getParties = () => api.get<PartyList>('/api/groups');
export const createParty = (party: NewParty) => api.post<Party>('/api/groups', party);
export const addPartyMember = (party: number, username: string) =>
  api.post<Party>(`/api/groups/${party}/members`, { username });
export const leaveParty = (party: number) => api.delete<void>(`/api/groups/${party}/members/me`);
export const deleteParty = (party: number) => api.delete<void>(`/api/groups/${party}`);
export const getPartyRecommendations = (party: number, request: GroupQuery = {}) =>
  api.get<GroupRecommendations>(`/api/groups/${party}/recommendations${query(request)}`);

// Admin.
export const getModelVersions = () => api.get<ModelVersions>('/api/admin/models');
export const getJobs = () => api.get<Jobs>('/api/admin/jobs');
export const getJob = (id: number) => api.get<Job>(`/api/admin/jobs/${id}`);
export const train = () => api.post<Job>('/api/admin/train');
