import { REQUEST_STATUSES, type InferenceRequest } from '../model/request.ts';
import { SPAN_KINDS, type Span } from '../model/span.ts';
import { ENGINES } from '../model/engine.ts';
import type { MetricSample } from '../model/metric-sample.ts';
import type { OpsEvent } from '../model/ops-event.ts';

/**
 * Logical column types. Each backend maps them to its own physical types (duckdb/schema.ts,
 * clickhouse/schema.ts), so one list drives DDL, inserts and row decoding for both.
 *  - label: a low-cardinality string we group by
 *  - count: a non-negative 32-bit count (tokens, retries); us / us?: a duration in microseconds
 *  - enum: one of a fixed list of values (`values`); hex64: a 64-bit id written as 16 hex digits
 *  - key64: the 64-bit request key of a string field (request-key.ts); write-only
 * Fixed-width types are cheap to bulk-write; free strings cost one native call each in DuckDB,
 * so the span table keeps only one (request_id) and takes the trace id from its request.
 *  - ts / ts?: epoch microseconds, stored as a timestamp; ts_ms: epoch milliseconds, likewise
 *  - json: a small object stored as JSON text (event bodies; never queried inside)
 */
export type ColumnType =
  | 'id'
  | 'label'
  | 'string?'
  | 'count'
  | 'us'
  | 'us?'
  | 'float'
  | 'float?'
  | 'ts'
  | 'ts?'
  | 'ts_ms'
  | 'bool'
  | 'enum'
  | 'hex64'
  | 'hex64?'
  | 'key64'
  | 'map'
  | 'json';

export interface Column<T> {
  name: string;
  field: keyof T & string;
  type: ColumnType;
  /** The allowed values of an enum column. */
  values?: readonly string[];
  /** Store NULL when the value equals this other field, and restore it on read (saves space). */
  nullWhenSameAs?: keyof T & string;
}

export const REQUEST_COLUMNS: Column<InferenceRequest>[] = [
  { name: 'request_key', field: 'requestId', type: 'key64' },
  { name: 'request_id', field: 'requestId', type: 'id' },
  { name: 'trace_id', field: 'traceId', type: 'string?' },
  { name: 'tenant', field: 'tenant', type: 'label' },
  { name: 'team', field: 'team', type: 'label' },
  { name: 'cluster', field: 'cluster', type: 'label' },
  { name: 'namespace', field: 'namespace', type: 'label' },
  { name: 'workload', field: 'workload', type: 'label' },
  { name: 'model', field: 'model', type: 'label' },
  { name: 'engine', field: 'engine', type: 'enum', values: ENGINES },
  { name: 'replica', field: 'replica', type: 'label' },
  { name: 'node', field: 'node', type: 'label' },
  { name: 'gpu_type', field: 'gpuType', type: 'label' },
  { name: 'gpu_count', field: 'gpuCount', type: 'count' },
  { name: 'arrival', field: 'arrivalUs', type: 'ts' },
  { name: 'gateway_in', field: 'gatewayInUs', type: 'ts?' },
  { name: 'gateway_out', field: 'gatewayOutUs', type: 'ts?' },
  { name: 'scheduled', field: 'scheduledUs', type: 'ts?' },
  { name: 'first_token', field: 'firstTokenUs', type: 'ts?' },
  { name: 'finished', field: 'finishedUs', type: 'ts?' },
  { name: 'ttft_us', field: 'ttftUs', type: 'us?' },
  { name: 'e2e_us', field: 'e2eUs', type: 'us?' },
  { name: 'queue_us', field: 'queueUs', type: 'us?' },
  { name: 'prefill_us', field: 'prefillUs', type: 'us?' },
  { name: 'decode_us', field: 'decodeUs', type: 'us?' },
  { name: 'tpot_us', field: 'tpotUs', type: 'us?' },
  { name: 'prompt_tokens', field: 'promptTokens', type: 'count' },
  { name: 'cached_prompt_tokens', field: 'cachedPromptTokens', type: 'count' },
  { name: 'output_tokens', field: 'outputTokens', type: 'count' },
  { name: 'reasoning_tokens', field: 'reasoningTokens', type: 'count' },
  { name: 'status', field: 'status', type: 'enum', values: REQUEST_STATUSES },
  { name: 'error_class', field: 'errorClass', type: 'string?' },
  { name: 'retries', field: 'retries', type: 'count' },
  { name: 'preemptions', field: 'preemptions', type: 'count' },
  { name: 'prompt_family', field: 'promptFamily', type: 'string?' },
  { name: 'cost_usd', field: 'costUsd', type: 'float?' },
  { name: 'attributes', field: 'attributes', type: 'map' },
  // Columns added after the first release go last: existing tables gain them by ALTER TABLE
  // ADD COLUMN (store migrations), which appends, and DuckDB's appender writes by position.
  { name: 'cache_savings_usd', field: 'cacheSavingsUsd', type: 'float?' },
  { name: 'ttft_visible_us', field: 'ttftVisibleUs', type: 'us?' },
];

/** Spans as stored: the trace id and request id are the request's (joined by request_key). */
export const SPAN_COLUMNS: Column<Span>[] = [
  { name: 'request_key', field: 'requestId', type: 'key64' },
  { name: 'span_id', field: 'spanId', type: 'hex64' },
  { name: 'parent_span_id', field: 'parentSpanId', type: 'hex64?' },
  { name: 'kind', field: 'kind', type: 'enum', values: SPAN_KINDS },
  { name: 'name', field: 'name', type: 'string?', nullWhenSameAs: 'kind' },
  { name: 'start', field: 'startUs', type: 'ts' },
  { name: 'duration_us', field: 'durationUs', type: 'us' },
  { name: 'estimated', field: 'estimated', type: 'bool' },
  { name: 'cost_usd', field: 'costUsd', type: 'float?' },
  { name: 'attributes', field: 'attributes', type: 'map' },
];

export const METRIC_COLUMNS: Column<MetricSample>[] = [
  { name: 'time', field: 'timeMs', type: 'ts_ms' },
  { name: 'name', field: 'name', type: 'label' },
  { name: 'value', field: 'value', type: 'float' },
  { name: 'cluster', field: 'cluster', type: 'label' },
  { name: 'model', field: 'model', type: 'label' },
  { name: 'replica', field: 'replica', type: 'label' },
  { name: 'engine', field: 'engine', type: 'label' },
  { name: 'labels', field: 'labels', type: 'map' },
];

export const EVENT_COLUMNS: Column<OpsEvent>[] = [
  { name: 'time', field: 'timeUs', type: 'ts' },
  { name: 'kind', field: 'kind', type: 'label' },
  { name: 'subject', field: 'subject', type: 'label' },
  { name: 'state', field: 'state', type: 'label' },
  { name: 'body', field: 'body', type: 'json' },
];

export const TABLES = {
  requests: { name: 'kb_requests', columns: REQUEST_COLUMNS, timeColumn: 'arrival' },
  spans: { name: 'kb_spans', columns: SPAN_COLUMNS, timeColumn: 'start' },
  metrics: { name: 'kb_metric_samples', columns: METRIC_COLUMNS, timeColumn: 'time' },
  events: { name: 'kb_events', columns: EVENT_COLUMNS, timeColumn: 'time' },
} as const;

const HEX64 = /^[0-9a-f]{16}$/;

/** Throws unless the value is a 64-bit id as OTLP writes it: 16 lowercase hex digits. */
export function assertHex64(value: unknown, column: string): asserts value is string {
  if (typeof value !== 'string' || !HEX64.test(value)) {
    throw new TypeError(`${column}: expected 16 lowercase hex digits, got "${String(value)}"`);
  }
}

/** A 64-bit span id as an unsigned bigint. */
export function hex64ToBigInt(value: string, column: string): bigint {
  assertHex64(value, column);
  return BigInt(`0x${value}`);
}

export function bigIntToHex64(value: bigint | number | string): string {
  return BigInt(value).toString(16).padStart(16, '0');
}
