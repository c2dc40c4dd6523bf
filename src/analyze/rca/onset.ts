import type { AggregateRow, RequestFilter, Store, TimeRange } from '../../store/store.ts';

const MINUTE_US = 60e6;
/** A minute departs from healthy when a latency or the error ratio is this many robust deviations out… */
const DEPARTURE_Z = 4;
/** …and at least this much above the healthy median (tiny spreads make tiny changes look large). */
const MIN_RELATIVE_RISE = 0.15;

interface Minute {
  startUs: number;
  count: number;
  signals: Record<SignalName, number | null>;
}
type SignalName = 'ttft' | 'tpot' | 'e2e' | 'errors' | 'throughput';

function minuteOf(row: AggregateRow): Minute {
  const count = row.values.count ?? 0;
  return {
    startUs: row.bucketStartUs ?? 0,
    count,
    signals: {
      ttft: row.values.avg_ttft_us ?? null,
      tpot: row.values.avg_tpot_us ?? null,
      e2e: row.values.avg_e2e_us ?? null,
      errors: count > 0 ? (row.values.errors ?? 0) / count : null,
      throughput: count,
    },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0
    ? 0
    : s.length % 2
      ? (s[mid] as number)
      : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Median and robust spread (MAD scaled to a normal σ) of one signal over healthy minutes. */
function healthy(minutes: readonly Minute[], name: SignalName): { median: number; spread: number } | null {
  const values = minutes.flatMap((m) => (m.signals[name] === null ? [] : [m.signals[name] as number]));
  if (values.length < 3) return null;
  const mid = median(values);
  return { median: mid, spread: 1.4826 * median(values.map((v) => Math.abs(v - mid))) };
}

function departs(minute: Minute, name: SignalName, base: { median: number; spread: number }): boolean {
  const value = minute.signals[name];
  if (value === null) return false;
  if (name === 'errors') return value - base.median > Math.max(0.02, DEPARTURE_Z * base.spread);
  return (
    value > base.median * (1 + MIN_RELATIVE_RISE) &&
    value - base.median > DEPARTURE_Z * Math.max(base.spread, 1)
  );
}

/**
 * Where in an alert's window the change began. An alert's short window often starts before the
 * fault (it fires a few minutes in), so comparing the whole window dilutes every signal; the
 * analysis compares from the onset instead. The onset is the first minute whose mean TTFT, TPOT or
 * e2e latency, error ratio or completions leave the baseline's healthy range (median + 4 robust
 * deviations and 15 % above the median) — the signals the SLO burned on, and the load behind them.
 * Null when no minute does, or the baseline has too few minutes to say what healthy is.
 */
export async function locateOnset(
  store: Store,
  filter: Omit<RequestFilter, 'range'>,
  window: TimeRange,
  baseline: TimeRange,
): Promise<number | null> {
  const perMinute = (range: TimeRange) =>
    store.aggregateRequests({
      ...filter,
      range,
      timeBy: 'completion',
      groupBy: [],
      bucketUs: MINUTE_US,
      measures: [
        { fn: 'count' },
        { fn: 'count', filter: { status: ['error', 'timeout'] }, as: 'errors' },
        { fn: 'avg', field: 'ttft_us' },
        { fn: 'avg', field: 'tpot_us' },
        { fn: 'avg', field: 'e2e_us' },
      ],
    });
  const [before, during] = await Promise.all([perMinute(baseline), perMinute(window)]);
  // Whole minutes only: a baseline's partial first or last minute is not a healthy sample.
  const healthyMinutes = before
    .map(minuteOf)
    .filter((m) => m.startUs >= baseline.fromUs && m.startUs + MINUTE_US <= baseline.toUs);
  const names: SignalName[] = ['ttft', 'tpot', 'e2e', 'errors', 'throughput'];
  const bases = names.map((name) => [name, healthy(healthyMinutes, name)] as const);
  if (bases.every(([, base]) => base === null)) return null;
  const minutes = during.map(minuteOf).sort((a, b) => a.startUs - b.startUs);
  for (const minute of minutes)
    if (bases.some(([name, base]) => base !== null && departs(minute, name, base)))
      return Math.max(window.fromUs, minute.startUs);
  return null;
}
