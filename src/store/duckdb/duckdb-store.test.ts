import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeContract } from '../../../test/support/store-contract.ts';
import { DuckDbStore } from './duckdb-store.ts';

storeContract('DuckDB (file)', () =>
  DuckDbStore.open({ path: join(mkdtempSync(join(tmpdir(), 'kb-duckdb-')), 'store.duckdb') }),
);
