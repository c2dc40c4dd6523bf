/**
 * A token bucket holding up to `perMinute` units, refilled continuously at perMinute / 60 s.
 * Taking more than is there is refused with the time until it would be there.
 */
export class TokenBucket {
  private level: number;
  private updatedMs: number;

  constructor(
    readonly perMinute: number,
    nowMs: number,
  ) {
    this.level = perMinute;
    this.updatedMs = nowMs;
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.updatedMs);
    this.level = Math.min(this.perMinute, this.level + (elapsed * this.perMinute) / 60_000);
    this.updatedMs = nowMs;
  }

  /**
   * Takes n units: 0 when granted, else ms until n would be available (nothing taken), or
   * Infinity when n is more than the bucket ever holds.
   */
  take(n: number, nowMs: number): number {
    if (n > this.perMinute) return Infinity;
    this.refill(nowMs);
    if (n <= this.level) {
      this.level -= n;
      return 0;
    }
    return Math.max(1, Math.ceil(((n - this.level) * 60_000) / this.perMinute));
  }

  /** Corrects an earlier estimate: gives back (negative) or takes (positive) the difference, never refusing. */
  adjust(delta: number, nowMs: number): void {
    this.refill(nowMs);
    this.level = Math.min(this.perMinute, this.level - delta);
  }
}
