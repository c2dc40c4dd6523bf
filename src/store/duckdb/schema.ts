import type { Column, ColumnType } from '../columns.ts';
import { TABLES } from '../columns.ts';

const DUCKDB_TYPES: Record<ColumnType, string> = {
  id: 'VARCHAR NOT NULL',
  label: 'VARCHAR NOT NULL',
  'string?': 'VARCHAR',
  count: 'INTEGER NOT NULL',
  us: 'BIGINT NOT NULL',
  'us?': 'BIGINT',
  float: 'DOUBLE NOT NULL',
  'float?': 'DOUBLE',
  ts: 'TIMESTAMP NOT NULL',
  'ts?': 'TIMESTAMP',
  ts_ms: 'TIMESTAMP NOT NULL',
  bool: 'BOOLEAN NOT NULL',
  enum: 'ENUM',
  hex64: 'UBIGINT NOT NULL',
  'hex64?': 'UBIGINT',
  key64: 'UBIGINT NOT NULL',
  map: 'MAP(VARCHAR, VARCHAR) NOT NULL',
  json: 'VARCHAR NOT NULL',
};

export function duckdbType<T>(column: Column<T>): string {
  if (column.type === 'enum') {
    return `ENUM(${(column.values ?? []).map((v) => `'${v}'`).join(', ')}) NOT NULL`;
  }
  return DUCKDB_TYPES[column.type];
}

function createTable<T>(name: string, columns: readonly Column<T>[]): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (\n  ${columns.map((c) => `${c.name} ${duckdbType(c)}`).join(',\n  ')}\n)`;
}

/**
 * No secondary indexes: DuckDB's ART indexes slow bulk appends several-fold, and min/max zone
 * maps on the time columns already prune scans, because rows arrive roughly in time order.
 */
export function duckdbSchemaStatements(): string[] {
  return [
    createTable(TABLES.requests.name, TABLES.requests.columns),
    createTable(TABLES.spans.name, TABLES.spans.columns),
    createTable(TABLES.metrics.name, TABLES.metrics.columns),
    createTable(TABLES.events.name, TABLES.events.columns),
  ];
}
