import type { MetricSample } from '../../model/metric-sample.ts';
import { canonicalMetric } from '../../model/metric-names.ts';

function seriesKey(s: MetricSample): string {
  const labels = Object.keys(s.labels)
    .sort()
    .map((k) => `${k}=${s.labels[k]}`)
    .join(',');
  return `${s.name}|${s.model}|${s.replica}|${labels}`;
}

/** Counters and histogram parts (buckets, sum, count) only ever increase until their process restarts. */
function isCumulative(s: MetricSample): boolean {
  const instrument = canonicalMetric(s.name)?.instrument;
  return instrument === 'counter' || instrument === 'histogram';
}

/**
 * Turns cumulative counters and histograms into per-scrape increases, as PromQL's increase()
 * does: a value lower than the previous one is a reset (process restart), and the increase is then
 * the new value itself. Gauges pass through. The first scrape of a series only sets the baseline.
 */
export class DeltaTracker {
  private readonly previous = new Map<string, number>();
  resets = 0;

  apply(samples: readonly MetricSample[]): MetricSample[] {
    const out: MetricSample[] = [];
    for (const s of samples) {
      if (!isCumulative(s)) {
        out.push(s);
        continue;
      }
      const key = seriesKey(s);
      const before = this.previous.get(key);
      this.previous.set(key, s.value);
      if (before === undefined) continue;
      let increase = s.value - before;
      if (increase < 0) {
        this.resets++;
        increase = s.value;
      }
      out.push({ ...s, value: increase });
    }
    return out;
  }
}
