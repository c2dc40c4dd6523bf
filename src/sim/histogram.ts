/** A Prometheus-style histogram: per-bucket counts (non-cumulative inside), sum and count. */
export class Histogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1); // last slot is +Inf
  }

  observe(value: number, times = 1): void {
    let i = 0;
    // Linear scan: bucket lists are ~20 long, and most observations land in the first few.
    while (i < this.bounds.length && value > (this.bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + times;
    this.sum += value * times;
    this.count += times;
  }

  /** Cumulative counts per bound, then +Inf, as exposed. */
  cumulative(): number[] {
    const out: number[] = [];
    let running = 0;
    for (const c of this.counts) {
      running += c;
      out.push(running);
    }
    return out;
  }
}
