import type { RequestDimension, Store, TimeRange } from '../store/store.ts';
import type { PriceBook } from './cost/price-book.ts';

export const KV_REPORT_DIMENSIONS = ['tenant', 'team', 'prompt_family', 'model', 'replica'] as const;
export type KvReportDimension = (typeof KV_REPORT_DIMENSIONS)[number];

export interface KvCacheRow {
  group: string;
  requests: number;
  promptTokens: number;
  /** Prompt tokens served from the prefix cache (not recomputed). */
  cachedTokens: number;
  /** cachedTokens ÷ promptTokens; null without prompt tokens. */
  hitRate: number | null;
  /** What the cached tokens would have cost to compute (docs/cost.md). */
  savingsUsd: number;
  /**
   * The GPU time those savings are: each request's saving ÷ its GPU type's $/GPU-hour. Null
   * without a price book; savings on GPU types it cannot price stay in dollars only.
   */
  gpuHoursSaved: number | null;
}

export interface ReplicaKvPressure {
  replica: string;
  /** Peak and mean KV-cache usage (0–1) from the engine's own gauge. */
  peakUsage: number | null;
  meanUsage: number | null;
  preemptions: number;
  /**
   * Mean residency of the engine's sampled KV blocks in the window (vLLM `--kv-cache-metrics`):
   * null when the engine does not export it.
   */
  residency: KvResidency | null;
  /**
   * high: the cache fills and sequences are preempted; watch: it nearly fills, or cached blocks
   * are evicted sooner after their last use than blocks are typically reused (the cache is too
   * small for the reuse pattern: hits are being lost); ok.
   */
  evictionRisk: 'high' | 'watch' | 'ok';
}

export interface KvResidency {
  /** Mean seconds from a block's allocation to its eviction. */
  lifetimeS: number | null;
  /** Mean seconds from a block's last access to its eviction. */
  idleBeforeEvictS: number | null;
  /** Mean seconds between consecutive accesses of a cached block. */
  reuseGapS: number | null;
  /** Sampled evictions behind the means (the engine samples a share of blocks). */
  sampledEvictions: number;
}

const RESIDENCY_METRICS = {
  lifetimeS: 'llm.kv_cache.block_lifetime',
  idleBeforeEvictS: 'llm.kv_cache.block_idle_before_evict',
  reuseGapS: 'llm.kv_cache.block_reuse_gap',
} as const;

/** Per replica, each residency histogram's Δsum ÷ Δcount over the range (increases are stored per scrape). */
async function residencyByReplica(store: Store, range: TimeRange): Promise<Map<string, KvResidency>> {
  const step = Math.max(1, range.toUs - range.fromUs);
  const perReplica = async (name: string, stat: 'sum' | 'count') => {
    const points = await store.queryMetric({
      name,
      range,
      labels: { stat },
      groupBy: ['replica'],
      stepUs: step,
      aggregate: 'sum',
    });
    const totals = new Map<string, number>();
    for (const p of points)
      totals.set(p.group.replica ?? '', (totals.get(p.group.replica ?? '') ?? 0) + p.value);
    return totals;
  };
  const entries = Object.entries(RESIDENCY_METRICS) as [keyof typeof RESIDENCY_METRICS, string][];
  const fetched = await Promise.all(
    entries.map(async ([key, name]) => ({
      key,
      sums: await perReplica(name, 'sum'),
      counts: await perReplica(name, 'count'),
    })),
  );
  const out = new Map<string, KvResidency>();
  for (const { key, sums, counts } of fetched)
    for (const [replica, count] of counts) {
      const row = out.get(replica) ?? {
        lifetimeS: null,
        idleBeforeEvictS: null,
        reuseGapS: null,
        sampledEvictions: 0,
      };
      row[key] = count > 0 ? (sums.get(replica) ?? 0) / count : null;
      if (key === 'lifetimeS') row.sampledEvictions = count;
      out.set(replica, row);
    }
  return out;
}

export interface KvCacheReport {
  range: TimeRange;
  by: KvReportDimension;
  rows: KvCacheRow[];
  totals: Omit<KvCacheRow, 'group'>;
  replicas: ReplicaKvPressure[];
}

/**
 * Prefix-cache use by tenant, team, prompt family, model or replica from stored requests (cached
 * prompt tokens and the savings priced per request), and each replica's KV pressure from the
 * scraped KV-usage gauge and preemption counter. Prompt families are hashes of the leading prompt
 * blocks (no prompt text).
 */
export async function kvCacheReport(
  store: Store,
  query: {
    range: TimeRange;
    by: KvReportDimension;
    where?: Partial<Record<RequestDimension, readonly string[]>>;
  },
  prices?: PriceBook,
): Promise<KvCacheReport> {
  // Grouped by hardware too, so each part of the savings is turned into GPU time at its own price.
  const rows = await store.aggregateRequests({
    range: query.range,
    ...(query.where ? { where: query.where } : {}),
    groupBy: [query.by, 'gpu_type', 'cluster'],
    measures: [
      { fn: 'count' },
      { fn: 'sum', field: 'prompt_tokens' },
      { fn: 'sum', field: 'cached_prompt_tokens' },
      { fn: 'sum', field: 'cache_savings_usd' },
    ],
  });
  const groups = new Map<string, KvCacheRow>();
  for (const r of rows) {
    const group = r.group[query.by] ?? '';
    const v = r.values;
    const row = groups.get(group) ?? {
      group,
      requests: 0,
      promptTokens: 0,
      cachedTokens: 0,
      hitRate: null,
      savingsUsd: 0,
      gpuHoursSaved: prices ? 0 : null,
    };
    const saved = v.sum_cache_savings_usd ?? 0;
    row.requests += v.count ?? 0;
    row.promptTokens += v.sum_prompt_tokens ?? 0;
    row.cachedTokens += v.sum_cached_prompt_tokens ?? 0;
    row.savingsUsd += saved;
    const perGpuHour =
      prices && saved > 0 ? prices.findUsdPerGpuHour(r.group.gpu_type ?? '', r.group.cluster) : null;
    // A GPU type with no price: its savings stay in dollars only.
    if (row.gpuHoursSaved !== null && perGpuHour !== null) row.gpuHoursSaved += saved / perGpuHour;
    row.hitRate = row.promptTokens > 0 ? row.cachedTokens / row.promptTokens : null;
    groups.set(group, row);
  }
  const out = [...groups.values()].sort((a, b) => b.promptTokens - a.promptTokens);
  const sum = (key: 'requests' | 'promptTokens' | 'cachedTokens' | 'savingsUsd') =>
    out.reduce((s, r) => s + r[key], 0);
  const promptTokens = sum('promptTokens');
  const cachedTokens = sum('cachedTokens');
  const step = Math.max(1, query.range.toUs - query.range.fromUs);
  const metric = (name: string, aggregate: 'max' | 'avg' | 'sum') =>
    store.queryMetric({ name, range: query.range, groupBy: ['replica'], stepUs: step, aggregate });
  const [peak, mean, preempted, residency] = await Promise.all([
    metric('llm.kv_cache.usage', 'max'),
    metric('llm.kv_cache.usage', 'avg'),
    metric('llm.preemptions', 'sum'),
    residencyByReplica(store, query.range),
  ]);
  const names = [...new Set([...peak, ...preempted].map((p) => p.group.replica ?? ''))].sort();
  const value = (points: typeof peak, replica: string) =>
    points
      .filter((p) => p.group.replica === replica)
      .reduce<number | null>((m, p) => Math.max(m ?? 0, p.value), null);
  const replicas = names.map((replica): ReplicaKvPressure => {
    const peakUsage = value(peak, replica);
    const preemptions = preempted.filter((p) => p.group.replica === replica).reduce((s, p) => s + p.value, 0);
    const r = residency.get(replica) ?? null;
    const evictedBeforeReuse =
      r?.idleBeforeEvictS != null && r.reuseGapS != null && r.idleBeforeEvictS < r.reuseGapS;
    return {
      replica,
      peakUsage,
      meanUsage: value(mean, replica),
      preemptions,
      residency: r,
      evictionRisk:
        preemptions > 0 && (peakUsage ?? 0) >= 0.9
          ? 'high'
          : (peakUsage ?? 0) >= 0.8 || evictedBeforeReuse
            ? 'watch'
            : 'ok',
    };
  });
  return {
    range: query.range,
    by: query.by,
    rows: out,
    totals: {
      requests: sum('requests'),
      promptTokens,
      cachedTokens,
      hitRate: promptTokens > 0 ? cachedTokens / promptTokens : null,
      savingsUsd: sum('savingsUsd'),
      gpuHoursSaved: prices ? out.reduce((s, r) => s + (r.gpuHoursSaved ?? 0), 0) : null,
    },
    replicas,
  };
}
