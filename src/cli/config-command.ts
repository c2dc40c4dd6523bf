import { Command } from 'commander';
import { stringify } from 'yaml';
import { commandContext } from './context.ts';

export function configCommand(): Command {
  const config = new Command('config').description('validate and show the configuration');
  config
    .command('check')
    .description('validate the config file (or the defaults) and print the resolved configuration')
    .action((_options, command: Command) => {
      const { config: resolved } = commandContext(command);
      process.stdout.write(
        stringify({
          ...resolved,
          store: {
            ...resolved.store,
            clickhouse: {
              ...resolved.store.clickhouse,
              password: resolved.store.clickhouse.password ? '***' : '',
            },
          },
        }),
      );
    });
  return config;
}
