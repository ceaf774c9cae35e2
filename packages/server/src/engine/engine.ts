import { loadRecommender } from 'osusume';
import type { Db } from '../db/schema.js';
import { Catalogue } from './catalogue.js';
import type { ModelStore } from './model-store.js';
import { ServingModel } from './serving-model.js';

/**
 * Holds the model serving this process's requests. `refresh` loads the version marked active in the
 * database when it differs from the one held, then swaps it in with one assignment: requests in flight
 * finish on the model they started with, new ones get the new one.
 */
export class Engine {
  private serving: ServingModel | undefined;
  private loading: Promise<boolean> | undefined;
  private warmUp: (() => Promise<void>) | undefined;
  private warming = false;
  private swapped: ((version: number) => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly store: ModelStore,
  ) {}

  /** The serving model, if any. */
  get current(): ServingModel | undefined {
    return this.serving;
  }

  /** The serving version's id. */
  get version(): number | undefined {
    return this.serving?.version;
  }

  /** A model is serving, and the warm-up after the first one (if any) is over. */
  get ready(): boolean {
    return this.serving !== undefined && !this.warming;
  }

  /**
   * Work to run once the first model serves, before `ready` (an API process warms its HTTP stack up
   * with it). A failure only means a cold start, so it does not keep the process from being ready.
   */
  warmUpWith(work: () => Promise<void>): void {
    this.warmUp = work;
  }

  /** Called once each time a new version starts serving (callers of `refresh` may share one load). */
  onSwap(listener: (version: number) => void): void {
    this.swapped = listener;
  }

  /** Loads the active version if it is not the one serving; true when it swapped. */
  refresh(): Promise<boolean> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<boolean> {
    const active = await this.store.active();
    if (!active || active.id === this.serving?.version) return false;
    const file = await this.store.localFile(active);
    const [{ model, layout }, catalogue] = await Promise.all([
      loadRecommender(file),
      Catalogue.load(this.db),
    ]);
    const serving = new ServingModel(
      active.id,
      model,
      catalogue,
      active.activatedAt ?? active.createdAt,
      layout,
    );
    serving.warmUp();
    const first = this.serving === undefined;
    this.serving = serving;
    this.swapped?.(active.id);
    if (first && this.warmUp) {
      // Set in the same tick as the swap, so that no request sees the model serving but not warm.
      this.warming = true;
      this.warmUp()
        .catch(() => {})
        .finally(() => {
          this.warming = false;
        });
    }
    return true;
  }
}
