import type { AggregateRow, RequestFilter, Store, TimeRange } from '../../store/store.ts';

/**
 * Completions are counted in buckets of a twentieth of the window (15 s for an alert's 5 minutes;
 * 3 s at least, for a minute someone asks about); a candidate onset is any bucket's start.
 */
export function onsetBucketUs(window: TimeRange): number {
  const twentieth = Math.round((window.toUs - window.fromUs) / 20 / 1e6) * 1e6;
  return Math.min(15e6, Math.max(3e6, twentieth));
}
/** The change must stand this many standard errors above the baseline… */
const MIN_Z = 5;
/** …and be at least this much above its mean (tiny spreads make tiny changes look large). */
const MIN_RELATIVE_RISE = 0.1;

type Signal = 'ttft' | 'tpot' | 'e2e' | 'errors' | 'throughput';
const SIGNALS: readonly Signal[] = ['ttft', 'tpot', 'e2e', 'errors', 'throughput'];

interface Bucket {
  startUs: number;
  count: number;
  /** Per-request means in the bucket (errors: the error ratio); throughput: the count itself. */
  means: Record<Signal, number | null>;
}

function bucketOf(row: AggregateRow): Bucket {
  const count = row.values.count ?? 0;
  return {
    startUs: row.bucketStartUs ?? 0,
    count,
    means: {
      ttft: row.values.avg_ttft_us ?? null,
      tpot: row.values.avg_tpot_us ?? null,
      e2e: row.values.avg_e2e_us ?? null,
      errors: count > 0 ? (row.values.errors ?? 0) / count : null,
      throughput: count,
    },
  };
}

/** Buckets are weighed by their requests; throughput (a count per bucket) by the bucket. */
const weight = (signal: Signal, b: Bucket) => (signal === 'throughput' ? 1 : b.count);

/** The buckets that have the signal, their total weight, and the signal's weighted mean over them. */
function weightedMean(buckets: readonly Bucket[], signal: Signal) {
  const known = buckets.filter((b) => b.means[signal] !== null && b.count > 0);
  const n = known.reduce((s, b) => s + weight(signal, b), 0);
  const mean = n > 0 ? known.reduce((s, b) => s + weight(signal, b) * (b.means[signal] as number), 0) / n : 0;
  return { known, n, mean };
}

/**
 * A signal's healthy level and its noise: the request-weighted mean over the baseline's buckets,
 * and the spread of one request (from the spread of bucket means × √ requests per bucket), or of
 * one bucket for throughput.
 */
function healthyLevel(buckets: readonly Bucket[], signal: Signal): { mean: number; sd: number } | null {
  const { known, n, mean } = weightedMean(buckets, signal);
  if (known.length < 6) return null;
  const variance =
    known.reduce((s, b) => s + weight(signal, b) * ((b.means[signal] as number) - mean) ** 2, 0) / n;
  const perBucket = signal === 'throughput' ? 1 : n / known.length;
  return { mean, sd: Math.sqrt(variance * perBucket) };
}

/** How many standard errors these buckets stand above the healthy level (0 below the rise floor). */
function shiftZ(buckets: readonly Bucket[], signal: Signal, level: { mean: number; sd: number }): number {
  const { n, mean } = weightedMean(buckets, signal);
  if (n === 0) return 0;
  const floor = signal === 'errors' ? 0.02 : Math.max(1e-9, level.mean * MIN_RELATIVE_RISE);
  if (mean - level.mean < floor) return 0;
  return (mean - level.mean) / (Math.max(level.sd, 1e-9) / Math.sqrt(n));
}

/**
 * Where in an alert's window the change began. An alert's short window often starts before the
 * fault (it fires a few minutes in), so comparing the whole window dilutes every signal; the
 * analysis compares from the onset instead. Every bucket start (onsetBucketUs) is a candidate: the
 * onset is the one after which TTFT, TPOT, e2e, the error ratio or completions stand furthest
 * above the baseline's level, in standard errors (a step change peaks exactly where it begins).
 * Null unless that is at least 5 standard errors and 10 % above the level (2 points for errors).
 */
export async function locateOnset(
  store: Store,
  filter: Omit<RequestFilter, 'range'>,
  window: TimeRange,
  baseline: TimeRange,
): Promise<number | null> {
  const bucketUs = onsetBucketUs(window);
  const buckets = (range: TimeRange) =>
    store.aggregateRequests({
      ...filter,
      range,
      timeBy: 'completion',
      groupBy: [],
      bucketUs,
      measures: [
        { fn: 'count' },
        { fn: 'count', filter: { status: ['error', 'timeout'] }, as: 'errors' },
        { fn: 'avg', field: 'ttft_us' },
        { fn: 'avg', field: 'tpot_us' },
        { fn: 'avg', field: 'e2e_us' },
      ],
    });
  const [before, during] = await Promise.all([buckets(baseline), buckets(window)]);
  // Whole buckets only: a partial first or last bucket holds fewer completions than a healthy one.
  const whole = (rows: AggregateRow[], range: TimeRange) =>
    rows
      .map(bucketOf)
      .filter((b) => b.startUs >= range.fromUs && b.startUs + bucketUs <= range.toUs)
      .sort((a, b) => a.startUs - b.startUs);
  const healthy = whole(before, baseline);
  const candidates = whole(during, window);
  let best: { z: number; startUs: number } | null = null;
  for (const signal of SIGNALS) {
    const level = healthyLevel(healthy, signal);
    if (!level) continue;
    for (let i = 0; i < candidates.length; i++) {
      const z = shiftZ(candidates.slice(i), signal, level);
      if (z >= MIN_Z && z > (best?.z ?? 0)) best = { z, startUs: (candidates[i] as Bucket).startUs };
    }
  }
  return best ? Math.max(window.fromUs, best.startUs) : null;
}
