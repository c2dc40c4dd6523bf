import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { replicaSample } from '../../../test/support/samples.ts';
import { makeRequest } from '../../model/request.ts';
import { storeContract } from '../../../test/support/store-contract.ts';
import { KEEP_TEST_DATA } from '../../../test/support/synthetic.ts';
import { NEWEST_REQUEST_COLUMN, storeMigrationContract } from '../../../test/support/store-migration.ts';
import { TABLES } from '../columns.ts';
import { ChdbClickHouseExecutor } from './chdb-executor.ts';
import { ClickHouseStore } from './clickhouse-store.ts';

// Modern ClickHouse (the engine chdb embeds): LowCardinality, Map, DateTime64, TTL.
storeContract('ClickHouse (chdb)', async () => {
  const executor = await ChdbClickHouseExecutor.open(mkdtempSync(join(tmpdir(), 'kb-chdb-')));
  const store = new ClickHouseStore(executor, { retention: KEEP_TEST_DATA });
  await store.init();
  return store;
});

const migrationDir = mkdtempSync(join(tmpdir(), 'kb-chdb-migration-'));
const openMigrationStore = async () => {
  const store = new ClickHouseStore(await ChdbClickHouseExecutor.open(migrationDir), {
    retention: KEEP_TEST_DATA,
  });
  await store.init();
  return store;
};
storeMigrationContract('ClickHouse (chdb)', openMigrationStore, async () => {
  const executor = await ChdbClickHouseExecutor.open(migrationDir);
  await executor.command(`ALTER TABLE ${TABLES.requests.name} DROP COLUMN ${NEWEST_REQUEST_COLUMN}`);
  await executor.close();
});

describe('ClickHouse (chdb) retention by TTL', () => {
  it('never keeps rows older than the retention: requests after requests_days, samples after metrics_days', async () => {
    const executor = await ChdbClickHouseExecutor.open(mkdtempSync(join(tmpdir(), 'kb-chdb-ttl-')));
    const store = new ClickHouseStore(executor, {
      retention: { requestsDays: 30, spansDays: 30, metricsDays: 15 },
    });
    await store.init();
    try {
      const nowUs = Date.now() * 1000;
      const daysAgo = (days: number) => nowUs - days * 86_400e6;
      await store.writeBatch({
        requests: [
          makeRequest({ requestId: 'recent', arrivalUs: daysAgo(1) }),
          makeRequest({ requestId: 'past-retention', arrivalUs: daysAgo(40) }),
        ],
        spans: [],
      });
      await store.writeMetricSamples([
        replicaSample('vllm-0', 'llm.requests.waiting', 1, daysAgo(1) / 1000),
        replicaSample('vllm-0', 'llm.requests.waiting', 2, daysAgo(20) / 1000),
      ]);
      await executor.command(`OPTIMIZE TABLE ${TABLES.requests.name} FINAL`);
      await executor.command(`OPTIMIZE TABLE ${TABLES.metrics.name} FINAL`);
      const stats = await store.stats();
      assert.deepEqual([stats.requests, stats.metricSamples], [1, 1]);
      assert.ok(await store.getRequest('recent'));
      assert.equal(await store.getRequest('past-retention'), null);
    } finally {
      await store.close();
    }
  });
});
