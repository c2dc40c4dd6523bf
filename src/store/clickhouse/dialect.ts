import type { SqlDialect } from '../sql.ts';

export const clickhouseDialect: SqlDialect = {
  // ClickHouse string literals treat backslash as an escape character.
  startsWith: (column, literal) => `startsWith(${column}, ${literal})`,
  stringLiteral: (value) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`,
  timestampFromUs: (us) => `fromUnixTimestamp64Micro(toInt64(${us}), 'UTC')`,
  epochUs: (column) => `toUnixTimestamp64Micro(${column})`,
  toDouble: (expr) => `toFloat64(${expr})`,
  intDiv: (expr, divisor) => `intDiv(${expr}, ${divisor})`,
  quantile: (expr, q) => `quantileExactInclusive(${q})(${expr})`,
  argMax: (value, by) => `argMax(${value}, ${by})`,
  mapValue: (column, key) => `${column}['${key.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}']`,
  selectMap: (column) => column,
  toText: (column) => `toString(${column})`,
};
