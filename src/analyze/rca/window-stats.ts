import type { AggregateRow, Measure, RequestFilter, Store, TimeRange } from '../../store/store.ts';
import { arrivalRateFromEngines } from './arrival-rate.ts';

/** What the requests of one window looked like (the RCA compares a window with a baseline). */
export interface WindowStats {
  /** Requests that completed in the window. */
  count: number;
  /** Arrivals per second: completions plus the engines' in-flight growth, else stored arrivals. */
  ratePerSecond: number;
  errorRatio: number;
  queueUs: number | null;
  prefillUs: number | null;
  decodeUs: number | null;
  ttftUs: number | null;
  tpotUs: number | null;
  /** Prompt tokens per completed (ok) request. */
  promptTokens: number | null;
  /** Prompt + output tokens per completed (ok) request. */
  tokensPerRequest: number | null;
  /** Share of prompt tokens served from the prefix cache. */
  cachedShare: number | null;
  preemptionsPerRequest: number | null;
  /** Mean queue + prefill + decode: the engine's own time; null unless all three are known. */
  engineUs: number | null;
  /**
   * Mean time outside the engine's queue, prefill and decode (e2e less engineUs): the gateway,
   * routing, network, the engine's front end and streaming the answer out.
   */
  outsideEngineUs: number | null;
}

const MINUTE_US = 60e6;

const COMPLETED = { status: ['ok'] } as const;

const MEASURES: Measure[] = [
  { fn: 'count' },
  { fn: 'count', filter: { status: ['error', 'timeout'] }, as: 'errors' },
  { fn: 'avg', field: 'queue_us' },
  { fn: 'avg', field: 'prefill_us' },
  { fn: 'avg', field: 'decode_us' },
  { fn: 'avg', field: 'ttft_us' },
  { fn: 'avg', field: 'tpot_us' },
  // A failed request's tokens were never counted (stored as 0): tokens are per completed request.
  { fn: 'count', filter: COMPLETED, as: 'completed' },
  { fn: 'sum', field: 'prompt_tokens', filter: COMPLETED, as: 'prompt' },
  { fn: 'sum', field: 'output_tokens', filter: COMPLETED, as: 'output' },
  { fn: 'sum', field: 'cached_prompt_tokens', filter: COMPLETED, as: 'cached' },
  { fn: 'sum', field: 'preemptions' },
  { fn: 'avg', field: 'e2e_us' },
];

/**
 * Arrivals per second of the stored requests, from the first minute that had any (a range
 * reaching back before the data began is not idle). Requests that arrived in the range's last
 * seconds are mostly still running (not stored yet): arrivals are counted up to a mean request's
 * length before the end — a lower bound while a backlog builds (arrival-rate.ts does better when
 * the engines report their gauges).
 */
async function storedArrivalRate(
  store: Store,
  filter: Omit<RequestFilter, 'range'>,
  range: TimeRange,
  meanE2eUs: number | null,
): Promise<number> {
  const lagUs = Math.min(meanE2eUs ?? 0, (range.toUs - range.fromUs) / 2);
  const settled = { fromUs: range.fromUs, toUs: range.toUs - lagUs };
  const minutes = await store.aggregateRequests({
    ...filter,
    range: settled,
    timeBy: 'arrival',
    groupBy: [],
    bucketUs: MINUTE_US,
    measures: [{ fn: 'count' }],
  });
  const first = minutes[0]?.bucketStartUs;
  if (first === undefined) return 0;
  const count = minutes.reduce((sum, m) => sum + (m.values.count ?? 0), 0);
  return count / ((settled.toUs - Math.max(settled.fromUs, first)) / 1e6);
}

/**
 * Latency, tokens and errors of the requests that completed in the range (slow requests count
 * when they end, so a backlog shows in full), and the arrival rate of those that arrived in it.
 */
export async function windowStats(
  store: Store,
  filter: Omit<RequestFilter, 'range'>,
  range: TimeRange,
): Promise<WindowStats> {
  const [row] = await store.aggregateRequests({
    ...filter,
    range,
    timeBy: 'completion',
    groupBy: [],
    measures: MEASURES,
  });
  const v = (key: string) => row?.values[key] ?? null;
  const count = v('count') ?? 0;
  const completed = v('completed') ?? 0;
  const prompt = v('prompt') ?? 0;
  const output = v('output') ?? 0;
  const [queue, prefill, decode, e2e] = [
    v('avg_queue_us'),
    v('avg_prefill_us'),
    v('avg_decode_us'),
    v('avg_e2e_us'),
  ];
  const engineUs = queue !== null && prefill !== null && decode !== null ? queue + prefill + decode : null;
  return {
    count,
    ratePerSecond:
      (await arrivalRateFromEngines(store, filter, range, count)) ??
      (await storedArrivalRate(store, filter, range, v('avg_e2e_us'))),
    errorRatio: count > 0 ? (v('errors') ?? 0) / count : 0,
    queueUs: queue,
    prefillUs: prefill,
    decodeUs: decode,
    ttftUs: v('avg_ttft_us'),
    tpotUs: v('avg_tpot_us'),
    promptTokens: completed > 0 ? prompt / completed : null,
    tokensPerRequest: completed > 0 ? (prompt + output) / completed : null,
    cachedShare: prompt > 0 ? (v('cached') ?? 0) / prompt : null,
    preemptionsPerRequest: count > 0 ? (v('sum_preemptions') ?? 0) / count : null,
    engineUs,
    outsideEngineUs: e2e !== null && engineUs !== null ? Math.max(0, e2e - engineUs) : null,
  };
}

/**
 * The tenant whose prompt tokens grew most while its prompts were served least from cache, among
 * those whose share of requests grew and whose prompts hit the cache at most half as often as
 * everyone else's.
 */
export async function cacheUnfriendlyTenant(
  store: Store,
  filter: Omit<RequestFilter, 'range'>,
  window: TimeRange,
  baseline: TimeRange,
): Promise<{ tenant: string; promptShare: number; cachedShare: number } | null> {
  const byTenant = (range: TimeRange) =>
    store.aggregateRequests({
      ...filter,
      range,
      timeBy: 'completion',
      groupBy: ['tenant'],
      measures: [
        { fn: 'count' },
        { fn: 'sum', field: 'prompt_tokens' },
        { fn: 'sum', field: 'cached_prompt_tokens' },
      ],
    });
  const [now, before] = await Promise.all([byTenant(window), byTenant(baseline)]);
  const sum = (rows: AggregateRow[], key: string) => rows.reduce((s, r) => s + (r.values[key] ?? 0), 0);
  const total = sum(now, 'sum_prompt_tokens');
  const totalBefore = sum(before, 'sum_prompt_tokens');
  const [requests, requestsBefore] = [sum(now, 'count'), sum(before, 'count')];
  let best: { tenant: string; promptShare: number; cachedShare: number; growth: number } | null = null;
  for (const r of now) {
    const prompt = r.values.sum_prompt_tokens ?? 0;
    if (total === 0 || prompt === 0) continue;
    const share = prompt / total;
    const was = before.find((b) => b.group.tenant === r.group.tenant);
    const shareBefore = totalBefore > 0 ? (was?.values.sum_prompt_tokens ?? 0) / totalBefore : 0;
    const cached = (r.values.sum_cached_prompt_tokens ?? 0) / prompt;
    const growth = (share - shareBefore) * (1 - cached);
    // The tenant sends more of the requests, not only longer ones (longer prompts for everyone
    // shift token shares between tenants too).
    const requestShare = (r.values.count ?? 0) / Math.max(1, requests);
    const requestShareBefore = requestsBefore > 0 ? (was?.values.count ?? 0) / requestsBefore : 0;
    if (requestShare - requestShareBefore < 0.03) continue;
    // Its prompts are the uncached ones: well below everyone else's cached share.
    const othersPrompt = total - prompt;
    const othersCached =
      othersPrompt > 0
        ? (sum(now, 'sum_cached_prompt_tokens') - (r.values.sum_cached_prompt_tokens ?? 0)) / othersPrompt
        : 0;
    if (othersPrompt > 0 && cached > 0.5 * othersCached) continue;
    if (growth > (best?.growth ?? 0.05))
      best = { tenant: r.group.tenant ?? '', promptShare: share, cachedShare: cached, growth };
  }
  return best ? { tenant: best.tenant, promptShare: best.promptShare, cachedShare: best.cachedShare } : null;
}
