import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeContract } from '../../../test/support/store-contract.ts';
import { NEWEST_REQUEST_COLUMN, storeMigrationContract } from '../../../test/support/store-migration.ts';
import { TABLES } from '../columns.ts';
import { ChdbClickHouseExecutor } from './chdb-executor.ts';
import { ClickHouseStore } from './clickhouse-store.ts';

// Modern ClickHouse (the engine chdb embeds): LowCardinality, Map, DateTime64, TTL.
storeContract('ClickHouse (chdb)', async () => {
  const executor = await ChdbClickHouseExecutor.open(mkdtempSync(join(tmpdir(), 'kb-chdb-')));
  const store = new ClickHouseStore(executor, {
    retention: { requestsDays: 30, spansDays: 30, metricsDays: 15 },
  });
  await store.init();
  return store;
});

const migrationDir = mkdtempSync(join(tmpdir(), 'kb-chdb-migration-'));
const openMigrationStore = async () => {
  const store = new ClickHouseStore(await ChdbClickHouseExecutor.open(migrationDir), {
    retention: { requestsDays: 30, spansDays: 30, metricsDays: 15 },
  });
  await store.init();
  return store;
};
storeMigrationContract('ClickHouse (chdb)', openMigrationStore, async () => {
  const executor = await ChdbClickHouseExecutor.open(migrationDir);
  await executor.command(`ALTER TABLE ${TABLES.requests.name} DROP COLUMN ${NEWEST_REQUEST_COLUMN}`);
  await executor.close();
});
