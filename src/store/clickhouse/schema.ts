import type { Column, ColumnType } from '../columns.ts';
import { TABLES } from '../columns.ts';
import type { RetentionPolicy } from '../store.ts';

const CLICKHOUSE_TYPES: Record<ColumnType, string> = {
  id: 'String',
  label: 'LowCardinality(String)',
  'string?': 'Nullable(String)',
  count: 'UInt32',
  us: 'Int64',
  'us?': 'Nullable(Int64)',
  float: 'Float64',
  'float?': 'Nullable(Float64)',
  ts: "DateTime64(6, 'UTC')",
  'ts?': "Nullable(DateTime64(6, 'UTC'))",
  ts_ms: "DateTime64(6, 'UTC')",
  bool: 'Bool',
  // LowCardinality rather than Enum8: adding an engine or span kind needs no ALTER.
  enum: 'LowCardinality(String)',
  hex64: 'UInt64',
  'hex64?': 'Nullable(UInt64)',
  key64: 'UInt64',
  map: 'Map(String, String)',
  json: 'String',
};

export function clickhouseType<T>(column: Column<T>): string {
  return CLICKHOUSE_TYPES[column.type];
}

function columnList<T>(columns: readonly Column<T>[]): string {
  return columns.map((c) => `${c.name} ${clickhouseType(c)}`).join(',\n  ');
}

export interface ClickHouseSchemaOptions {
  retention: RetentionPolicy;
  /** When set, tables are created ON CLUSTER (see docs/clickhouse.md for replication). */
  cluster?: string;
}

/**
 * One MergeTree table per kind, partitioned by UTC day so retention drops whole partitions,
 * ordered for the queries we run: requests by (model, team, arrival) for percentile and cost
 * rollups, spans by request_key for the flame graph lookup, metric samples by series then time.
 */
export function clickhouseSchemaStatements(options: ClickHouseSchemaOptions): string[] {
  const onCluster = options.cluster ? ` ON CLUSTER ${options.cluster}` : '';
  const { requests, spans, metrics, events } = TABLES;
  return [
    `CREATE TABLE IF NOT EXISTS ${requests.name}${onCluster} (
  ${columnList(requests.columns)},
  INDEX idx_request_key request_key TYPE bloom_filter(0.001) GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(arrival)
ORDER BY (model, team, arrival)
TTL toDateTime(arrival) + INTERVAL ${options.retention.requestsDays} DAY`,
    `CREATE TABLE IF NOT EXISTS ${spans.name}${onCluster} (
  ${columnList(spans.columns)}
) ENGINE = MergeTree
PARTITION BY toDate(start)
ORDER BY (request_key, start)
TTL toDateTime(start) + INTERVAL ${options.retention.spansDays} DAY`,
    `CREATE TABLE IF NOT EXISTS ${metrics.name}${onCluster} (
  ${columnList(metrics.columns)}
) ENGINE = MergeTree
PARTITION BY toDate(time)
ORDER BY (name, cluster, model, replica, time)
TTL toDateTime(time) + INTERVAL ${options.retention.metricsDays} DAY`,
    // Alert and notification history: a few rows per evaluation, kept as long as metrics.
    `CREATE TABLE IF NOT EXISTS ${events.name}${onCluster} (
  ${columnList(events.columns)}
) ENGINE = MergeTree
PARTITION BY toDate(time)
ORDER BY (kind, subject, time)
TTL toDateTime(time) + INTERVAL ${options.retention.metricsDays} DAY`,
  ];
}
