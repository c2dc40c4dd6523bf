import { hex64ToBigInt, type Column } from '../columns.ts';
import { requestKeyDecimal } from '../request-key.ts';

/** µs since epoch → "seconds.micros", which ClickHouse parses exactly into DateTime64(6). */
function unixMicrosText(us: number): string {
  const whole = Math.round(us);
  const seconds = Math.floor(whole / 1_000_000);
  const micros = whole - seconds * 1_000_000;
  return `${seconds}.${String(micros).padStart(6, '0')}`;
}

function encodeValue<T>(column: Column<T>, value: unknown): unknown {
  if (value === null || value === undefined) {
    if (column.type.endsWith('?')) return null;
    if (column.type === 'map') return {};
    throw new TypeError(`${column.name}: value is required`);
  }
  switch (column.type) {
    case 'ts':
    case 'ts?':
      return unixMicrosText(value as number);
    case 'ts_ms':
      return unixMicrosText((value as number) * 1000);
    case 'us':
    case 'us?':
    case 'count':
      return Math.round(value as number);
    case 'key64':
      return requestKeyDecimal(value as string);
    case 'hex64':
    case 'hex64?':
      // Decimal text: JSON numbers above 2^53 would lose precision.
      return hex64ToBigInt(value as string, column.name).toString();
    case 'json':
      return JSON.stringify(value);
    case 'map':
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
      );
    default:
      return value;
  }
}

/** Rows keyed by column name with values in ClickHouse's JSONEachRow input form; validates each. */
export function toInsertRows<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
): Record<string, unknown>[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const column of columns) {
      const value = row[column.field];
      const same = column.nullWhenSameAs !== undefined && value === row[column.nullWhenSameAs];
      out[column.name] = same ? null : encodeValue(column, value);
    }
    return out;
  });
}
