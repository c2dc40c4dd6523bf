import type { Command } from 'commander';
import { loadConfig, type KubeBurnerConfig } from '../config/index.ts';
import { openStore } from '../store/open.ts';
import { StoreLockedError } from '../store/duckdb/duckdb-store.ts';
import type { Store } from '../store/store.ts';
import { createLogger, type Logger } from '../util/log.ts';

export interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

/** Config and logger from the global flags; each subcommand opens what it needs from here. */
export function commandContext(command: Command): { config: KubeBurnerConfig; log: Logger } {
  const options = command.optsWithGlobals<GlobalOptions>();
  const config = loadConfig(options.config ?? process.env.KUBEBURNER_CONFIG);
  return { config, log: createLogger(options.logLevel ?? config.log.level) };
}

/** Opens the store, runs `work`, and always closes the store. */
export async function withStore<T>(config: KubeBurnerConfig, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config).catch((err: unknown) => {
    throw err instanceof StoreLockedError ? new Error(lockedStoreAdvice(config, err)) : err;
  });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/**
 * What to do when a running `collect`, `demo` or `serve` holds the embedded store: read it through
 * that process's API (the same data the CLI would print), or stop it first.
 */
function lockedStoreAdvice(config: KubeBurnerConfig, err: StoreLockedError): string {
  const api = `http://${config.server.host}:${config.server.port}/api`;
  return [
    `${err.message}: a running kubeburner collect, demo or serve (PID ${err.pid}) holds it.`,
    `Read it through that process's API instead, e.g. curl '${api}/requests?from=1h' or '${api}/percentiles?by=team'`,
    '(the API serves every CLI view; OpenAPI at /api/openapi.json), or stop that process first.',
    'For several readers at once, use the ClickHouse store (docs/clickhouse.md).',
  ].join('\n');
}
