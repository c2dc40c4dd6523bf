import type { FinishedSequence } from './engine.ts';
import { OUTPUT_PROCESSING_US } from './engine.ts';
import type { Fleet } from './fleet.ts';

/** Live fleet figures over a sliding window of simulated time, for the demo's status line. */
export class FleetStatus {
  private readonly window: { atUs: number; ttftUs: number | null; ok: boolean }[] = [];
  total = 0;

  constructor(
    private readonly fleet: Fleet,
    private readonly windowUs = 30_000_000,
  ) {
    fleet.onFinish((done: FinishedSequence) => {
      this.total++;
      this.window.push({
        atUs: done.finishedUs,
        ttftUs:
          done.firstTokenUs >= 0 ? done.firstTokenUs + OUTPUT_PROCESSING_US - done.spec.arrivalUs : null,
        ok: done.finishReason === 'stop' || done.finishReason === 'length',
      });
    });
  }

  snapshot(): {
    requestsPerSecond: number;
    p99TtftMs: number | null;
    errorRatio: number;
    spendPerHourUsd: number;
    activeFaults: string[];
  } {
    const now = this.fleet.nowUs;
    while (this.window.length > 0 && (this.window[0] as { atUs: number }).atUs < now - this.windowUs)
      this.window.shift();
    const ttfts = this.window.flatMap((w) => (w.ttftUs === null ? [] : [w.ttftUs])).sort((a, b) => a - b);
    const p99 =
      ttfts.length > 0
        ? (ttfts[Math.min(ttfts.length - 1, Math.floor(ttfts.length * 0.99))] as number) / 1000
        : null;
    const errors = this.window.filter((w) => !w.ok).length;
    // Allocated GPUs cost money whether or not they serve (idle is part of the bill).
    const spendPerHourUsd = this.fleet.replicas.reduce(
      (sum, r) => sum + r.spec.tensorParallel * r.engine.config.usdPerGpuHour,
      0,
    );
    const activeFaults = this.fleet.groundTruth
      .filter((g) => g.startUs <= now && now < g.endUs)
      .map((g) => `${g.kind}${g.replicas.length === 1 ? `@${g.replicas[0]}` : g.model ? `@${g.model}` : ''}`);
    return {
      requestsPerSecond: this.window.length / (this.windowUs / 1e6),
      p99TtftMs: p99,
      errorRatio: this.window.length > 0 ? errors / this.window.length : 0,
      spendPerHourUsd,
      activeFaults,
    };
  }
}
