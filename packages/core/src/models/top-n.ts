/** Keeps the n largest (index, score) pairs seen, in a binary min-heap: O(log n) per accepted push. */
export class TopN {
  private readonly indices: Int32Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 0) throw new Error(`n must be a whole number ≥ 0, got ${n}`);
    this.indices = new Int32Array(n);
    this.scores = new Float64Array(n);
  }

  /** A score must beat this to enter (−∞ until the heap is full). */
  get threshold(): number {
    return this.size < this.n ? Number.NEGATIVE_INFINITY : this.scores[0];
  }

  push(index: number, score: number): void {
    if (this.n === 0) return;
    if (this.size < this.n) {
      let at = this.size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (this.scores[parent] <= score) break;
        this.scores[at] = this.scores[parent];
        this.indices[at] = this.indices[parent];
        at = parent;
      }
      this.scores[at] = score;
      this.indices[at] = index;
      return;
    }
    if (score <= this.scores[0]) return;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && this.scores[right] < this.scores[left] ? right : left;
      if (this.scores[child] >= score) break;
      this.scores[at] = this.scores[child];
      this.indices[at] = this.indices[child];
      at = child;
    }
    this.scores[at] = score;
    this.indices[at] = index;
  }

  /** The kept pairs, best first (ties by lower index first). */
  sorted(): { index: number; score: number }[] {
    const out = [];
    for (let k = 0; k < this.size; k++) out.push({ index: this.indices[k], score: this.scores[k] });
    return out.sort((a, b) => b.score - a.score || a.index - b.index);
  }
}
