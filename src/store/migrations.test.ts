import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Column } from './columns.ts';
import { columnsToAdd } from './migrations.ts';

interface Row {
  a: string;
  b: number;
  c: number | null;
}
const COLUMNS: Column<Row>[] = [
  { name: 'a', field: 'a', type: 'label' },
  { name: 'b', field: 'b', type: 'count' },
  { name: 'c', field: 'c', type: 'float?' },
];

describe('additive store migrations', () => {
  it('adds the missing tail of the column list', () => {
    assert.deepEqual(
      columnsToAdd('t', ['a', 'b'], COLUMNS).map((c) => c.name),
      ['c'],
    );
    assert.deepEqual(columnsToAdd('t', ['a', 'b', 'c'], COLUMNS), []);
  });

  it('refuses a table whose columns are not a prefix, naming the first difference', () => {
    assert.throws(() => columnsToAdd('t', ['a', 'x'], COLUMNS), /table t .*column 2 is "x", expected "b"/);
    assert.throws(
      () => columnsToAdd('t', ['a', 'b', 'c', 'd'], COLUMNS),
      /column 4 is "d", expected "\(none\)"/,
    );
  });

  it('refuses to add a NOT NULL column, which old rows could only fill with an invented value', () => {
    assert.throws(() => columnsToAdd('t', ['a'], COLUMNS), /must be nullable: b/);
  });
});
