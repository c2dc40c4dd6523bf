import type { InferenceRequest, RequestStatus } from '../model/request.ts';
import type { Span, SpanKind } from '../model/span.ts';
import type { MetricSample } from '../model/metric-sample.ts';
import type { OpsEvent, OpsEventKind } from '../model/ops-event.ts';

/** Half-open time range [fromUs, toUs) in epoch microseconds. */
export interface TimeRange {
  fromUs: number;
  toUs: number;
}

export const REQUEST_DIMENSIONS = [
  'tenant',
  'team',
  'cluster',
  'namespace',
  'workload',
  'model',
  'engine',
  'replica',
  'node',
  'gpu_type',
  'status',
  'error_class',
  'prompt_family',
] as const;
export type RequestDimension = (typeof REQUEST_DIMENSIONS)[number];

export const REQUEST_NUMERIC_FIELDS = [
  'ttft_us',
  'ttft_visible_us',
  'e2e_us',
  'queue_us',
  'prefill_us',
  'decode_us',
  'tpot_us',
  'prompt_tokens',
  'cached_prompt_tokens',
  'output_tokens',
  'reasoning_tokens',
  'retries',
  'preemptions',
  'cost_usd',
  'cache_savings_usd',
  'gpu_count',
] as const;
export type RequestNumericField = (typeof REQUEST_NUMERIC_FIELDS)[number];

/**
 * Requests are placed in time by arrival, or by completion (when their outcome became known:
 * finish time, or arrival for a request refused on arrival). Completion is what SLO events use,
 * like a Prometheus counter incremented when a request ends; a request is found by completion
 * only if it completed within COMPLETION_LAG_US of arriving (the arrival bound keeps scans pruned).
 */
export type RequestTime = 'arrival' | 'completion';
export const COMPLETION_LAG_US = 3_600_000_000;

export interface RequestFilter {
  range: TimeRange;
  /** What `range` (and bucketing) applies to; default arrival. */
  timeBy?: RequestTime;
  /** Each listed dimension must equal one of the given values. */
  where?: Partial<Record<RequestDimension, readonly string[]>>;
  /** Only requests whose field is at least this value (e.g. slow requests: e2e_us ≥ 5e6). */
  atLeast?: Partial<Record<RequestNumericField, number>>;
  /** Only requests whose field is at most this value (inclusive, as a band's upper bound). */
  atMost?: Partial<Record<RequestNumericField, number>>;
  /** Only requests whose id starts with this text (the UI's id search). */
  idPrefix?: string;
  /**
   * Only requests KubeBurner's gateway served (they have a gateway arrival time): what budgets
   * are charged from — never from spans anyone who reaches the OTLP port could send.
   */
  throughGateway?: boolean;
}

export interface RequestSearch extends RequestFilter {
  orderBy?: 'arrival' | RequestNumericField;
  direction?: 'asc' | 'desc';
  limit: number;
}

/**
 * Restricts a count or sum to the requests that match (SQL CASE inside the aggregate): one query
 * can count good and total events side by side. Bounds are inclusive; NULL never matches a range.
 */
export interface MeasureFilter {
  ranges?: Partial<Record<RequestNumericField, { min?: number; max?: number }>>;
  status?: readonly RequestStatus[];
}

export type Measure =
  | { fn: 'count'; filter?: MeasureFilter; as?: string }
  | { fn: 'sum'; field: RequestNumericField; filter?: MeasureFilter; as?: string }
  | { fn: 'avg' | 'min' | 'max'; field: RequestNumericField }
  /** Exact quantile with linear interpolation between closest ranks (R7, as Excel PERCENTILE.INC). */
  | { fn: 'quantile'; field: RequestNumericField; q: number };

export interface RequestAggregation extends RequestFilter {
  groupBy: readonly RequestDimension[];
  /** Adds a time bucket of this width (µs) to the grouping; rows carry bucketStartUs. */
  bucketUs?: number;
  measures: readonly Measure[];
}

export interface AggregateRow {
  group: Partial<Record<RequestDimension, string>>;
  bucketStartUs?: number;
  /** Keyed by measureKey(measure); null when no value contributed (e.g. all null). */
  values: Record<string, number | null>;
}

/**
 * Span time and cost summed per request group and span kind, for the requests a filter selects.
 * With `clipTo`, each span counts only its overlap with that range (cost in proportion to the
 * overlapping time; a zero-length span counts when it starts inside): a window's GPU time
 * breakdown takes the part of long requests that fell in it.
 */
export interface SpanAggregation extends RequestFilter {
  groupBy: readonly RequestDimension[];
  clipTo?: TimeRange;
}

export interface SpanAggregateRow {
  group: Partial<Record<RequestDimension, string>>;
  kind: SpanKind;
  spans: number;
  durationUs: number;
  /** Sum of priced spans' (clipped) cost; null when none was priced. */
  costUsd: number | null;
}

export interface MetricQuery {
  name: string;
  range: TimeRange;
  where?: Partial<Record<'cluster' | 'model' | 'replica' | 'engine', readonly string[]>>;
  /** Label equality filters on the labels map. */
  labels?: Record<string, string>;
  groupBy?: readonly ('cluster' | 'model' | 'replica' | 'engine')[];
  /** Also group by these keys of the labels map (a missing key groups as ""). */
  groupByLabels?: readonly string[];
  /** Bucket width; each bucket holds the aggregate of the samples in it. */
  stepUs: number;
  aggregate: 'avg' | 'max' | 'min' | 'sum' | 'last';
}

export interface MetricPoint {
  group: Partial<Record<'cluster' | 'model' | 'replica' | 'engine', string>>;
  /** Values of the groupByLabels keys, when asked for. */
  labels?: Record<string, string>;
  bucketStartUs: number;
  value: number;
}

export interface EventQuery {
  range: TimeRange;
  kinds?: readonly OpsEventKind[];
  subjects?: readonly string[];
  /** Newest first, at most this many. */
  limit: number;
}

export interface RetentionPolicy {
  requestsDays: number;
  spansDays: number;
  metricsDays: number;
}

export interface RetentionResult {
  /** Rows older than the cutoff UTC day were removed from these tables. */
  cutoffUs: Record<'requests' | 'spans' | 'metrics' | 'events', number>;
}

export interface StoreStats {
  backend: 'duckdb' | 'clickhouse';
  requests: number;
  spans: number;
  metricSamples: number;
  events: number;
}

/** What every storage backend provides. A resolved write is durable (see the kill test). */
export interface Store {
  readonly backend: 'duckdb' | 'clickhouse';
  /** Creates tables if they do not exist. Idempotent. */
  init(): Promise<void>;
  /** Writes requests and their spans; both land or neither does. */
  writeBatch(batch: { requests: readonly InferenceRequest[]; spans: readonly Span[] }): Promise<void>;
  writeMetricSamples(samples: readonly MetricSample[]): Promise<void>;
  getRequest(requestId: string): Promise<{ request: InferenceRequest; spans: Span[] } | null>;
  /**
   * The ids among these that are stored already, as a row's id or as the gateway record a row
   * was joined from (rows arriving since `sinceUs`).
   */
  existingRequestIds(requestIds: readonly string[], sinceUs: number): Promise<Set<string>>;
  searchRequests(search: RequestSearch): Promise<InferenceRequest[]>;
  aggregateRequests(aggregation: RequestAggregation): Promise<AggregateRow[]>;
  aggregateSpans(aggregation: SpanAggregation): Promise<SpanAggregateRow[]>;
  queryMetric(query: MetricQuery): Promise<MetricPoint[]>;
  writeEvents(events: readonly OpsEvent[]): Promise<void>;
  listEvents(query: EventQuery): Promise<OpsEvent[]>;
  /** Drops whole UTC days older than now − days, per table (events follow metricsDays). */
  applyRetention(policy: RetentionPolicy, nowUs: number): Promise<RetentionResult>;
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}

export function measureKey(measure: Measure): string {
  if ((measure.fn === 'count' || measure.fn === 'sum') && measure.as !== undefined) return measure.as;
  if (measure.fn === 'count') return 'count';
  if (measure.fn === 'quantile') return `p${formatQuantile(measure.q)}_${measure.field}`;
  return `${measure.fn}_${measure.field}`;
}

/** 0.99 → "99", 0.999 → "99.9", 0.5 → "50". */
function formatQuantile(q: number): string {
  return String(Math.round(q * 100_000) / 1000);
}

const DAY_US = 86_400_000_000;

/** Start of the UTC day that is `days` before the day containing nowUs. Rows before it expire. */
export function retentionCutoffUs(nowUs: number, days: number): number {
  return Math.floor(nowUs / DAY_US) * DAY_US - days * DAY_US;
}
