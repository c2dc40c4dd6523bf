import type { RequestDimension, Store, TimeRange } from '../../store/store.ts';
import { IDLE_COST_METRIC } from './replica-price.ts';

export interface LatencyCostQuery {
  range: TimeRange;
  by: RequestDimension;
  stepUs: number;
  where?: Partial<Record<RequestDimension, readonly string[]>>;
}

/** One bucket of one group: latency and dollars on the same time axis, for one chart. */
export interface LatencyCostPoint {
  group: string;
  bucketStartUs: number;
  requests: number;
  ttftP50Us: number | null;
  ttftP99Us: number | null;
  e2eP99Us: number | null;
  costUsd: number;
  usdPer1kTokens: number | null;
}

/** Spend that produced nothing useful, per bucket. */
export interface WastedSpendSeries {
  /** Requests that failed, timed out or were cancelled: their GPU time bought no answer. */
  failed: FailedSpendPoint[];
  /** Idle GPU time per cluster: allocated, billed, serving nobody. */
  idle: IdleSpendPoint[];
}

export interface FailedSpendPoint {
  group: string;
  status: (typeof WASTED_STATUSES)[number];
  bucketStartUs: number;
  requests: number;
  costUsd: number;
  /** Tokens processed for nothing (prompt + output). */
  tokens: number;
}

export interface IdleSpendPoint {
  cluster: string;
  bucketStartUs: number;
  idleCostUsd: number;
}

/**
 * Outcomes whose cost is wasted. A retried attempt is stored as its own failed request (the
 * gateway records each attempt), so retries are counted here; rejected requests never ran.
 */
export const WASTED_STATUSES = ['error', 'timeout', 'cancelled'] as const;

const MAX_BUCKETS = 10_000;

function checkStep(query: { range: TimeRange; stepUs: number }): void {
  if (!(query.stepUs > 0)) throw new RangeError('step must be positive');
  if ((query.range.toUs - query.range.fromUs) / query.stepUs > MAX_BUCKETS)
    throw new RangeError(`step too small: more than ${MAX_BUCKETS} buckets in the range`);
}

/** TTFT/e2e percentiles and cost per bucket, grouped by one dimension (the latency–cost chart). */
export async function latencyCostSeries(store: Store, query: LatencyCostQuery): Promise<LatencyCostPoint[]> {
  checkStep(query);
  const rows = await store.aggregateRequests({
    range: query.range,
    ...(query.where ? { where: query.where } : {}),
    groupBy: [query.by],
    bucketUs: query.stepUs,
    measures: [
      { fn: 'count' },
      { fn: 'quantile', field: 'ttft_us', q: 0.5 },
      { fn: 'quantile', field: 'ttft_us', q: 0.99 },
      { fn: 'quantile', field: 'e2e_us', q: 0.99 },
      { fn: 'sum', field: 'cost_usd' },
      { fn: 'sum', field: 'prompt_tokens' },
      { fn: 'sum', field: 'output_tokens' },
    ],
  });
  return rows
    .map((row) => {
      const tokens = (row.values.sum_prompt_tokens ?? 0) + (row.values.sum_output_tokens ?? 0);
      const costUsd = row.values.sum_cost_usd ?? 0;
      return {
        group: row.group[query.by] ?? '',
        bucketStartUs: row.bucketStartUs ?? query.range.fromUs,
        requests: row.values.count ?? 0,
        ttftP50Us: row.values.p50_ttft_us ?? null,
        ttftP99Us: row.values.p99_ttft_us ?? null,
        e2eP99Us: row.values.p99_e2e_us ?? null,
        costUsd,
        usdPer1kTokens: tokens > 0 ? (costUsd / tokens) * 1000 : null,
      };
    })
    .sort((a, b) => a.bucketStartUs - b.bucketStartUs || a.group.localeCompare(b.group));
}

/** Failed-request dollars per group, status and bucket, and idle dollars per cluster and bucket. */
export async function wastedSpendSeries(
  store: Store,
  query: {
    range: TimeRange;
    stepUs: number;
    by: RequestDimension;
    /** Only these requests (a team-scoped token); idle GPU time knows no team, so it is left out then. */
    where?: Partial<Record<RequestDimension, readonly string[]>>;
  },
): Promise<WastedSpendSeries> {
  checkStep(query);
  const [failedRows, idlePoints] = await Promise.all([
    store.aggregateRequests({
      range: query.range,
      where: { ...query.where, status: [...WASTED_STATUSES] },
      groupBy: query.by === 'status' ? ['status'] : [query.by, 'status'],
      bucketUs: query.stepUs,
      measures: [
        { fn: 'count' },
        { fn: 'sum', field: 'cost_usd' },
        { fn: 'sum', field: 'prompt_tokens' },
        { fn: 'sum', field: 'output_tokens' },
      ],
    }),
    query.where
      ? Promise.resolve([])
      : store.queryMetric({
          name: IDLE_COST_METRIC,
          range: query.range,
          groupBy: ['cluster'],
          stepUs: query.stepUs,
          aggregate: 'sum',
        }),
  ]);
  const failed = failedRows
    .map((row) => ({
      group: row.group[query.by] ?? '',
      status: row.group.status as FailedSpendPoint['status'],
      bucketStartUs: row.bucketStartUs ?? query.range.fromUs,
      requests: row.values.count ?? 0,
      costUsd: row.values.sum_cost_usd ?? 0,
      tokens: (row.values.sum_prompt_tokens ?? 0) + (row.values.sum_output_tokens ?? 0),
    }))
    .sort(
      (a, b) =>
        a.bucketStartUs - b.bucketStartUs ||
        a.group.localeCompare(b.group) ||
        a.status.localeCompare(b.status),
    );
  const idle = idlePoints
    .map((p) => ({ cluster: p.group.cluster ?? '', bucketStartUs: p.bucketStartUs, idleCostUsd: p.value }))
    .sort((a, b) => a.bucketStartUs - b.bucketStartUs || a.cluster.localeCompare(b.cluster));
  return { failed, idle };
}
