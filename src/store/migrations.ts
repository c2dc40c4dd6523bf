import type { Column } from './columns.ts';

/**
 * Additive schema migrations. A table made by an older release lacks the columns added since;
 * columns are only ever appended to the lists in columns.ts, so an old table's columns are a
 * prefix of the current list and the missing tail is added with ALTER TABLE ADD COLUMN (which
 * appends: DuckDB's appender writes by position). New columns must be nullable so old rows read
 * back as "unknown", never as an invented 0.
 */
export function columnsToAdd<T>(
  table: string,
  existing: readonly string[],
  expected: readonly Column<T>[],
): Column<T>[] {
  const prefix = expected.slice(0, existing.length).map((c) => c.name);
  const mismatch = existing.findIndex((name, i) => name !== prefix[i]);
  if (mismatch >= 0 || existing.length > expected.length) {
    const at = mismatch >= 0 ? mismatch : expected.length;
    throw new Error(
      `table ${table} does not match this version of KubeBurner: column ${at + 1} is ` +
        `"${existing[at] ?? '(none)'}", expected "${expected[at]?.name ?? '(none)'}". ` +
        'It was made by a newer release or changed by hand; restore it or point the store elsewhere.',
    );
  }
  const missing = expected.slice(existing.length);
  const notNullable = missing.filter((c) => !c.type.endsWith('?'));
  if (notNullable.length > 0) {
    // A programming error in columns.ts, not a user error: caught by the migration test.
    throw new Error(
      `columns added after release must be nullable: ${notNullable.map((c) => c.name).join(', ')}`,
    );
  }
  return missing;
}
