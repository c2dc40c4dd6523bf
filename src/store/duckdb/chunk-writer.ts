import {
  DuckDBDataChunk,
  MAP,
  VARCHAR,
  INTEGER,
  BIGINT,
  DOUBLE,
  TIMESTAMP,
  BOOLEAN,
  UBIGINT,
  ENUM,
  mapValue,
  type DuckDBAppender,
  type DuckDBType,
  type DuckDBVector,
} from '@duckdb/node-api';
import { assertHex64, type Column } from '../columns.ts';
import { requestKeyHalves } from '../request-key.ts';

const CHUNK_ROWS = 2048;
const TWO_TO_32 = 2 ** 32;

function logicalType<T>(column: Column<T>): DuckDBType {
  switch (column.type) {
    case 'id':
    case 'label':
    case 'string?':
    case 'json':
      return VARCHAR;
    case 'enum':
      return ENUM(column.values ?? []);
    case 'count':
      return INTEGER;
    case 'us':
    case 'us?':
      return BIGINT;
    case 'hex64':
    case 'hex64?':
    case 'key64':
      return UBIGINT;
    case 'float':
    case 'float?':
      return DOUBLE;
    case 'ts':
    case 'ts?':
    case 'ts_ms':
      return TIMESTAMP;
    case 'bool':
      return BOOLEAN;
    case 'map':
      return MAP(VARCHAR, VARCHAR);
  }
}

/** The node-api vector classes keep their buffers private; we write into them directly. */
interface VectorInternals {
  items: BigInt64Array | BigUint64Array;
  validity: { setItemValid(index: number, valid: boolean): void };
}

/**
 * Writes 64-bit values as two 32-bit words straight into the vector's buffer: creating a BigInt
 * (and, for timestamps, a value object) per value made garbage collection the bulk of insert
 * time. `toWords` returns false for null.
 */
function fill64(
  vector: DuckDBVector,
  count: number,
  value: (i: number) => unknown,
  toWords: (v: unknown, words: Uint32Array, at: number) => void,
  column: string,
): void {
  const { items, validity } = vector as unknown as VectorInternals;
  if (!(items instanceof BigInt64Array || items instanceof BigUint64Array)) {
    throw new Error(`${column}: unexpected vector layout (is @duckdb/node-api newer than this code?)`);
  }
  const words = new Uint32Array(items.buffer, items.byteOffset, count * 2);
  for (let i = 0; i < count; i++) {
    const v = value(i);
    if (v === null || v === undefined) {
      validity.setItemValid(i, false);
      continue;
    }
    toWords(v, words, i * 2);
    validity.setItemValid(i, true);
  }
}

/** A signed integer up to ±2^53 as little-endian two's-complement words. */
function integerWords(n: number, words: Uint32Array, at: number): void {
  const high = Math.floor(n / TWO_TO_32);
  words[at] = n - high * TWO_TO_32;
  words[at + 1] = high; // Uint32Array stores a negative high word as its two's complement
}

function requireNumber(v: unknown, column: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new TypeError(`${column}: expected a finite number, got ${String(v)}`);
  return v;
}

function fillColumn<T>(
  vector: DuckDBVector,
  column: Column<T>,
  rows: readonly T[],
  offset: number,
  count: number,
): void {
  const field = column.field;
  const sameAs = column.nullWhenSameAs;
  const required = !column.type.endsWith('?') && column.type !== 'map';
  const value = (i: number): unknown => {
    const row = rows[offset + i] as T;
    const v = row[field] as unknown;
    if (v === null || v === undefined) {
      if (required) throw new TypeError(`${column.name}: value is required`);
      return null;
    }
    return sameAs !== undefined && v === row[sameAs] ? null : v;
  };
  const name = column.name;
  switch (column.type) {
    case 'us':
    case 'us?':
    case 'ts':
    case 'ts?':
      return fill64(
        vector,
        count,
        value,
        (v, w, at) => integerWords(Math.round(requireNumber(v, name)), w, at),
        name,
      );
    case 'ts_ms':
      return fill64(
        vector,
        count,
        value,
        (v, w, at) => integerWords(Math.round(requireNumber(v, name) * 1000), w, at),
        name,
      );
    case 'key64':
      return fill64(
        vector,
        count,
        value,
        (v, w, at) => {
          const [low, high] = requestKeyHalves(v as string);
          w[at] = low;
          w[at + 1] = high;
        },
        name,
      );
    case 'hex64':
    case 'hex64?':
      return fill64(
        vector,
        count,
        value,
        (v, w, at) => {
          assertHex64(v, name);
          w[at] = parseInt(v.slice(8), 16);
          w[at + 1] = parseInt(v.slice(0, 8), 16);
        },
        name,
      );
    case 'map':
      for (let i = 0; i < count; i++) {
        const entries = Object.entries((value(i) ?? {}) as Record<string, unknown>);
        vector.setItem(i, mapValue(entries.map(([key, v]) => ({ key, value: String(v) }))));
      }
      return;
    case 'json':
      for (let i = 0; i < count; i++) vector.setItem(i, JSON.stringify(value(i)));
      return;
    case 'count':
    case 'float':
    case 'float?':
      for (let i = 0; i < count; i++) {
        const v = value(i);
        vector.setItem(i, v === null || v === undefined ? null : requireNumber(v, name));
      }
      return;
    default:
      for (let i = 0; i < count; i++) vector.setItem(i, value(i) as string | boolean | null);
  }
}

/**
 * Appends rows column by column through data chunks: fixed-width columns are written into the
 * chunk's buffers and copied once per chunk, strings take one native call each.
 */
export function appendRows<T>(
  appender: DuckDBAppender,
  columns: readonly Column<T>[],
  rows: readonly T[],
): void {
  const types = columns.map((c) => logicalType(c));
  for (let offset = 0; offset < rows.length; offset += CHUNK_ROWS) {
    const count = Math.min(CHUNK_ROWS, rows.length - offset);
    const chunk = DuckDBDataChunk.create(types, count);
    columns.forEach((column, columnIndex) => {
      const vector = chunk.getColumnVector(columnIndex);
      fillColumn(vector, column, rows, offset, count);
      vector.flush();
    });
    appender.appendDataChunk(chunk);
  }
}
