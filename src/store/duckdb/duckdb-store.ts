import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
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
import { appendRows } from './chunk-writer.ts';
import { duckdbDialect as dialect } from './dialect.ts';
import { duckdbSchemaStatements, duckdbType } from './schema.ts';

export interface DuckDbStoreOptions {
  /** Database file, or ':memory:'. */
  path: string;
  memoryLimit?: string;
  threads?: number;
}

/** The embedded default: one DuckDB file, zero setup. */
/** Another process has the DuckDB file open; DuckDB lets one process at a time hold it. */
export class StoreLockedError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`the store ${path} is open in another process (PID ${pid}); DuckDB allows one process at a time`);
    this.name = 'StoreLockedError';
  }
}

export class DuckDbStore implements Store {
  readonly backend = 'duckdb' as const;
  private writeQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
  ) {}

  static async open(options: DuckDbStoreOptions): Promise<DuckDbStore> {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    const config: Record<string, string> = {};
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.threads) config.threads = String(options.threads);
    const instance = await DuckDBInstance.create(options.path, config).catch((err: Error) => {
      const holder = /Conflicting lock is held in .*\(PID (\d+)\)/.exec(err.message);
      throw holder ? new StoreLockedError(options.path, Number(holder[1])) : err;
    });
    const store = new DuckDbStore(instance, await instance.connect(), await instance.connect());
    await store.init();
    return store;
  }

  async init(): Promise<void> {
    for (const statement of duckdbSchemaStatements()) await this.writer.run(statement);
    for (const table of Object.values(TABLES)) {
      const existing = await this.rows(
        `SELECT column_name FROM information_schema.columns WHERE table_name = '${table.name}' ORDER BY ordinal_position`,
      );
      const missing = columnsToAdd<unknown>(
        table.name,
        existing.map((r) => String(r.column_name)),
        table.columns as readonly Column<unknown>[],
      );
      for (const column of missing)
        await this.writer.run(`ALTER TABLE ${table.name} ADD COLUMN ${column.name} ${duckdbType(column)}`);
    }
  }

  /** Writes run one at a time: DuckDB allows one writer transaction per connection. */
  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writeQueue.then(work, work);
    this.writeQueue = next.catch(() => undefined);
    return next;
  }

  writeBatch(batch: { requests: readonly InferenceRequest[]; spans: readonly Span[] }): Promise<void> {
    return this.serialize(async () => {
      await this.writer.run('BEGIN TRANSACTION');
      try {
        if (batch.requests.length > 0)
          await this.append(TABLES.requests.name, REQUEST_COLUMNS, batch.requests);
        if (batch.spans.length > 0) await this.append(TABLES.spans.name, SPAN_COLUMNS, batch.spans);
        // COMMIT writes the WAL; once it returns the rows survive a crash (see test/store-kill.test.ts).
        await this.writer.run('COMMIT');
      } catch (err) {
        await this.writer.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  writeMetricSamples(samples: readonly MetricSample[]): Promise<void> {
    if (samples.length === 0) return Promise.resolve();
    // One transaction: a sample refused half-way leaves none of the batch behind (it is retried whole).
    return this.serialize(async () => {
      await this.writer.run('BEGIN TRANSACTION');
      try {
        await this.append(TABLES.metrics.name, TABLES.metrics.columns, samples);
        await this.writer.run('COMMIT');
      } catch (err) {
        await this.writer.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  writeEvents(events: readonly OpsEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.serialize(() => this.append(TABLES.events.name, EVENT_COLUMNS, events));
  }

  async listEvents(query: EventQuery): Promise<OpsEvent[]> {
    return (await this.rows(listEventsSql(dialect, query))).map((r) => decodeRow(EVENT_COLUMNS, r));
  }

  private async append<T>(table: string, columns: readonly Column<T>[], rows: readonly T[]): Promise<void> {
    const appender = await this.writer.createAppender(table);
    try {
      appendRows(appender, columns, rows);
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  private async rows(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.reader.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  async getRequest(requestId: string): Promise<{ request: InferenceRequest; spans: Span[] } | null> {
    const [located] = await this.rows(locateRequestSql(dialect, requestId));
    if (!located) return null;
    const [raw] = await this.rows(getRequestSql(dialect, requestId, Number(located.arrival_us)));
    if (!raw) return null;
    const request = decodeRow(REQUEST_COLUMNS, raw);
    return { request, spans: decodeSpans(request, await this.rows(getSpansSql(dialect, request))) };
  }

  async existingRequestIds(requestIds: readonly string[], sinceUs: number): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < requestIds.length; i += 1000) {
      const rows = await this.rows(existingRequestIdsSql(dialect, requestIds.slice(i, i + 1000), sinceUs));
      for (const row of rows) found.add(String(row.id));
    }
    return found;
  }

  async searchRequests(search: RequestSearch): Promise<InferenceRequest[]> {
    return (await this.rows(searchRequestsSql(dialect, search))).map((r) => decodeRow(REQUEST_COLUMNS, r));
  }

  async aggregateSpans(aggregation: SpanAggregation): Promise<SpanAggregateRow[]> {
    return decodeSpanAggregateRows(aggregation, await this.rows(aggregateSpansSql(dialect, aggregation)));
  }

  async aggregateRequests(aggregation: RequestAggregation): Promise<AggregateRow[]> {
    return decodeAggregateRows(aggregation, await this.rows(aggregateRequestsSql(dialect, aggregation)));
  }

  async queryMetric(query: MetricQuery): Promise<MetricPoint[]> {
    return decodeMetricPoints(query, await this.rows(queryMetricSql(dialect, query)));
  }

  applyRetention(policy: RetentionPolicy, nowUs: number): Promise<RetentionResult> {
    const cutoffUs = {
      requests: retentionCutoffUs(nowUs, policy.requestsDays),
      spans: retentionCutoffUs(nowUs, policy.spansDays),
      metrics: retentionCutoffUs(nowUs, policy.metricsDays),
      events: retentionCutoffUs(nowUs, policy.metricsDays),
    };
    return this.serialize(async () => {
      for (const key of ['requests', 'spans', 'metrics', 'events'] as const) {
        const table = TABLES[key];
        await this.writer.run(
          `DELETE FROM ${table.name} WHERE ${table.timeColumn} < ${dialect.timestampFromUs(cutoffUs[key])}`,
        );
      }
      return { cutoffUs };
    });
  }

  async stats(): Promise<StoreStats> {
    const [row] = await this.rows(
      `SELECT (SELECT count(*) FROM ${TABLES.requests.name}) AS requests,
              (SELECT count(*) FROM ${TABLES.spans.name}) AS spans,
              (SELECT count(*) FROM ${TABLES.metrics.name}) AS metrics,
              (SELECT count(*) FROM ${TABLES.events.name}) AS events`,
    );
    return {
      backend: this.backend,
      requests: Number(row?.requests ?? 0),
      spans: Number(row?.spans ?? 0),
      metricSamples: Number(row?.metrics ?? 0),
      events: Number(row?.events ?? 0),
    };
  }

  async close(): Promise<void> {
    await this.writeQueue;
    this.writer.closeSync();
    this.reader.closeSync();
    this.instance.closeSync();
  }
}
