import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseExecutor } from './executor.ts';

export interface HttpExecutorOptions {
  url: string;
  database: string;
  username: string;
  password: string;
  requestTimeoutMs: number;
}

/** Talks to a ClickHouse server over its HTTP interface with the official client. */
export class HttpClickHouseExecutor implements ClickHouseExecutor {
  private readonly client: ClickHouseClient;

  constructor(options: HttpExecutorOptions) {
    this.client = createClient({
      url: options.url,
      database: options.database,
      username: options.username,
      password: options.password,
      request_timeout: options.requestTimeoutMs,
      // Errors reach the caller; the client's own stderr logging would print each one twice.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  /** Creates the database itself, which must happen on a connection without it. */
  static async ensureDatabase(options: HttpExecutorOptions): Promise<void> {
    const admin = createClient({
      url: options.url,
      username: options.username,
      password: options.password,
      request_timeout: options.requestTimeoutMs,
      log: { level: ClickHouseLogLevel.OFF },
    });
    try {
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${options.database}` });
    } finally {
      await admin.close();
    }
  }

  async command(sql: string): Promise<void> {
    await this.client.command({ query: sql });
  }

  async insertRows(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    // A synchronous insert: the server answers once the rows are written to a part on disk.
    await this.client.insert({ table, values: rows as Record<string, unknown>[], format: 'JSONEachRow' });
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    const result = await this.client.query({ query: sql, format: 'JSONEachRow' });
    return result.json<Record<string, unknown>>();
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
