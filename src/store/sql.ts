import type { Column } from './columns.ts';
import { REQUEST_STATUSES, type InferenceRequest } from '../model/request.ts';
import type { Span, SpanKind } from '../model/span.ts';
import { EVENT_COLUMNS, REQUEST_COLUMNS, SPAN_COLUMNS, TABLES, bigIntToHex64 } from './columns.ts';
import { OPS_EVENT_KINDS } from '../model/ops-event.ts';
import { requestKeyDecimal } from './request-key.ts';
import {
  COMPLETION_LAG_US,
  REQUEST_DIMENSIONS,
  REQUEST_NUMERIC_FIELDS,
  measureKey,
  type AggregateRow,
  type EventQuery,
  type Measure,
  type MeasureFilter,
  type MetricPoint,
  type MetricQuery,
  type RequestAggregation,
  type RequestFilter,
  type RequestSearch,
  type SpanAggregateRow,
  type SpanAggregation,
} from './store.ts';

/**
 * The few places where DuckDB and ClickHouse SQL differ. Everything else in the queries is
 * written once, below, so both backends answer the contract tests from the same logic.
 */
export interface SqlDialect {
  stringLiteral(value: string): string;
  timestampFromUs(us: number): string;
  epochUs(column: string): string;
  toDouble(expr: string): string;
  intDiv(expr: string, divisor: number): string;
  /** Exact quantile, linear interpolation between closest ranks (R7). */
  quantile(expr: string, q: number): string;
  argMax(value: string, by: string): string;
  mapValue(column: string, key: string): string;
  /** How a map column is selected so that decodeRow can read it. */
  selectMap(column: string): string;
  /** Text form of an integer column (64-bit ids would lose precision as JSON numbers). */
  toText(column: string): string;
  /** True when the text column starts with the (already quoted) literal. */
  startsWith(column: string, literal: string): string;
}

function assertFiniteInteger(value: number, what: string): number {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite number, got ${value}`);
  return Math.trunc(value);
}

function assertKnown<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new RangeError(`unknown ${what} "${value}"; expected one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function selectExpression<T>(dialect: SqlDialect, c: Column<T>): string | null {
  if (c.type === 'ts' || c.type === 'ts?' || c.type === 'ts_ms') return dialect.epochUs(c.name);
  if (c.type === 'map') return dialect.selectMap(c.name);
  if (c.type === 'hex64' || c.type === 'hex64?') return dialect.toText(c.name);
  return null;
}

/**
 * The name a column comes back under. Converted columns get a distinct alias because in
 * ClickHouse a SELECT alias shadows the column of the same name in WHERE and ORDER BY.
 */
function outputName<T>(c: Column<T>): string {
  return c.type.startsWith('ts') || c.type === 'map' || c.type.startsWith('hex64') ? `${c.name}_out` : c.name;
}

export function selectList<T>(dialect: SqlDialect, columns: readonly Column<T>[]): string {
  return columns
    .filter((c) => c.type !== 'key64')
    .map((c) => {
      const expression = selectExpression(dialect, c);
      return expression === null ? c.name : `${expression} AS ${outputName(c)}`;
    })
    .join(', ');
}

function toNumberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isNaN(n) ? null : n;
}

/** Turns a raw row (bigints, numeric strings, JSON text) from either backend into a model object. */
export function decodeRow<T>(columns: readonly Column<T>[], raw: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const c of columns) {
    if (c.type === 'key64') continue;
    const value = raw[outputName(c)];
    if (c.nullWhenSameAs !== undefined && (value === null || value === undefined)) {
      out[c.field] = out[c.nullWhenSameAs]; // the referenced column comes earlier in the list
      continue;
    }
    switch (c.type) {
      case 'ts':
      case 'ts?':
      case 'us':
      case 'us?':
      case 'count':
      case 'float':
      case 'float?':
        out[c.field] = toNumberOrNull(value);
        break;
      case 'ts_ms': {
        const us = toNumberOrNull(value);
        out[c.field] = us === null ? null : us / 1000;
        break;
      }
      case 'hex64':
      case 'hex64?':
        out[c.field] = value === null || value === undefined ? null : bigIntToHex64(value as string);
        break;
      case 'bool':
        out[c.field] = value === true || value === 1 || value === '1' || value === 'true';
        break;
      case 'json':
        out[c.field] = typeof value === 'string' ? JSON.parse(value) : (value ?? {});
        break;
      case 'map':
        out[c.field] = typeof value === 'string' ? (value === '' ? {} : JSON.parse(value)) : (value ?? {});
        break;
      default:
        out[c.field] = value === undefined ? null : value;
    }
  }
  return out as T;
}

/** A request's stored spans, each given the request's trace id and request id. */
export function decodeSpans(request: InferenceRequest, rawSpans: Record<string, unknown>[]): Span[] {
  const traceId = request.traceId ?? '';
  return rawSpans.map((raw) => ({ ...decodeRow(SPAN_COLUMNS, raw), traceId, requestId: request.requestId }));
}

/** The time a request is placed at (see RequestTime). */
function requestTimeExpression(filter: RequestFilter): string {
  return filter.timeBy === 'completion' ? 'coalesce(finished, arrival)' : 'arrival';
}

export function requestWhere(dialect: SqlDialect, filter: RequestFilter): string {
  const range = filter.range;
  const fromUs = assertFiniteInteger(range.fromUs, 'range.fromUs');
  const toUs = assertFiniteInteger(range.toUs, 'range.toUs');
  const time = requestTimeExpression(filter);
  const clauses = [
    `${time} >= ${dialect.timestampFromUs(fromUs)}`,
    `${time} < ${dialect.timestampFromUs(toUs)}`,
  ];
  if (filter.timeBy === 'completion')
    clauses.push(
      `arrival >= ${dialect.timestampFromUs(fromUs - COMPLETION_LAG_US)}`,
      `arrival < ${dialect.timestampFromUs(toUs)}`,
    );
  for (const [dimension, values] of Object.entries(filter.where ?? {})) {
    const column = assertKnown(dimension, REQUEST_DIMENSIONS, 'dimension');
    if (!values || values.length === 0) continue;
    clauses.push(`${column} IN (${values.map((v) => dialect.stringLiteral(v)).join(', ')})`);
  }
  for (const [field, min] of Object.entries(filter.atLeast ?? {})) {
    const column = assertKnown(field, REQUEST_NUMERIC_FIELDS, 'numeric field');
    if (min === undefined || !Number.isFinite(min)) throw new RangeError(`atLeast.${column} must be finite`);
    clauses.push(`${column} >= ${min}`);
  }
  for (const [field, max] of Object.entries(filter.atMost ?? {})) {
    const column = assertKnown(field, REQUEST_NUMERIC_FIELDS, 'numeric field');
    if (max === undefined || !Number.isFinite(max)) throw new RangeError(`atMost.${column} must be finite`);
    clauses.push(`${column} <= ${max}`);
  }
  if (filter.idPrefix) clauses.push(dialect.startsWith('request_id', dialect.stringLiteral(filter.idPrefix)));
  if (filter.throughGateway) clauses.push('gateway_in IS NOT NULL');
  return clauses.join(' AND ');
}

export function searchRequestsSql(dialect: SqlDialect, search: RequestSearch): string {
  const orderBy = search.orderBy ?? 'arrival';
  if (orderBy !== 'arrival') assertKnown(orderBy, REQUEST_NUMERIC_FIELDS, 'order field');
  const direction = search.direction === 'asc' ? 'ASC' : 'DESC';
  const limit = assertFiniteInteger(search.limit, 'limit');
  if (limit < 1 || limit > 100_000) throw new RangeError('limit must be between 1 and 100000');
  // request_id breaks ties so both backends return the same order.
  return `SELECT ${selectList(dialect, REQUEST_COLUMNS)} FROM ${TABLES.requests.name}
WHERE ${requestWhere(dialect, search)}
ORDER BY ${orderBy} ${direction} NULLS LAST, request_id ASC
LIMIT ${limit}`;
}

/** Spans are looked for this far around their request, so the time column prunes the scan. */
export const SPAN_LOOKUP_MARGIN_US = 3_600_000_000;
const SPAN_LOOKUP_OPEN_END_US = 86_400_000_000;

/**
 * Lookup by id, first pass: a narrow scan of the 64-bit key (then the exact id) that returns only
 * the arrival time. Projecting every column during that scan made it several times slower.
 */
export function locateRequestSql(dialect: SqlDialect, requestId: string): string {
  return `SELECT ${dialect.epochUs('arrival')} AS arrival_us FROM ${TABLES.requests.name}
WHERE request_key = ${requestKeyDecimal(requestId)} AND request_id = ${dialect.stringLiteral(requestId)} LIMIT 1`;
}

/**
 * Which of these request ids are stored — as a row's own id, or as the gateway record a row was
 * joined from (attribute `gateway.request_id`, looked for in rows since `sinceUs`): a replayed
 * spool must not store one twice.
 */
export function existingRequestIdsSql(
  dialect: SqlDialect,
  requestIds: readonly string[],
  sinceUs: number,
): string {
  const keys = [...new Set(requestIds.map((id) => requestKeyDecimal(id)))].join(', ');
  const ids = [...new Set(requestIds)].map((id) => dialect.stringLiteral(id)).join(', ');
  const gatewayId = dialect.mapValue('attributes', 'gateway.request_id');
  return `SELECT request_id AS id FROM ${TABLES.requests.name}
WHERE request_key IN (${keys}) AND request_id IN (${ids})
UNION ALL
SELECT ${gatewayId} AS id FROM ${TABLES.requests.name}
WHERE arrival >= ${dialect.timestampFromUs(Math.trunc(sinceUs))} AND ${gatewayId} IN (${ids})`;
}

/** Second pass: the whole row, found through the arrival time (zone maps / partitions prune). */
export function getRequestSql(dialect: SqlDialect, requestId: string, arrivalUs: number): string {
  return `SELECT ${selectList(dialect, REQUEST_COLUMNS)} FROM ${TABLES.requests.name}
WHERE arrival = ${dialect.timestampFromUs(Math.trunc(arrivalUs))} AND request_key = ${requestKeyDecimal(requestId)} AND request_id = ${dialect.stringLiteral(requestId)} LIMIT 1`;
}

/**
 * The spans of a request already found: spans start within an hour before its arrival and an
 * hour after it finished (a day after arrival when the end is unknown).
 */
export function getSpansSql(dialect: SqlDialect, request: InferenceRequest): string {
  const endUs = request.finishedUs ?? (request.e2eUs !== null ? request.arrivalUs + request.e2eUs : null);
  const fromUs = request.arrivalUs - SPAN_LOOKUP_MARGIN_US;
  const toUs = endUs === null ? request.arrivalUs + SPAN_LOOKUP_OPEN_END_US : endUs + SPAN_LOOKUP_MARGIN_US;
  return `SELECT ${selectList(dialect, SPAN_COLUMNS)} FROM ${TABLES.spans.name}
WHERE request_key = ${requestKeyDecimal(request.requestId)}
  AND start >= ${dialect.timestampFromUs(Math.trunc(fromUs))} AND start < ${dialect.timestampFromUs(Math.trunc(toUs))}
ORDER BY start ASC, span_id ASC`;
}

/**
 * Spans of the selected requests, summed per group and kind. Requests are selected in a subquery
 * (the two tables share column names); spans are looked for from an hour before the earliest
 * possible arrival to a day after the range, so the span table's time column prunes the scan.
 */
export function aggregateSpansSql(dialect: SqlDialect, aggregation: SpanAggregation): string {
  const dims = aggregation.groupBy.map((d) => assertKnown(d, REQUEST_DIMENSIONS, 'dimension'));
  const fromUs = assertFiniteInteger(aggregation.range.fromUs, 'range.fromUs');
  const toUs = assertFiniteInteger(aggregation.range.toUs, 'range.toUs');
  const startUs = dialect.toDouble(dialect.epochUs('s.start'));
  const durationUs = dialect.toDouble('s.duration_us');
  let counted = durationUs;
  let share = '1';
  const spanClauses = [
    `s.start >= ${dialect.timestampFromUs(fromUs - COMPLETION_LAG_US - SPAN_LOOKUP_MARGIN_US)}`,
    `s.start < ${dialect.timestampFromUs(toUs + SPAN_LOOKUP_OPEN_END_US)}`,
  ];
  if (aggregation.clipTo) {
    const clipFromUs = assertFiniteInteger(aggregation.clipTo.fromUs, 'clipTo.fromUs');
    const clipToUs = assertFiniteInteger(aggregation.clipTo.toUs, 'clipTo.toUs');
    // Every operand a double: ClickHouse's least/greatest refuse to mix Float64 and UInt64.
    const a = dialect.toDouble(String(clipFromUs));
    const b = dialect.toDouble(String(clipToUs));
    const zero = dialect.toDouble('0');
    const overlap = `greatest(${zero}, least(${startUs} + ${durationUs}, ${b}) - greatest(${startUs}, ${a}))`;
    const startsInside = `(${startUs} >= ${a} AND ${startUs} < ${b})`;
    counted = overlap;
    share = `CASE WHEN ${durationUs} > 0 THEN ${overlap} / ${durationUs} WHEN ${startsInside} THEN 1 ELSE 0 END`;
    spanClauses.push(`s.start < ${dialect.timestampFromUs(clipToUs)}`, `(${overlap} > 0 OR ${startsInside})`);
  }
  const groupKeys = [...dims.map((d) => `r.${d}`), 's.kind'];
  const sortKeys = [...dims.map((d) => dialect.toText(`r.${d}`)), dialect.toText('s.kind')];
  return `SELECT ${[...dims.map((d) => `r.${d} AS ${d}`), `${dialect.toText('s.kind')} AS kind`, 'count(*) AS spans', `sum(${counted}) AS duration_us`, `sum(${dialect.toDouble('s.cost_usd')} * (${share})) AS cost_usd`].join(', ')}
FROM ${TABLES.spans.name} AS s
INNER JOIN (SELECT ${['request_key', ...dims].join(', ')} FROM ${TABLES.requests.name} WHERE ${requestWhere(dialect, aggregation)}) AS r
  ON s.request_key = r.request_key
WHERE ${spanClauses.join(' AND ')}
GROUP BY ${groupKeys.join(', ')}
ORDER BY ${sortKeys.join(', ')}`;
}

export function decodeSpanAggregateRows(
  aggregation: SpanAggregation,
  rows: Record<string, unknown>[],
): SpanAggregateRow[] {
  return rows.map((raw) => {
    const group: SpanAggregateRow['group'] = {};
    for (const dim of aggregation.groupBy) group[dim] = raw[dim] === null ? '' : String(raw[dim]);
    const cost = toNumberOrNull(raw.cost_usd);
    return {
      group,
      kind: String(raw.kind) as SpanKind,
      spans: Number(raw.spans),
      // Cut to 12 significant digits: the backends sum in different orders.
      durationUs: Number(Number(raw.duration_us).toPrecision(12)),
      costUsd: cost === null ? null : Number(cost.toPrecision(12)),
    };
  });
}

/** A measure filter as a SQL condition; null when it has no conditions. */
function filterSql(dialect: SqlDialect, filter: MeasureFilter | undefined): string | null {
  const clauses: string[] = [];
  for (const [field, bounds] of Object.entries(filter?.ranges ?? {})) {
    const column = assertKnown(field, REQUEST_NUMERIC_FIELDS, 'numeric field');
    for (const [op, bound] of [
      ['>=', bounds?.min],
      ['<=', bounds?.max],
    ] as const) {
      if (bound === undefined) continue;
      if (!Number.isFinite(bound)) throw new RangeError(`filter bound on ${column} must be finite`);
      clauses.push(`${column} ${op} ${bound}`);
    }
  }
  if (filter?.status) {
    const statuses = filter.status.map((s) => assertKnown(s, REQUEST_STATUSES, 'status'));
    clauses.push(
      statuses.length === 0
        ? 'FALSE'
        : `status IN (${statuses.map((s) => dialect.stringLiteral(s)).join(', ')})`,
    );
  }
  return clauses.length > 0 ? clauses.join(' AND ') : null;
}

function measureSql(dialect: SqlDialect, measure: Measure): string {
  if (measure.fn === 'count') {
    const condition = filterSql(dialect, measure.filter);
    return dialect.toDouble(condition ? `sum(CASE WHEN ${condition} THEN 1 ELSE 0 END)` : 'count(*)');
  }
  const field = assertKnown(measure.field, REQUEST_NUMERIC_FIELDS, 'numeric field');
  if (measure.fn === 'sum') {
    const condition = filterSql(dialect, measure.filter);
    if (condition) return dialect.toDouble(`sum(CASE WHEN ${condition} THEN ${field} ELSE 0 END)`);
  }
  if (measure.fn === 'quantile') {
    if (!(measure.q >= 0 && measure.q <= 1))
      throw new RangeError(`quantile q must be in [0, 1], got ${measure.q}`);
    return dialect.toDouble(dialect.quantile(field, measure.q));
  }
  return dialect.toDouble(`${measure.fn}(${field})`);
}

export function aggregateRequestsSql(dialect: SqlDialect, aggregation: RequestAggregation): string {
  const dims = aggregation.groupBy.map((d) => assertKnown(d, REQUEST_DIMENSIONS, 'dimension'));
  const keys: string[] = [...dims];
  // Groups sort by their text (DuckDB would sort an ENUM by declaration order).
  const sortKeys: string[] = dims.map((d) => dialect.toText(d));
  const selects: string[] = [...dims];
  if (aggregation.bucketUs !== undefined) {
    const step = assertFiniteInteger(aggregation.bucketUs, 'bucketUs');
    if (step <= 0) throw new RangeError('bucketUs must be positive');
    selects.push(
      `${dialect.intDiv(dialect.epochUs(requestTimeExpression(aggregation)), step)} * ${step} AS bucket_start_us`,
    );
    keys.push('bucket_start_us');
    sortKeys.push('bucket_start_us');
  }
  if (aggregation.measures.length === 0) throw new RangeError('at least one measure is required');
  const names = aggregation.measures.map(measureKey);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined)
    throw new RangeError(`two measures are both named "${repeated}": give one an "as"`);
  aggregation.measures.forEach((m, i) => selects.push(`${measureSql(dialect, m)} AS m${i}`));
  const groupClause = keys.length > 0 ? `\nGROUP BY ${keys.join(', ')}\nORDER BY ${sortKeys.join(', ')}` : '';
  return `SELECT ${selects.join(', ')} FROM ${TABLES.requests.name}
WHERE ${requestWhere(dialect, aggregation)}${groupClause}`;
}

/**
 * Measures whose result is not an exact integer. Backends compute them with a different
 * association of the same floating-point operations, so they are cut to 12 significant
 * digits (nanoseconds on a 10 s latency) to answer identically.
 */
function isFractional(measure: Measure): boolean {
  return (
    measure.fn === 'quantile' ||
    measure.fn === 'avg' ||
    (measure.fn !== 'count' && (measure.field === 'cost_usd' || measure.field === 'cache_savings_usd'))
  );
}

export function decodeAggregateRows(
  aggregation: RequestAggregation,
  rows: Record<string, unknown>[],
): AggregateRow[] {
  // NaN (ClickHouse's quantile of nothing) and NULL (DuckDB's) both become null.
  return rows.map((raw) => {
    const row: AggregateRow = { group: {}, values: {} };
    for (const dim of aggregation.groupBy) row.group[dim] = raw[dim] === null ? '' : String(raw[dim]);
    if (aggregation.bucketUs !== undefined) row.bucketStartUs = Number(raw.bucket_start_us);
    aggregation.measures.forEach((m, i) => {
      const value = toNumberOrNull(raw[`m${i}`]);
      row.values[measureKey(m)] = value !== null && isFractional(m) ? Number(value.toPrecision(12)) : value;
    });
    return row;
  });
}

const METRIC_DIMENSIONS = ['cluster', 'model', 'replica', 'engine'] as const;
/** Prometheus and Kubernetes label keys: letters, digits, _ . / - (quoted safely in both dialects). */
const LABEL_KEY = /^[A-Za-z_][A-Za-z0-9_./-]{0,127}$/;

export function queryMetricSql(dialect: SqlDialect, query: MetricQuery): string {
  const step = assertFiniteInteger(query.stepUs, 'stepUs');
  if (step <= 0) throw new RangeError('stepUs must be positive');
  const dims = (query.groupBy ?? []).map((d) => assertKnown(d, METRIC_DIMENSIONS, 'metric dimension'));
  const clauses = [
    `name = ${dialect.stringLiteral(query.name)}`,
    `time >= ${dialect.timestampFromUs(assertFiniteInteger(query.range.fromUs, 'range.fromUs'))}`,
    `time < ${dialect.timestampFromUs(assertFiniteInteger(query.range.toUs, 'range.toUs'))}`,
  ];
  for (const [dimension, values] of Object.entries(query.where ?? {})) {
    const column = assertKnown(dimension, METRIC_DIMENSIONS, 'metric dimension');
    if (!values || values.length === 0) continue;
    clauses.push(`${column} IN (${values.map((v) => dialect.stringLiteral(v)).join(', ')})`);
  }
  for (const [key, value] of Object.entries(query.labels ?? {})) {
    clauses.push(`${dialect.mapValue('labels', key)} = ${dialect.stringLiteral(value)}`);
  }
  const aggregate =
    query.aggregate === 'last'
      ? dialect.argMax('value', 'time')
      : `${assertKnown(query.aggregate, ['avg', 'max', 'min', 'sum'] as const, 'aggregate')}(value)`;
  const labelSelects = (query.groupByLabels ?? []).map((key, i) => {
    if (!LABEL_KEY.test(key)) throw new RangeError(`invalid label key "${key}"`);
    return `coalesce(${dialect.mapValue('labels', key)}, '') AS label_${i}`;
  });
  const labelKeys = labelSelects.map((_, i) => `label_${i}`);
  const keys = [...dims, ...labelKeys, 'bucket_start_us'];
  // A step as long as the range means "the whole range": one bucket starting at the range, not
  // two when the range happens to cross a multiple of the step.
  const bucket =
    step >= query.range.toUs - query.range.fromUs
      ? `${query.range.fromUs}`
      : `${dialect.intDiv(dialect.epochUs('time'), step)} * ${step}`;
  return `SELECT ${[...dims, ...labelSelects, `${bucket} AS bucket_start_us`, `${dialect.toDouble(aggregate)} AS value`].join(', ')}
FROM ${TABLES.metrics.name}
WHERE ${clauses.join(' AND ')}
GROUP BY ${keys.join(', ')}
ORDER BY ${keys.join(', ')}`;
}

export function decodeMetricPoints(query: MetricQuery, rows: Record<string, unknown>[]): MetricPoint[] {
  return rows.map((raw) => {
    const group: MetricPoint['group'] = {};
    for (const dim of query.groupBy ?? []) group[dim] = String(raw[dim]);
    const value = Number(raw.value);
    const fractional = query.aggregate === 'avg' || query.aggregate === 'sum';
    const labelKeys = query.groupByLabels ?? [];
    return {
      group,
      ...(labelKeys.length > 0
        ? { labels: Object.fromEntries(labelKeys.map((key, i) => [key, String(raw[`label_${i}`] ?? '')])) }
        : {}),
      bucketStartUs: Number(raw.bucket_start_us),
      value: fractional ? Number(value.toPrecision(12)) : value,
    };
  });
}

export function listEventsSql(dialect: SqlDialect, query: EventQuery): string {
  const clauses = [
    `time >= ${dialect.timestampFromUs(assertFiniteInteger(query.range.fromUs, 'range.fromUs'))}`,
    `time < ${dialect.timestampFromUs(assertFiniteInteger(query.range.toUs, 'range.toUs'))}`,
  ];
  const kinds = (query.kinds ?? []).map((k) => assertKnown(k, OPS_EVENT_KINDS, 'event kind'));
  if (kinds.length > 0) clauses.push(`kind IN (${kinds.map((k) => dialect.stringLiteral(k)).join(', ')})`);
  const subjects = query.subjects ?? [];
  if (subjects.length > 0)
    clauses.push(`subject IN (${subjects.map((v) => dialect.stringLiteral(v)).join(', ')})`);
  const limit = assertFiniteInteger(query.limit, 'limit');
  if (limit <= 0) throw new RangeError('limit must be positive');
  return `SELECT ${selectList(dialect, EVENT_COLUMNS)}
FROM ${TABLES.events.name}
WHERE ${clauses.join(' AND ')}
ORDER BY time DESC, kind, subject, state
LIMIT ${limit}`;
}
