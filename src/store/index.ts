export * from './store.ts';
export { DuckDbStore } from './duckdb/duckdb-store.ts';
export { ClickHouseStore } from './clickhouse/clickhouse-store.ts';
export { HttpClickHouseExecutor } from './clickhouse/http-executor.ts';
export { ChdbClickHouseExecutor } from './clickhouse/chdb-executor.ts';
export type { ClickHouseExecutor } from './clickhouse/executor.ts';
export { openStore } from './open.ts';
