import type { ClickHouseExecutor } from './executor.ts';

type ChdbSession = {
  queryAsync(sql: string, options?: { format?: string }): Promise<{ text(): string }>;
  insert(params: { table: string; values: Buffer; format: 'JSONEachRow' }): Promise<unknown>;
  close(): void;
};

/**
 * Runs the ClickHouse store against the modern ClickHouse engine embedded by the `chdb`
 * package (a dev dependency: ~540 MB). Tests and benchmarks use it because the ClickHouse
 * in Debian (18.16) predates LowCardinality, Map, DateTime64 and TTL.
 */
export class ChdbClickHouseExecutor implements ClickHouseExecutor {
  private constructor(private readonly session: ChdbSession) {}

  static async open(dataDir: string): Promise<ChdbClickHouseExecutor> {
    let chdb: { Session: new (path: string) => ChdbSession };
    try {
      chdb = (await import('chdb')) as unknown as typeof chdb;
    } catch (err) {
      throw new Error(`the chdb package is not installed (npm install chdb): ${(err as Error).message}`, {
        cause: err,
      });
    }
    return new ChdbClickHouseExecutor(new chdb.Session(dataDir));
  }

  async command(sql: string): Promise<void> {
    await this.session.queryAsync(sql);
  }

  async insertRows(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    const ndjson = rows.map((row) => JSON.stringify(row)).join('\n');
    await this.session.insert({ table, values: Buffer.from(ndjson), format: 'JSONEachRow' });
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    const text = (await this.session.queryAsync(sql, { format: 'JSONEachRow' })).text();
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async close(): Promise<void> {
    this.session.close();
  }
}
