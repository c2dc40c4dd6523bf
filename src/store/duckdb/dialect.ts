import type { SqlDialect } from '../sql.ts';

export const duckdbDialect: SqlDialect = {
  // Standard SQL strings: only the quote is special; backslashes are literal.
  startsWith: (column, literal) => `starts_with(${column}, ${literal})`,
  stringLiteral: (value) => `'${value.replaceAll("'", "''")}'`,
  timestampFromUs: (us) => `make_timestamp(${us}::BIGINT)`,
  epochUs: (column) => `epoch_us(${column})`,
  toDouble: (expr) => `CAST(${expr} AS DOUBLE)`,
  intDiv: (expr, divisor) => `(${expr} // ${divisor})`,
  quantile: (expr, q) => `quantile_cont(${expr}, ${q})`,
  argMax: (value, by) => `arg_max(${value}, ${by})`,
  mapValue: (column, key) => `map_extract_value(${column}, '${key.replaceAll("'", "''")}')`,
  selectMap: (column) => `CAST(to_json(${column}) AS VARCHAR)`,
  toText: (column) => `CAST(${column} AS VARCHAR)`,
};
