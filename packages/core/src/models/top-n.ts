/**
 * Keeps the n best (index, score) pairs seen, in a binary min-heap: O(log n) per accepted push. Order:
 * higher score first; among equal scores, higher `second[index]` first (when a second key is given);
 * then lower index first, so the result never depends on the order items are pushed in.
 */
export class TopN {
  private readonly indices: Int32Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(
    readonly n: number,
    private readonly second?: ArrayLike<number>,
  ) {
    if (!Number.isInteger(n) || n < 0) throw new Error(`n must be a whole number ≥ 0, got ${n}`);
    this.indices = new Int32Array(n);
    this.scores = new Float64Array(n);
  }

  /** A score must reach this to enter (−∞ until the heap is full); equal scores enter by the tie rules. */
  get threshold(): number {
    return this.size < this.n ? Number.NEGATIVE_INFINITY : this.scores[0];
  }

  push(index: number, score: number): void {
    if (this.n === 0) return;
    if (this.size < this.n) {
      let at = this.size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!this.before(index, score, this.indices[parent], this.scores[parent])) break;
        this.scores[at] = this.scores[parent];
        this.indices[at] = this.indices[parent];
        at = parent;
      }
      this.scores[at] = score;
      this.indices[at] = index;
      return;
    }
    if (!this.before(this.indices[0], this.scores[0], index, score)) return;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child =
        right < this.size &&
        this.before(this.indices[right], this.scores[right], this.indices[left], this.scores[left])
          ? right
          : left;
      if (!this.before(this.indices[child], this.scores[child], index, score)) break;
      this.scores[at] = this.scores[child];
      this.indices[at] = this.indices[child];
      at = child;
    }
    this.scores[at] = score;
    this.indices[at] = index;
  }

  /** The kept pairs, best first. */
  sorted(): { index: number; score: number }[] {
    const out = [];
    for (let k = 0; k < this.size; k++) out.push({ index: this.indices[k], score: this.scores[k] });
    return out.sort((a, b) => (this.before(a.index, a.score, b.index, b.score) ? 1 : -1));
  }

  /** Whether (a, sa) ranks below (b, sb): the heap keeps its worst pair at the root. */
  private before(a: number, sa: number, b: number, sb: number): boolean {
    if (sa !== sb) return sa < sb;
    if (this.second && this.second[a] !== this.second[b]) return this.second[a] < this.second[b];
    return a > b;
  }
}
