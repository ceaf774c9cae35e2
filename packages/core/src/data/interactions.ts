import { createHash } from 'node:crypto';
import { type Csr, toCsr } from './csr.js';
import { IdMap } from './id-map.js';

/**
 * Ratings (or 0/1 outcomes) as columns over dense user and item indices, with the id maps that translate
 * them. Several Interactions may share id maps (a training and a test split of one data set do), so an
 * index means the same user or item in all of them. Immutable once built; CSR (by user) and CSC (by
 * item) views are built on first use and cached.
 */
export class Interactions {
  readonly users: IdMap;
  readonly items: IdMap;
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly value: Float64Array;
  readonly time: Float64Array | undefined;
  private userView: Csr | undefined;
  private itemView: Csr | undefined;

  constructor(init: {
    users: IdMap;
    items: IdMap;
    user: Int32Array;
    item: Int32Array;
    value: Float64Array;
    time?: Float64Array | undefined;
  }) {
    const n = init.user.length;
    if (init.item.length !== n || init.value.length !== n || (init.time && init.time.length !== n)) {
      throw new Error(`Interactions: columns differ in length (${n} users, ${init.item.length} items)`);
    }
    this.users = init.users;
    this.items = init.items;
    this.user = init.user;
    this.item = init.item;
    this.value = init.value;
    this.time = init.time;
  }

  /** Builds from (user, item, value[, time]) rows, extending the given id maps or fresh ones. */
  static fromRows(
    rows: Iterable<readonly [string, string, number, number?]>,
    maps: { users?: IdMap; items?: IdMap } = {},
  ): Interactions {
    const builder = new InteractionsBuilder(maps.users, maps.items);
    for (const [u, i, v, t] of rows) builder.add(u, i, v, t);
    return builder.build();
  }

  get length(): number {
    return this.user.length;
  }

  /** CSR view: rows are users (all of the id map's users, some possibly empty). */
  byUser(): Csr {
    this.userView ??= toCsr(this.user, this.item, this.value, this.users.size, this.items.size);
    return this.userView;
  }

  /** CSC view: rows are items. */
  byItem(): Csr {
    this.itemView ??= toCsr(this.item, this.user, this.value, this.items.size, this.users.size);
    return this.itemView;
  }

  /** The interactions at the given positions, sharing this object's id maps. */
  subset(positions: ArrayLike<number>): Interactions {
    const n = positions.length;
    const user = new Int32Array(n);
    const item = new Int32Array(n);
    const value = new Float64Array(n);
    const time = this.time ? new Float64Array(n) : undefined;
    for (let t = 0; t < n; t++) {
      const p = positions[t];
      user[t] = this.user[p];
      item[t] = this.item[p];
      value[t] = this.value[p];
      if (time && this.time) time[t] = this.time[p];
    }
    return new Interactions({ users: this.users, items: this.items, user, item, value, time });
  }

  mean(): number {
    let sum = 0;
    for (let t = 0; t < this.value.length; t++) sum += this.value[t];
    return this.value.length ? sum / this.value.length : 0;
  }

  /** Smallest and largest value (the rating scale, used to clip predictions). */
  range(): { min: number; max: number } {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < this.value.length; t++) {
      const v = this.value[t];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { min, max };
  }

  /** Number of interactions per item index. */
  itemCounts(): Int32Array {
    const counts = new Int32Array(this.items.size);
    for (let t = 0; t < this.item.length; t++) counts[this.item[t]]++;
    return counts;
  }

  /** Number of interactions per user index. */
  userCounts(): Int32Array {
    const counts = new Int32Array(this.users.size);
    for (let t = 0; t < this.user.length; t++) counts[this.user[t]]++;
    return counts;
  }

  /** A short content hash of the (user id, item id, value) triplets, recorded in model files. */
  fingerprint(): string {
    const hash = createHash('sha256');
    const chunk = 4096;
    for (let start = 0; start < this.length; start += chunk) {
      const end = Math.min(this.length, start + chunk);
      let text = '';
      for (let t = start; t < end; t++) {
        text += `${this.users.idAt(this.user[t])}\t${this.items.idAt(this.item[t])}\t${this.value[t]}\n`;
      }
      hash.update(text);
    }
    return `sha256:${hash.digest('hex').slice(0, 16)}`;
  }
}

/** Accumulates rows into growable columns; `build()` returns the Interactions. */
export class InteractionsBuilder {
  readonly users: IdMap;
  readonly items: IdMap;
  private user = new Int32Array(1024);
  private item = new Int32Array(1024);
  private value = new Float64Array(1024);
  private time: Float64Array | undefined;
  private n = 0;

  constructor(users: IdMap = new IdMap(), items: IdMap = new IdMap()) {
    this.users = users;
    this.items = items;
  }

  get length(): number {
    return this.n;
  }

  add(userId: string, itemId: string, value: number, time?: number): void {
    if (this.n === this.user.length) this.grow();
    this.user[this.n] = this.users.add(userId);
    this.item[this.n] = this.items.add(itemId);
    this.value[this.n] = value;
    if (time !== undefined) {
      this.time ??= new Float64Array(this.user.length);
      this.time[this.n] = time;
    }
    this.n++;
  }

  build(): Interactions {
    const n = this.n;
    return new Interactions({
      users: this.users,
      items: this.items,
      user: this.user.slice(0, n),
      item: this.item.slice(0, n),
      value: this.value.slice(0, n),
      time: this.time?.slice(0, n),
    });
  }

  private grow(): void {
    const size = this.user.length * 2;
    const user = new Int32Array(size);
    user.set(this.user);
    this.user = user;
    const item = new Int32Array(size);
    item.set(this.item);
    this.item = item;
    const value = new Float64Array(size);
    value.set(this.value);
    this.value = value;
    if (this.time) {
      const time = new Float64Array(size);
      time.set(this.time);
      this.time = time;
    }
  }
}
