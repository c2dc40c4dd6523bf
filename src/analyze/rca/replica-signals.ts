import { engineActiveByGpu } from '../gpu-activity.ts';
import type { RequestFilter, Store, TimeRange } from '../../store/store.ts';

/** One replica in a window against the baseline: its traffic share, errors, latency and GPUs. */
export interface ReplicaSignal {
  replica: string;
  gpuCount: number;
  shareBefore: number;
  shareAfter: number;
  errors: number;
  count: number;
  e2eUs: number | null;
  /**
   * Longest stretch of the window (µs) in which the replica completed nothing while its peers kept
   * completing requests, and the same in the baseline: a crash or restart shorter than the window
   * shows here even when the window's totals hide it.
   */
  stallUs: number;
  stallBeforeUs: number;
  /** Spread (max − min) of its GPUs' engine-active ratio: one slow GPU makes the rest wait. */
  gpuSpreadBefore: number | null;
  gpuSpreadAfter: number | null;
}

async function gpuSpread(store: Store, replicas: string[], range: TimeRange): Promise<Map<string, number>> {
  const active = await engineActiveByGpu(store, replicas, range);
  return new Map(
    [...active].filter(([, v]) => v.length > 1).map(([r, v]) => [r, Math.max(...v) - Math.min(...v)]),
  );
}

export async function replicaSignals(
  store: Store,
  filter: Omit<RequestFilter, 'range'>,
  window: TimeRange,
  baseline: TimeRange,
): Promise<ReplicaSignal[]> {
  const rows = (range: TimeRange) =>
    store.aggregateRequests({
      ...filter,
      range,
      // By completion: requests a crash fails count when they fail.
      timeBy: 'completion',
      groupBy: ['replica'],
      measures: [
        { fn: 'count' },
        { fn: 'count', filter: { status: ['error', 'timeout'] }, as: 'errors' },
        { fn: 'avg', field: 'e2e_us' },
        { fn: 'max', field: 'gpu_count' },
      ],
    });
  const [now, before] = await Promise.all([rows(window), rows(baseline)]);
  const replicas = [...new Set([...now, ...before].map((r) => r.group.replica ?? ''))];
  const [spreadNow, spreadBefore] = await Promise.all([
    gpuSpread(store, replicas, window),
    gpuSpread(store, replicas, baseline),
  ]);
  const [stallsNow, stallsBefore] = await Promise.all([
    stalls(store, filter, window),
    stalls(store, filter, baseline),
  ]);
  const total = (rs: typeof now) => rs.reduce((s, r) => s + (r.values.count ?? 0), 0);
  const totalNow = total(now);
  const totalBefore = total(before);
  return replicas.map((replica) => {
    const a = now.find((r) => r.group.replica === replica);
    const b = before.find((r) => r.group.replica === replica);
    return {
      replica,
      gpuCount: a?.values.max_gpu_count ?? b?.values.max_gpu_count ?? 1,
      shareBefore: totalBefore > 0 ? (b?.values.count ?? 0) / totalBefore : 0,
      shareAfter: totalNow > 0 ? (a?.values.count ?? 0) / totalNow : 0,
      errors: a?.values.errors ?? 0,
      count: a?.values.count ?? 0,
      e2eUs: a?.values.avg_e2e_us ?? null,
      stallUs: stallsNow.get(replica) ?? 0,
      stallBeforeUs: stallsBefore.get(replica) ?? 0,
      gpuSpreadBefore: spreadBefore.get(replica) ?? null,
      gpuSpreadAfter: spreadNow.get(replica) ?? null,
    };
  });
}

/** Completions are counted in buckets this wide to find stalls. */
const STALL_BUCKET_US = 10e6;
/** A bucket counts as a stall only when the replica's peers completed at least this many requests in it. */
const PEER_COMPLETIONS_FOR_STALL = 3;

/** Per replica, the longest run of buckets in which it completed nothing while its peers did. */
async function stalls(
  store: Store,
  filter: Omit<RequestFilter, 'range'>,
  range: TimeRange,
): Promise<Map<string, number>> {
  const rows = await store.aggregateRequests({
    ...filter,
    range,
    timeBy: 'completion',
    groupBy: ['replica'],
    bucketUs: STALL_BUCKET_US,
    measures: [{ fn: 'count', filter: { status: ['ok'] }, as: 'ok' }],
  });
  const replicas = [...new Set(rows.map((r) => r.group.replica ?? ''))];
  const okAt = new Map<string, number>();
  const totalAt = new Map<number, number>();
  for (const r of rows) {
    const ok = r.values.ok ?? 0;
    okAt.set(`${r.group.replica ?? ''}@${r.bucketStartUs ?? 0}`, ok);
    totalAt.set(r.bucketStartUs ?? 0, (totalAt.get(r.bucketStartUs ?? 0) ?? 0) + ok);
  }
  const first = Math.floor(range.fromUs / STALL_BUCKET_US) * STALL_BUCKET_US;
  const longest = new Map<string, number>();
  for (const replica of replicas) {
    let run = 0;
    let best = 0;
    for (let b = first; b < range.toUs; b += STALL_BUCKET_US) {
      const own = okAt.get(`${replica}@${b}`) ?? 0;
      const peers = (totalAt.get(b) ?? 0) - own;
      run = own === 0 && peers >= PEER_COMPLETIONS_FOR_STALL ? run + 1 : 0;
      best = Math.max(best, run);
    }
    longest.set(replica, best * STALL_BUCKET_US);
  }
  return longest;
}

/** Peak KV-cache usage (mean over replicas) and preemptions (increases summed), from scraped metrics. */
export async function kvSignals(
  store: Store,
  replicas: string[],
  range: TimeRange,
): Promise<{ kvUsage: number | null; preemptions: number }> {
  const step = Math.max(1, range.toUs - range.fromUs);
  const [usage, preemptions] = await Promise.all([
    store.queryMetric({
      name: 'llm.kv_cache.usage',
      range,
      where: { replica: replicas },
      stepUs: step,
      aggregate: 'max',
    }),
    store.queryMetric({
      name: 'llm.preemptions',
      range,
      where: { replica: replicas },
      stepUs: step,
      aggregate: 'sum',
    }),
  ]);
  return {
    kvUsage: usage.length > 0 ? usage.reduce((s, p) => s + p.value, 0) / usage.length : null,
    preemptions: preemptions.reduce((s, p) => s + p.value, 0),
  };
}
