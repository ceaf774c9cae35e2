/**
 * A two-way map between external string ids and dense indices 0..size-1. Models index their arrays by
 * these dense indices; callers of the public API only ever see the string ids.
 */
export class IdMap {
  private readonly index = new Map<string, number>();
  private readonly list: string[] = [];

  static from(ids: Iterable<string>): IdMap {
    const map = new IdMap();
    for (const id of ids) map.add(id);
    return map;
  }

  get size(): number {
    return this.list.length;
  }

  /** The index of `id`, adding it at the end when it is new. */
  add(id: string): number {
    let at = this.index.get(id);
    if (at === undefined) {
      at = this.list.length;
      this.index.set(id, at);
      this.list.push(id);
    }
    return at;
  }

  /** The index of `id`, or -1 when it is unknown. */
  indexOf(id: string): number {
    return this.index.get(id) ?? -1;
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  idAt(index: number): string {
    const id = this.list[index];
    if (id === undefined) throw new RangeError(`no id at index ${index} (size ${this.list.length})`);
    return id;
  }

  /** The ids in index order (a copy). */
  toArray(): string[] {
    return this.list.slice();
  }

  clone(): IdMap {
    return IdMap.from(this.list);
  }
}
