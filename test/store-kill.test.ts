import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { ChdbClickHouseExecutor } from '../src/store/clickhouse/chdb-executor.ts';
import { ClickHouseStore } from '../src/store/clickhouse/clickhouse-store.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import type { Store } from '../src/store/store.ts';
import { KEEP_TEST_DATA } from './support/synthetic.ts';

const ACKS_BEFORE_KILL = 6;

/** Runs the writer, SIGKILLs it while it is writing, returns the request ids it acknowledged. */
async function writeThenKill(backend: string, path: string): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/kill-writer.ts', backend, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acknowledged: string[] = [];
  let acks = 0;
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  for await (const line of createInterface({ input: child.stdout })) {
    const [word, , ids] = line.split(' ');
    if (word !== 'ack' || !ids) continue;
    acknowledged.push(...ids.split(','));
    if (++acks === ACKS_BEFORE_KILL) {
      // The writer is already inside its next write: kill it there, with no chance to flush.
      child.kill('SIGKILL');
      break;
    }
  }
  assert.equal(await exited, 'SIGKILL');
  return acknowledged;
}

async function assertAllPresent(store: Store, acknowledged: string[]): Promise<void> {
  try {
    const stats = await store.stats();
    assert.ok(
      stats.requests >= acknowledged.length,
      `${stats.requests} rows < ${acknowledged.length} acknowledged`,
    );
    assert.ok(stats.spans >= acknowledged.length * 5, `${stats.spans} spans < ${acknowledged.length * 5}`);
    const stored = await store.searchRequests({ range: { fromUs: 0, toUs: 4e15 }, limit: 100_000 });
    const storedIds = new Set(stored.map((r) => r.requestId));
    const lost = acknowledged.filter((id) => !storedIds.has(id));
    assert.deepEqual(lost, [], `${lost.length} acknowledged requests lost`);
    for (const id of acknowledged.filter((_, i) => i % 100 === 0)) {
      assert.equal((await store.getRequest(id))?.spans.length, 5, `spans of ${id}`);
    }
  } finally {
    await store.close();
  }
}

describe('acknowledged writes survive SIGKILL', () => {
  it('DuckDB: every acknowledged request and span is there after a restart', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kb-kill-')), 'store.duckdb');
    const acknowledged = await writeThenKill('duckdb', path);
    assert.equal(acknowledged.length, ACKS_BEFORE_KILL * 500);
    await assertAllPresent(await DuckDbStore.open({ path }), acknowledged);
  });

  it('ClickHouse (chdb): every acknowledged request and span is there after a restart', async () => {
    const path = mkdtempSync(join(tmpdir(), 'kb-kill-ch-'));
    const acknowledged = await writeThenKill('clickhouse', path);
    const store = new ClickHouseStore(await ChdbClickHouseExecutor.open(path), {
      retention: KEEP_TEST_DATA,
    });
    await store.init();
    await assertAllPresent(store, acknowledged);
  });
});
