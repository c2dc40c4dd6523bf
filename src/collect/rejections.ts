import type { Logger } from '../util/log.ts';

/**
 * Counts rejected input by reason (a self-metric) and logs each reason once, so a stream of bad
 * input is visible without flooding the log.
 */
export class RejectionCounter {
  readonly byReason = new Map<string, number>();

  constructor(
    private readonly component: string,
    private readonly log: Logger,
  ) {}

  count(reason: string, n = 1): void {
    const before = this.byReason.get(reason);
    this.byReason.set(reason, (before ?? 0) + n);
    if (before === undefined)
      this.log.warn({ component: this.component, reason }, 'rejected input (logged once per reason)');
  }

  get total(): number {
    let sum = 0;
    for (const n of this.byReason.values()) sum += n;
    return sum;
  }
}
