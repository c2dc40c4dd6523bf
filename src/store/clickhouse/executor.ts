/**
 * How the ClickHouse store talks to a server: over HTTP to a real server (http-executor.ts), or
 * in-process to the engine that chdb embeds (chdb-executor.ts, used by tests and benchmarks).
 */
export interface ClickHouseExecutor {
  /** DDL and other statements without a result. */
  command(sql: string): Promise<void>;
  /** Inserts rows (objects keyed by column name, values already in ClickHouse's JSON input form). */
  insertRows(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  /** Runs a SELECT and returns its rows. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}
