import type { Fleet } from './fleet.ts';

/**
 * Drives a fleet in (scaled) real time: virtual time = start + wall time elapsed × speed.
 * Ticks often enough that streamed tokens arrive within a few milliseconds of when the model
 * says they would.
 */
export class Pacer {
  private timer: NodeJS.Timeout | null = null;
  private wallStartMs = 0;
  private virtualStartUs = 0;

  constructor(
    private readonly fleet: Fleet,
    readonly speed: number,
    private readonly tickMs = 5,
  ) {
    if (!(speed > 0)) throw new RangeError('speed must be positive');
  }

  virtualNowUs(): number {
    return this.virtualStartUs + (performance.now() - this.wallStartMs) * 1000 * this.speed;
  }

  start(): void {
    this.wallStartMs = performance.now();
    this.virtualStartUs = this.fleet.nowUs;
    this.timer = setInterval(() => this.fleet.runUntil(Math.floor(this.virtualNowUs())), this.tickMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
