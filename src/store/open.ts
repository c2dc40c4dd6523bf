import type { KubeBurnerConfig } from '../config/index.ts';
import { resolveDataPath } from '../config/index.ts';
import { ClickHouseStore } from './clickhouse/clickhouse-store.ts';
import { HttpClickHouseExecutor } from './clickhouse/http-executor.ts';
import { DuckDbStore } from './duckdb/duckdb-store.ts';
import type { RetentionPolicy, Store } from './store.ts';

export function retentionPolicy(config: KubeBurnerConfig): RetentionPolicy {
  const r = config.store.retention;
  return { requestsDays: r.requests_days, spansDays: r.spans_days, metricsDays: r.metrics_days };
}

/** Opens the store the config names, creating its tables. */
export async function openStore(config: KubeBurnerConfig): Promise<Store> {
  if (config.store.backend === 'clickhouse') {
    const ch = config.store.clickhouse;
    const options = {
      url: ch.url,
      database: ch.database,
      username: ch.username,
      password: ch.password,
      requestTimeoutMs: ch.request_timeout_ms,
    };
    await HttpClickHouseExecutor.ensureDatabase(options);
    const store = new ClickHouseStore(new HttpClickHouseExecutor(options), {
      retention: retentionPolicy(config),
      cluster: ch.cluster,
    });
    await store.init();
    return store;
  }
  const duck = config.store.duckdb;
  return DuckDbStore.open({
    path: duck.path === ':memory:' ? ':memory:' : resolveDataPath(config, duck.path),
    memoryLimit: duck.memory_limit,
    threads: duck.threads,
  });
}
