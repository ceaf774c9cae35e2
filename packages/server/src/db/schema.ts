import type { Generated, Kysely } from 'kysely';

/**
 * The tables, one shape for SQLite and PostgreSQL: timestamps are ISO-8601 text (they sort as text),
 * booleans are 0/1 integers and structured values JSON text, so one query layer serves both.
 */
export interface UsersTable {
  id: Generated<number>;
  /** The id in an imported data set or a client application (integration API). */
  external_id: string | null;
  username: string | null;
  /** scrypt hash; null for users who cannot log in (imported, anonymous, integration). */
  password_hash: string | null;
  is_admin: Generated<number>;
  is_public: Generated<number>;
  /** A visitor who rated without an account yet. */
  is_anonymous: Generated<number>;
  /** The account shows adult works (Mangaki's nsfw_ok); 0 by default. */
  adult_ok: Generated<number>;
  created_at: string;
}

export interface SessionsTable {
  /** sha256 of the cookie token (a stolen database does not give live sessions). */
  id: string;
  user_id: number | null;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

export interface WorksTable {
  /** The data set's id (anime_id), kept as is. */
  id: string;
  title: string;
  /** Lower-case title without accents, for search. */
  title_search: string;
  category: string;
  type: string | null;
  episodes: number | null;
  members: number | null;
  /** Comma-separated genres. */
  genres: string;
  /** Adult content, hidden from visitors who have not opted in (domain/adult.ts). */
  adult: Generated<number>;
  created_at: string;
  /** What the catalogue says of it, when it does (008_work_details); addresses are absolute http(s). */
  year: number | null;
  studio: string | null;
  synopsis: string | null;
  /** A page about the work elsewhere (the work page links out to it). */
  url: string | null;
  image_url: string | null;
}

/** Another name of a work (search matches it); `position` keeps the data's order. */
export interface AlternateTitlesTable {
  work_id: string;
  position: number;
  title: string;
  /** english | japanese | synonym */
  kind: string;
}

export interface WorkTagsTable {
  work_id: string;
  tag: string;
  weight: number;
}

export interface RatingsTable {
  user_id: number;
  work_id: string;
  choice: string;
  updated_at: string;
}

export interface WorkCountersTable {
  work_id: string;
  favorite: number;
  like: number;
  neutral: number;
  dislike: number;
  willsee: number;
  wontsee: number;
  sum: number;
  nb_ratings: number;
  controversy: number;
  updated_at: string;
}

export interface ModelVersionsTable {
  id: Generated<number>;
  family: string;
  params: string;
  metrics: string;
  file: string;
  /** training | ready | active | retired | failed */
  status: string;
  ratings: number;
  error: string | null;
  created_at: string;
  activated_at: string | null;
  /** Hex SHA-256 of the file, checked on every load; null for versions from before it was recorded. */
  sha256: string | null;
  size: number | null;
  /**
   * Where every node reads the file: `database` (model_chunks) or `s3://bucket/key`; null for a file
   * kept only where it was trained (SQLite without S3), and for versions from before it was recorded
   * (on PostgreSQL those are in the database).
   */
  location: string | null;
}

/** A model file in the database (PostgreSQL), in order of `seq`. */
export interface ModelChunksTable {
  version_id: number;
  seq: number;
  bytes: Uint8Array;
}

export interface JobsTable {
  id: Generated<number>;
  /** train | counters | import */
  kind: string;
  /** queued | running | done | failed */
  status: string;
  progress: number;
  message: string | null;
  error: string | null;
  result: string | null;
  requested_by: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The node running it (jobs/queue.ts), while it is running. */
  owner: string | null;
  /** Until when the owner's claim holds (ISO time); renewed while the job runs. */
  lease_until: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface FollowsTable {
  follower_id: number;
  followee_id: number;
  created_at: string;
}

/** A group of accounts that get recommendations together (a watch party). */
export interface WatchPartiesTable {
  id: Generated<number>;
  name: string;
  owner_id: number;
  created_at: string;
}

export interface WatchPartyMembersTable {
  party_id: number;
  user_id: number;
  joined_at: string;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  works: WorksTable;
  work_tags: WorkTagsTable;
  alternate_titles: AlternateTitlesTable;
  ratings: RatingsTable;
  work_counters: WorkCountersTable;
  model_versions: ModelVersionsTable;
  model_chunks: ModelChunksTable;
  jobs: JobsTable;
  settings: SettingsTable;
  follows: FollowsTable;
  watch_parties: WatchPartiesTable;
  watch_party_members: WatchPartyMembersTable;
}

export type Db = Kysely<Database>;

export const now = (): string => new Date().toISOString();
