// Child process for test/store-kill.test.ts: writes batches forever, printing one line per
// acknowledged (resolved) write, until it is killed.
import { ChdbClickHouseExecutor } from '../../src/store/clickhouse/chdb-executor.ts';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.ts';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.ts';
import type { Store } from '../../src/store/store.ts';
import { KEEP_TEST_DATA, syntheticBatches } from './synthetic.ts';

const [backend, path] = process.argv.slice(2) as ['duckdb' | 'clickhouse', string];
let store: Store;
if (backend === 'duckdb') {
  store = await DuckDbStore.open({ path });
} else {
  store = new ClickHouseStore(await ChdbClickHouseExecutor.open(path), {
    retention: KEEP_TEST_DATA,
  });
  await store.init();
}
const BATCH = 500;
for (let batch = 0; ; batch++) {
  const [data] = syntheticBatches(
    {
      seed: 99,
      count: BATCH,
      offset: batch * BATCH,
      startUs: Date.UTC(2026, 10, 24) * 1000 + batch * 1e6,
      spanUs: 1e6,
    },
    BATCH,
  );
  if (!data) throw new Error('generator returned nothing');
  await store.writeBatch(data);
  process.stdout.write(`ack ${batch} ${data.requests.map((r) => r.requestId).join(',')}\n`);
}
