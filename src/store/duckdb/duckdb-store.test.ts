import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { storeContract } from '../../../test/support/store-contract.ts';
import { NEWEST_REQUEST_COLUMN, storeMigrationContract } from '../../../test/support/store-migration.ts';
import { TABLES } from '../columns.ts';
import { DuckDbStore } from './duckdb-store.ts';

storeContract('DuckDB (file)', () =>
  DuckDbStore.open({ path: join(mkdtempSync(join(tmpdir(), 'kb-duckdb-')), 'store.duckdb') }),
);

const migrationDir = mkdtempSync(join(tmpdir(), 'kb-duckdb-migration-'));
storeMigrationContract(
  'DuckDB',
  () => DuckDbStore.open({ path: join(migrationDir, 'store.duckdb') }),
  async () => {
    const instance = await DuckDBInstance.create(join(migrationDir, 'store.duckdb'));
    const connection = await instance.connect();
    await connection.run(`ALTER TABLE ${TABLES.requests.name} DROP COLUMN ${NEWEST_REQUEST_COLUMN}`);
    connection.closeSync();
    instance.closeSync();
  },
);
