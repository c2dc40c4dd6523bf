import type { Command } from 'commander';
import { loadConfig, type KubeBurnerConfig } from '../config/index.ts';
import { openStore } from '../store/open.ts';
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
  const store = await openStore(config);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
