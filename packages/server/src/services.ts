import type { SessionStore } from './auth/sessions.js';
import type { Config } from './config.js';
import type { Storage } from './db/connect.js';
import type { ConsensusLists } from './domain/consensus-lists.js';
import type { WorkSearch } from './domain/work-search.js';
import type { Engine } from './engine/engine.js';
import type { ModelStore } from './engine/model-store.js';
import type { JobQueue } from './jobs/queue.js';

/** What the HTTP routes and the background jobs share; built once per process by start.ts (or a test). */
export interface Services {
  config: Config;
  storage: Storage;
  sessions: SessionStore;
  /** Model versions and their files. */
  models: ModelStore;
  /** The model serving recommendations, swapped atomically when a new version is trained. */
  engine: Engine;
  /** Background work: training, ranking counters, imports. */
  jobs: JobQueue;
  /** The heads of the top, pearls and popular lists, which recommendations fall back on. */
  consensus: ConsensusLists;
  /** The titles in memory for search, rebuilt when the works change. */
  search: WorkSearch;
}
