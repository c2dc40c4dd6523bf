export { configSchema, type KubeBurnerConfig, type StoreConfig, type SloConfig } from './schema.ts';
export {
  ConfigError,
  loadConfig,
  parseConfig,
  parseConfigYaml,
  resolveDataPath,
  formatIssuePath,
} from './load.ts';
