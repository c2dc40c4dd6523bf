import type { Store, TimeRange } from '../../store/store.ts';
import { sloBandEvents, sloBands, sloMeasures, sloRequestFilter } from './events.ts';
import { alertThreshold } from './prometheus-rules.ts';
import type { BurnRateAlert, SloSpec } from './spec.ts';

/** Good and total events per band in fixed time buckets, with prefix sums for window queries. */
export class EventSeries {
  readonly bands: string[];
  /** Per band: cumulative good and total up to (not including) bucket i. */
  private readonly goodPrefix: Float64Array[];
  private readonly totalPrefix: Float64Array[];

  constructor(
    readonly startUs: number,
    readonly stepUs: number,
    readonly buckets: number,
    bands: string[],
    events: (bucket: number, band: number) => { good: number; total: number },
  ) {
    this.bands = bands;
    this.goodPrefix = bands.map(() => new Float64Array(buckets + 1));
    this.totalPrefix = bands.map(() => new Float64Array(buckets + 1));
    for (let b = 0; b < bands.length; b++) {
      const good = this.goodPrefix[b] as Float64Array;
      const total = this.totalPrefix[b] as Float64Array;
      for (let i = 0; i < buckets; i++) {
        const e = events(i, b);
        good[i + 1] = (good[i] as number) + e.good;
        total[i + 1] = (total[i] as number) + e.total;
      }
    }
  }

  /** Events per band in the window [endUs − windowUs, endUs), whole buckets only. */
  window(endUs: number, windowUs: number): { band: string; good: number; total: number }[] {
    const clamp = (us: number) =>
      Math.min(this.buckets, Math.max(0, Math.floor((us - this.startUs) / this.stepUs)));
    const from = clamp(endUs - windowUs);
    const to = clamp(endUs);
    return this.bands.map((band, b) => ({
      band,
      good: (this.goodPrefix[b]![to] as number) - (this.goodPrefix[b]![from] as number),
      total: (this.totalPrefix[b]![to] as number) - (this.totalPrefix[b]![from] as number),
    }));
  }
}

/** Fetches an SLO's events in `stepUs` buckets over a range (aligned to the step). */
export async function fetchEventSeries(
  store: Store,
  spec: SloSpec,
  range: TimeRange,
  stepUs: number,
): Promise<EventSeries> {
  const rows = await store.aggregateRequests({
    ...sloRequestFilter(spec, range),
    groupBy: [],
    bucketUs: stepUs,
    measures: sloMeasures(spec),
  });
  const buckets = Math.ceil((range.toUs - range.fromUs) / stepUs);
  const byBucket = new Map(
    rows.map((row) => [Math.round(((row.bucketStartUs ?? 0) - range.fromUs) / stepUs), row]),
  );
  const perBucket = Array.from({ length: buckets }, (_, i) => sloBandEvents(spec, byBucket.get(i)));
  return new EventSeries(range.fromUs, stepUs, buckets, sloBands(spec), (i, b) => perBucket[i]![b]!);
}

export interface WindowBurn {
  good: number;
  total: number;
  /** Share of bad events (weighted); 0 without events. */
  errorRatio: number;
  /** errorRatio ÷ error budget; 1 spends exactly the budget over the SLO window. */
  burnRate: number;
}

export function windowBurn(
  events: readonly { good: number; total: number }[],
  objective: number,
): WindowBurn {
  const good = events.reduce((sum, e) => sum + e.good, 0);
  const total = events.reduce((sum, e) => sum + e.total, 0);
  const errorRatio = total > 0 ? (total - good) / total : 0;
  return { good, total, errorRatio, burnRate: errorRatio / (1 - objective) };
}

/** Both windows of an alert at one time: the condition fires when both exceed the alert's rate. */
export function alertCondition(
  series: EventSeries,
  spec: SloSpec,
  alert: BurnRateAlert,
  atUs: number,
): { long: WindowBurn; short: WindowBurn; active: boolean } {
  const long = windowBurn(series.window(atUs, alert.longUs), spec.objective);
  const short = windowBurn(series.window(atUs, alert.shortUs), spec.objective);
  // Compared as error ratios against the very number the generated Prometheus rule holds.
  const threshold = alertThreshold(spec, alert.burnRate);
  return { long, short, active: long.errorRatio > threshold && short.errorRatio > threshold };
}
