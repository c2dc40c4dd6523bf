/** Min-heap of timed events; ties keep insertion order, so runs are deterministic. */
export class EventQueue<T> {
  private readonly times: number[] = [];
  private readonly order: number[] = [];
  private readonly items: T[] = [];
  private sequence = 0;

  get size(): number {
    return this.items.length;
  }

  peekTime(): number {
    return this.items.length > 0 ? (this.times[0] as number) : Infinity;
  }

  push(timeUs: number, item: T): void {
    let i = this.items.length;
    this.times.push(timeUs);
    this.order.push(this.sequence++);
    this.items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { timeUs: number; item: T } | undefined {
    if (this.items.length === 0) return undefined;
    const result = { timeUs: this.times[0] as number, item: this.items[0] as T };
    const last = this.items.length - 1;
    this.swap(0, last);
    this.times.pop();
    this.order.pop();
    this.items.pop();
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.items.length && this.before(left, smallest)) smallest = left;
      if (right < this.items.length && this.before(right, smallest)) smallest = right;
      if (smallest === i) break;
      this.swap(i, smallest);
      i = smallest;
    }
    return result;
  }

  private before(a: number, b: number): boolean {
    const ta = this.times[a] as number;
    const tb = this.times[b] as number;
    return ta < tb || (ta === tb && (this.order[a] as number) < (this.order[b] as number));
  }

  private swap(a: number, b: number): void {
    [this.times[a], this.times[b]] = [this.times[b] as number, this.times[a] as number];
    [this.order[a], this.order[b]] = [this.order[b] as number, this.order[a] as number];
    [this.items[a], this.items[b]] = [this.items[b] as T, this.items[a] as T];
  }
}
