import type { InferenceRequest } from '../model/request.ts';
import type { Span } from '../model/span.ts';
import type { MetricSample } from '../model/metric-sample.ts';
import { METRIC_COLUMNS, REQUEST_COLUMNS, SPAN_COLUMNS, type Column } from './columns.ts';

/**
 * What the store accepts, checked before a row joins a batch: one row the store would refuse must
 * be turned away alone, not fail the batch it is in (and every batch after). Driven by the same
 * column list as the DDL, so a new column is checked the way it is stored.
 */
export const ROW_LIMITS = {
  /** Ids and labels we group by: longer is an attack or a bug, never a name. */
  labelChars: 256,
  /** Free strings (error class, prompt family, span name). */
  stringChars: 4096,
  /** Attribute values: longer ones (a stored prompt) are cut, not refused. */
  attributeChars: 64 * 1024,
  attributes: 128,
  /** Durations: 30 days. */
  maxDurationUs: 30 * 24 * 3600e6,
  maxCount: 2 ** 31 - 1,
  /** Timestamps: from 2000-01-01 to a day ahead of this machine's clock. */
  earliestUs: Date.UTC(2000, 0, 1) * 1000,
  aheadUs: 24 * 3600e6,
} as const;

const HEX64 = /^[0-9a-f]{16}$/;
const TRACE_ID = /^[0-9a-f]{32}$/;
export const TRUNCATED_MARK = '…[truncated]';

type Row = Record<string, unknown>;

// Module-level, not a closure per call: under tsx every named closure made per call gets a
// name-keeping wrapper, which cost more than the whole check (profiled: 3.8x CPU per span).
function inWindow(us: number, nowUs: number): boolean {
  return us >= ROW_LIMITS.earliestUs && us <= nowUs + ROW_LIMITS.aheadUs;
}

/** The reason the value cannot be stored in a column of this type, or null when it can. */
function columnProblem(column: Column<never>, value: unknown, nowUs: number): string | null {
  const nullable = column.type.endsWith('?');
  if (value === null || value === undefined) return nullable ? null : 'missing';
  switch (column.type) {
    case 'id':
    case 'label':
      return typeof value === 'string' && value.length <= ROW_LIMITS.labelChars
        ? null
        : `expected a string of at most ${ROW_LIMITS.labelChars} characters`;
    case 'string?':
      return typeof value === 'string' && value.length <= ROW_LIMITS.stringChars
        ? null
        : `expected a string of at most ${ROW_LIMITS.stringChars} characters`;
    case 'count':
      return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= ROW_LIMITS.maxCount
        ? null
        : `expected an integer from 0 to ${ROW_LIMITS.maxCount}`;
    case 'us':
    case 'us?':
      return Number.isSafeInteger(value) &&
        (value as number) >= 0 &&
        (value as number) <= ROW_LIMITS.maxDurationUs
        ? null
        : 'expected a duration in whole microseconds, at most 30 days';
    case 'float':
    case 'float?':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'expected a finite number';
    case 'ts':
    case 'ts?':
      return Number.isSafeInteger(value) && inWindow(value as number, nowUs)
        ? null
        : 'expected epoch microseconds between 2000 and a day from now';
    case 'ts_ms':
      return typeof value === 'number' && Number.isFinite(value) && inWindow(value * 1000, nowUs)
        ? null
        : 'expected epoch milliseconds between 2000 and a day from now';
    case 'bool':
      return typeof value === 'boolean' ? null : 'expected true or false';
    case 'enum':
      return column.values?.includes(value as string) ? null : `expected one of ${column.values?.join(', ')}`;
    case 'hex64':
    case 'hex64?':
      return typeof value === 'string' && HEX64.test(value) ? null : 'expected 16 lowercase hex digits';
    case 'key64':
      return null; // derived from the id column, checked there
    case 'map':
      return mapProblem(value);
    case 'json':
      return null;
  }
}

function mapProblem(value: unknown): string | null {
  if (typeof value !== 'object' || Array.isArray(value)) return 'expected string attributes';
  const entries = Object.entries(value as object);
  if (entries.length > ROW_LIMITS.attributes) return `more than ${ROW_LIMITS.attributes} attributes`;
  for (const [key, v] of entries) {
    if (key.length > ROW_LIMITS.labelChars) return `an attribute name longer than ${ROW_LIMITS.labelChars}`;
    if (typeof v !== 'string') return `attribute ${key.slice(0, 64)} is not a string`;
  }
  return null;
}

/** Long attribute values are cut (a stored prompt may be long); the rest is kept. */
function truncateAttributes(attributes: Record<string, string>): Record<string, string> {
  let out = attributes;
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value !== 'string' || value.length <= ROW_LIMITS.attributeChars) continue;
    if (out === attributes) out = { ...attributes };
    out[key] = value.slice(0, ROW_LIMITS.attributeChars - TRUNCATED_MARK.length) + TRUNCATED_MARK;
  }
  return out;
}

function rowProblem(columns: readonly Column<never>[], row: Row, nowUs: number): string | null {
  for (const column of columns) {
    const problem = columnProblem(column, row[column.field], nowUs);
    if (problem) return `${column.name}: ${problem}`;
  }
  return null;
}

/**
 * The request and its spans as the store will take them (long attributes cut), or the reason it
 * cannot be stored. A bad span makes the whole request unstorable: its phases would not add up.
 */
export function checkRequestRow(
  record: { request: InferenceRequest; spans: readonly Span[] },
  nowUs: number,
): { request: InferenceRequest; spans: Span[] } | { problem: string } {
  const request = { ...record.request, attributes: truncateAttributesSafe(record.request.attributes) };
  const problem = rowProblem(REQUEST_COLUMNS as Column<never>[], request as unknown as Row, nowUs);
  if (problem) return { problem: `request: ${problem}` };
  if (request.traceId !== null && !TRACE_ID.test(request.traceId))
    return { problem: 'request: trace_id: expected 32 lowercase hex digits' };
  const spans: Span[] = [];
  for (const span of record.spans) {
    const checked = { ...span, attributes: truncateAttributesSafe(span.attributes) };
    const spanProblem = rowProblem(SPAN_COLUMNS as Column<never>[], checked as unknown as Row, nowUs);
    if (spanProblem) return { problem: `span ${String(span.spanId).slice(0, 16)}: ${spanProblem}` };
    spans.push(checked);
  }
  return { request, spans };
}

/** The reason a metric sample cannot be stored, or null. */
export function metricSampleProblem(sample: MetricSample, nowUs: number): string | null {
  const problem = rowProblem(METRIC_COLUMNS as Column<never>[], sample as unknown as Row, nowUs);
  if (problem) return problem;
  for (const value of Object.values(sample.labels))
    if (value.length > ROW_LIMITS.labelChars) return `labels: a value longer than ${ROW_LIMITS.labelChars}`;
  return null;
}

function truncateAttributesSafe(attributes: unknown): Record<string, string> {
  return typeof attributes === 'object' && attributes !== null && !Array.isArray(attributes)
    ? truncateAttributes(attributes as Record<string, string>)
    : (attributes as Record<string, string>);
}
