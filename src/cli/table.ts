import Table from 'cli-table3';

/** A plain text table for terminal output. */
export function renderTable(head: string[], rows: (string | number)[][]): string {
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}
