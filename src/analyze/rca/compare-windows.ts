import type { AggregateRow, Measure, RequestFilter, Store, TimeRange } from '../../store/store.ts';

/**
 * Window-against-baseline root-cause ranking over stored requests: what changed between a
 * healthy period and a bad one, and which known cause explains it best. Each cause comes with the
 * metrics that support it (before, after, ratio) so a reader can check the claim.
 */
export const CAUSES = [
  'queue_saturation',
  'kv_pressure',
  'prefix_cache_miss',
  'prefill_bottleneck',
  'decode_bottleneck',
  'replica_outlier',
  'error_spike',
] as const;
export type Cause = (typeof CAUSES)[number];

export const CAUSE_TITLES: Record<Cause, string> = {
  queue_saturation: 'queue saturation',
  kv_pressure: 'KV-cache pressure (preemptions)',
  prefix_cache_miss: 'prefix-cache misses',
  prefill_bottleneck: 'prefill bottleneck (longer prompts)',
  decode_bottleneck: 'decode bottleneck',
  replica_outlier: 'one replica diverges',
  error_spike: 'error spike',
};

export interface Evidence {
  metric: string;
  unit: string;
  before: number | null;
  after: number | null;
  /** after ÷ before, null when before is 0 or unknown. */
  ratio: number | null;
}

export interface RankedCause {
  cause: Cause;
  /** 0–1: how much of the change this cause explains, times how strong its signal is. */
  score: number;
  summary: string;
  evidence: Evidence[];
  /** The replica concerned, for replica_outlier. */
  replica?: string;
}

/** How the latency increase splits between queue, prefill and decode (shares of the positive deltas). */
export interface PhaseShares {
  queue: number;
  prefill: number;
  decode: number;
}

export interface WindowComparison {
  window: TimeRange;
  baseline: TimeRange;
  phases: PhaseShares | null;
  causes: RankedCause[];
}

const MEASURES: Measure[] = [
  { fn: 'count' },
  { fn: 'count', filter: { status: ['error', 'timeout'] }, as: 'errors' },
  { fn: 'avg', field: 'queue_us' },
  { fn: 'avg', field: 'prefill_us' },
  { fn: 'avg', field: 'decode_us' },
  { fn: 'avg', field: 'ttft_us' },
  { fn: 'avg', field: 'tpot_us' },
  { fn: 'avg', field: 'prompt_tokens' },
  { fn: 'sum', field: 'prompt_tokens' },
  { fn: 'sum', field: 'cached_prompt_tokens' },
  { fn: 'sum', field: 'preemptions' },
];

interface WindowStats {
  count: number;
  ratePerSecond: number;
  errorRatio: number;
  queueUs: number | null;
  prefillUs: number | null;
  decodeUs: number | null;
  ttftUs: number | null;
  tpotUs: number | null;
  promptTokens: number | null;
  cachedShare: number | null;
  preemptionsPerRequest: number | null;
}

/**
 * Latency, tokens and errors of the requests that completed in the range (slow requests count
 * when they end, so a backlog shows in full), and the arrival rate of those that arrived in it
 * (a lower bound while requests are still running: the store only holds finished ones).
 */
const MINUTE_US = 60e6;

/** Arrivals per second from the first minute that had any (a range reaching back before the data began is not idle). */
function arrivalRate(minutes: readonly AggregateRow[], range: TimeRange): number {
  const first = minutes[0]?.bucketStartUs;
  if (first === undefined) return 0;
  const count = minutes.reduce((sum, m) => sum + (m.values.count ?? 0), 0);
  return count / ((range.toUs - Math.max(range.fromUs, first)) / 1e6);
}

async function windowStats(store: Store, filter: RequestFilter, range: TimeRange): Promise<WindowStats> {
  const [[row], arrived] = await Promise.all([
    store.aggregateRequests({ ...filter, range, timeBy: 'completion', groupBy: [], measures: MEASURES }),
    store.aggregateRequests({
      ...filter,
      range,
      timeBy: 'arrival',
      groupBy: [],
      bucketUs: MINUTE_US,
      measures: [{ fn: 'count' }],
    }),
  ]);
  const v = (key: string) => row?.values[key] ?? null;
  const count = v('count') ?? 0;
  const prompt = v('sum_prompt_tokens') ?? 0;
  return {
    count,
    ratePerSecond: arrivalRate(arrived, range),
    errorRatio: count > 0 ? (v('errors') ?? 0) / count : 0,
    queueUs: v('avg_queue_us'),
    prefillUs: v('avg_prefill_us'),
    decodeUs: v('avg_decode_us'),
    ttftUs: v('avg_ttft_us'),
    tpotUs: v('avg_tpot_us'),
    promptTokens: v('avg_prompt_tokens'),
    cachedShare: prompt > 0 ? (v('sum_cached_prompt_tokens') ?? 0) / prompt : null,
    preemptionsPerRequest: count > 0 ? (v('sum_preemptions') ?? 0) / count : null,
  };
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

function evidence(metric: string, unit: string, before: number | null, after: number | null): Evidence {
  const ratio = before !== null && after !== null && before > 0 ? after / before : null;
  return { metric, unit, before, after, ratio };
}

function describe(e: Evidence): string {
  const fmt = (x: number | null) => {
    if (x === null) return '?';
    if (e.unit === 'ms') return `${Math.round(x)} ms`;
    if (e.unit === '%') return `${(x * 100).toFixed(1)} %`;
    return `${Number(x.toPrecision(3))}${e.unit ? ` ${e.unit}` : ''}`;
  };
  const ratio = e.ratio === null ? '' : ` ${e.ratio.toFixed(1)}×`;
  return `${e.metric}${ratio} (${fmt(e.before)} → ${fmt(e.after)})`;
}

function cause(c: Cause, score: number, items: Evidence[], extra: Partial<RankedCause> = {}): RankedCause {
  return {
    cause: c,
    score,
    evidence: items,
    summary: `${CAUSE_TITLES[c]}: ${items.map(describe).join(', ')}`,
    ...extra,
  };
}

const ms = (us: number | null) => (us === null ? null : us / 1000);
const positive = (after: number | null, before: number | null) =>
  after !== null && before !== null ? Math.max(0, after - before) : 0;

/** The replica whose errors or latency stand out from its peers in the window, if one does. */
async function replicaOutlier(
  store: Store,
  filter: RequestFilter,
  window: TimeRange,
): Promise<RankedCause | null> {
  const rows = await store.aggregateRequests({
    ...filter,
    range: window,
    groupBy: ['replica'],
    measures: [
      { fn: 'count' },
      { fn: 'count', filter: { status: ['error', 'timeout'] }, as: 'errors' },
      { fn: 'avg', field: 'e2e_us' },
    ],
  });
  if (rows.length < 2) return null;
  const stats = rows.map((r) => ({
    replica: r.group.replica ?? '',
    count: r.values.count ?? 0,
    errors: r.values.errors ?? 0,
    e2eUs: r.values.avg_e2e_us ?? null,
  }));
  let best: RankedCause | null = null;
  for (const s of stats) {
    const peers = stats.filter((p) => p !== s);
    const peerCount = peers.reduce((a, p) => a + p.count, 0);
    const peerErrors = peers.reduce((a, p) => a + p.errors, 0);
    const peerE2e = peers.reduce((a, p) => a + (p.e2eUs ?? 0) * p.count, 0) / Math.max(1, peerCount);
    const errorRatio = s.count > 0 ? s.errors / s.count : 0;
    const peerErrorRatio = peerCount > 0 ? peerErrors / peerCount : 0;
    const totalErrors = s.errors + peerErrors;
    // Errors: most of them on this replica while its peers are mostly fine.
    const errorScore =
      totalErrors >= 5 ? clamp01(s.errors / totalErrors - 1 / stats.length) * clamp01(errorRatio * 5) : 0;
    // Latency: this replica's mean end-to-end latency well above its peers'.
    const latencyRatio = s.e2eUs !== null && peerE2e > 0 ? s.e2eUs / peerE2e : 1;
    const latencyScore = s.count >= 5 ? clamp01((latencyRatio - 1.3) / 1.5) : 0;
    const score = Math.max(errorScore, latencyScore);
    if (score > (best?.score ?? 0))
      best = cause(
        'replica_outlier',
        score,
        [
          evidence(`${s.replica} vs peers: error ratio`, '%', peerErrorRatio, errorRatio),
          evidence(`${s.replica} vs peers: mean e2e`, 'ms', ms(peerE2e), ms(s.e2eUs)),
        ],
        { replica: s.replica },
      );
  }
  return best;
}

/**
 * Compares a window with a baseline over the requests `filter` selects and ranks causes, best
 * first; causes with no supporting change are left out. The scores are heuristics (documented in
 * docs/slo.md) that the analysis suite tunes against the simulator's recorded faults.
 */
export async function compareWindows(
  store: Store,
  filter: Omit<RequestFilter, 'range'>,
  window: TimeRange,
  baseline: TimeRange,
): Promise<WindowComparison> {
  const full = { ...filter, range: window };
  const [before, after] = await Promise.all([
    windowStats(store, full, baseline),
    windowStats(store, full, window),
  ]);
  const dq = positive(after.queueUs, before.queueUs);
  const dp = positive(after.prefillUs, before.prefillUs);
  const dd = positive(after.decodeUs, before.decodeUs);
  const dTotal = dq + dp + dd;
  const phases = dTotal > 0 ? { queue: dq / dTotal, prefill: dp / dTotal, decode: dd / dTotal } : null;
  const causes: RankedCause[] = [];
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : 1);

  const queueRatio = ratio(after.queueUs, before.queueUs);
  const preemptRise = (after.preemptionsPerRequest ?? 0) - (before.preemptionsPerRequest ?? 0);
  // More arrivals than before: under continuous batching a load spike first swells the batch
  // (every decode step slows), then fills the queue, so both count toward saturation.
  const load = clamp01((ratio(after.ratePerSecond, before.ratePerSecond) - 1) / 2);
  const queueing = phases ? phases.queue * clamp01((queueRatio - 1) / 3) : 0;
  const swelling = phases ? load * (phases.queue + phases.decode) : 0;
  if (queueing > 0.05 || swelling > 0.05) {
    const kvShare = clamp01(preemptRise / 0.3);
    causes.push(
      cause('queue_saturation', Math.max(queueing, swelling) * (1 - 0.5 * kvShare), [
        evidence('queue time', 'ms', ms(before.queueUs), ms(after.queueUs)),
        evidence('arrival rate', 'req/s', before.ratePerSecond, after.ratePerSecond),
      ]),
    );
  }
  if (preemptRise > 0.02)
    causes.push(
      cause('kv_pressure', clamp01(preemptRise / 0.3) * Math.max(0.5, phases?.queue ?? 0), [
        evidence('preemptions per request', '', before.preemptionsPerRequest, after.preemptionsPerRequest),
        evidence('queue time', 'ms', ms(before.queueUs), ms(after.queueUs)),
      ]),
    );
  const cacheDrop = (before.cachedShare ?? 0) - (after.cachedShare ?? 0);
  if (cacheDrop > 0.1 && phases && phases.prefill > 0.2)
    causes.push(
      cause('prefix_cache_miss', clamp01(cacheDrop / 0.4) * phases.prefill, [
        evidence('prefix-cache hit share', '%', before.cachedShare, after.cachedShare),
        evidence('prefill time', 'ms', ms(before.prefillUs), ms(after.prefillUs)),
      ]),
    );
  const promptRatio = ratio(after.promptTokens, before.promptTokens);
  if (phases && phases.prefill > 0.3 && promptRatio > 1.3)
    causes.push(
      cause('prefill_bottleneck', phases.prefill * clamp01((promptRatio - 1) / 2), [
        evidence('prompt tokens per request', '', before.promptTokens, after.promptTokens),
        evidence('prefill time', 'ms', ms(before.prefillUs), ms(after.prefillUs)),
      ]),
    );
  const tpotRatio = ratio(after.tpotUs, before.tpotUs);
  if (phases && phases.decode > 0.3 && tpotRatio > 1.2)
    causes.push(
      cause('decode_bottleneck', phases.decode * clamp01((tpotRatio - 1) / 1) * (1 - load), [
        evidence('time per output token', 'ms', ms(before.tpotUs), ms(after.tpotUs)),
        evidence('decode time', 'ms', ms(before.decodeUs), ms(after.decodeUs)),
      ]),
    );
  const outlier = await replicaOutlier(store, full, window);
  if (outlier) causes.push(outlier);
  const errorRise = after.errorRatio - before.errorRatio;
  if (errorRise > 0.01)
    causes.push(
      cause('error_spike', clamp01(errorRise / 0.2) * 0.6, [
        evidence('error ratio', '%', before.errorRatio, after.errorRatio),
      ]),
    );
  causes.sort((a, b) => b.score - a.score);
  return { window, baseline, phases, causes };
}
