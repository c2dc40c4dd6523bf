/**
 * How the ClickHouse store talks to a server: over HTTP to a real server (http-executor.ts), or
 * in-process to the engine that chdb embeds (chdb-executor.ts, used by tests and benchmarks).
 */
export interface ClickHouseExecutor {
  /** DDL and other statements without a result. */
  command(sql: string): Promise<void>;
  /** Inserts newline-delimited JSON rows (JSONEachRow). */
  insertJsonEachRow(table: string, ndjson: string): Promise<void>;
  /** Runs a SELECT and returns its rows. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}
