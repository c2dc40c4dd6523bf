import type { InferenceRequest } from '../../model/request.ts';
import type { Span } from '../../model/span.ts';
import type { MetricSample } from '../../model/metric-sample.ts';
import type { OpsEvent } from '../../model/ops-event.ts';
import { EVENT_COLUMNS, REQUEST_COLUMNS, SPAN_COLUMNS, TABLES, type Column } from '../columns.ts';
import { columnsToAdd } from '../migrations.ts';
import {
  aggregateRequestsSql,
  aggregateSpansSql,
  decodeAggregateRows,
  decodeSpanAggregateRows,
  decodeMetricPoints,
  decodeSpans,
  decodeRow,
  getRequestSql,
  existingRequestIdsSql,
  locateRequestSql,
  getSpansSql,
  listEventsSql,
  queryMetricSql,
  searchRequestsSql,
} from '../sql.ts';
import {
  retentionCutoffUs,
  type AggregateRow,
  type EventQuery,
  type MetricPoint,
  type MetricQuery,
  type RequestAggregation,
  type RequestSearch,
  type RetentionPolicy,
  type RetentionResult,
  type Store,
  type StoreStats,
  type SpanAggregateRow,
  type SpanAggregation,
} from '../store.ts';
import { clickhouseDialect as dialect } from './dialect.ts';
import type { ClickHouseExecutor } from './executor.ts';
import { toInsertRows } from './encode.ts';
import { clickhouseSchemaStatements, clickhouseType } from './schema.ts';

export interface ClickHouseStoreOptions {
  retention: RetentionPolicy;
  cluster?: string;
}

/** Oldest server our schema is written for: Map, Bool, LowCardinality and DateTime64 without flags. */
export const MIN_CLICKHOUSE_VERSION = [23, 8] as const;

export function assertSupportedVersion(version: string): void {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor, minMinor] = MIN_CLICKHOUSE_VERSION;
  if (major < minMajor || (major === minMajor && minor < minMinor)) {
    throw new Error(
      `ClickHouse ${version} is too old: KubeBurner needs ${minMajor}.${minMinor} or newer ` +
        '(Map, Bool, LowCardinality, DateTime64, TTL and skip indexes); see docs/clickhouse.md',
    );
  }
}

/** The scale-out backend: MergeTree tables on a ClickHouse server (or chdb in tests). */
export class ClickHouseStore implements Store {
  readonly backend = 'clickhouse' as const;

  constructor(
    private readonly executor: ClickHouseExecutor,
    private readonly options: ClickHouseStoreOptions,
  ) {}

  async init(): Promise<void> {
    const [row] = await this.executor.query('SELECT version() AS version');
    assertSupportedVersion(String(row?.version ?? 'unknown'));
    const statements = clickhouseSchemaStatements({
      retention: this.options.retention,
      cluster: this.options.cluster,
    });
    for (const statement of statements) await this.executor.command(statement);
    const onCluster = this.options.cluster ? ` ON CLUSTER ${this.options.cluster}` : '';
    for (const table of Object.values(TABLES)) {
      const existing = await this.executor.query(
        `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = '${table.name}' ORDER BY position`,
      );
      const missing = columnsToAdd<unknown>(
        table.name,
        existing.map((r) => String(r.name)),
        table.columns as readonly Column<unknown>[],
      );
      for (const column of missing)
        await this.executor.command(
          `ALTER TABLE ${table.name}${onCluster} ADD COLUMN IF NOT EXISTS ${column.name} ${clickhouseType(column)}`,
        );
    }
  }

  /**
   * ClickHouse has no multi-table transaction. Both tables' rows are encoded (and so validated)
   * before anything is sent; then requests go in, then spans. A server failure between the two
   * leaves requests without spans until the caller retries the batch (docs/clickhouse.md).
   */
  async writeBatch(batch: { requests: readonly InferenceRequest[]; spans: readonly Span[] }): Promise<void> {
    const requests = toInsertRows(REQUEST_COLUMNS, batch.requests);
    const spans = toInsertRows(SPAN_COLUMNS, batch.spans);
    if (requests.length > 0) await this.executor.insertRows(TABLES.requests.name, requests);
    if (spans.length > 0) await this.executor.insertRows(TABLES.spans.name, spans);
  }

  async writeMetricSamples(samples: readonly MetricSample[]): Promise<void> {
    if (samples.length === 0) return;
    await this.executor.insertRows(TABLES.metrics.name, toInsertRows(TABLES.metrics.columns, samples));
  }

  async writeEvents(events: readonly OpsEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.executor.insertRows(TABLES.events.name, toInsertRows(EVENT_COLUMNS, events));
  }

  async listEvents(query: EventQuery): Promise<OpsEvent[]> {
    return (await this.executor.query(listEventsSql(dialect, query))).map((r) => decodeRow(EVENT_COLUMNS, r));
  }

  async getRequest(requestId: string): Promise<{ request: InferenceRequest; spans: Span[] } | null> {
    const [located] = await this.executor.query(locateRequestSql(dialect, requestId));
    if (!located) return null;
    const [raw] = await this.executor.query(getRequestSql(dialect, requestId, Number(located.arrival_us)));
    if (!raw) return null;
    const request = decodeRow(REQUEST_COLUMNS, raw);
    return { request, spans: decodeSpans(request, await this.executor.query(getSpansSql(dialect, request))) };
  }

  async existingRequestIds(requestIds: readonly string[], sinceUs: number): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < requestIds.length; i += 1000) {
      const rows = await this.executor.query(
        existingRequestIdsSql(dialect, requestIds.slice(i, i + 1000), sinceUs),
      );
      for (const row of rows) found.add(String(row.id));
    }
    return found;
  }

  async searchRequests(search: RequestSearch): Promise<InferenceRequest[]> {
    return (await this.executor.query(searchRequestsSql(dialect, search))).map((r) =>
      decodeRow(REQUEST_COLUMNS, r),
    );
  }

  async aggregateSpans(aggregation: SpanAggregation): Promise<SpanAggregateRow[]> {
    return decodeSpanAggregateRows(
      aggregation,
      await this.executor.query(aggregateSpansSql(dialect, aggregation)),
    );
  }

  async aggregateRequests(aggregation: RequestAggregation): Promise<AggregateRow[]> {
    return decodeAggregateRows(
      aggregation,
      await this.executor.query(aggregateRequestsSql(dialect, aggregation)),
    );
  }

  async queryMetric(query: MetricQuery): Promise<MetricPoint[]> {
    return decodeMetricPoints(query, await this.executor.query(queryMetricSql(dialect, query)));
  }

  /** Drops whole day partitions before the cutoff (TTL also expires them in the background). */
  async applyRetention(policy: RetentionPolicy, nowUs: number): Promise<RetentionResult> {
    const cutoffUs = {
      requests: retentionCutoffUs(nowUs, policy.requestsDays),
      spans: retentionCutoffUs(nowUs, policy.spansDays),
      metrics: retentionCutoffUs(nowUs, policy.metricsDays),
      events: retentionCutoffUs(nowUs, policy.metricsDays),
    };
    for (const key of ['requests', 'spans', 'metrics', 'events'] as const) {
      const table = TABLES[key].name;
      const cutoffDay = new Date(cutoffUs[key] / 1000).toISOString().slice(0, 10);
      const partitions = await this.executor.query(
        `SELECT DISTINCT partition FROM system.parts
WHERE database = currentDatabase() AND table = ${dialect.stringLiteral(table)} AND active
  AND partition < ${dialect.stringLiteral(cutoffDay)}`,
      );
      for (const { partition } of partitions) {
        await this.executor.command(
          `ALTER TABLE ${table} DROP PARTITION ${dialect.stringLiteral(String(partition))}`,
        );
      }
    }
    return { cutoffUs };
  }

  async stats(): Promise<StoreStats> {
    const [row] = await this.executor.query(
      `SELECT (SELECT count() FROM ${TABLES.requests.name}) AS requests,
              (SELECT count() FROM ${TABLES.spans.name}) AS spans,
              (SELECT count() FROM ${TABLES.metrics.name}) AS metrics,
              (SELECT count() FROM ${TABLES.events.name}) AS events`,
    );
    return {
      backend: this.backend,
      requests: Number(row?.requests ?? 0),
      spans: Number(row?.spans ?? 0),
      metricSamples: Number(row?.metrics ?? 0),
      events: Number(row?.events ?? 0),
    };
  }

  close(): Promise<void> {
    return this.executor.close();
  }
}
