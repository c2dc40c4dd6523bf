import { Command } from 'commander';
import { retentionPolicy } from '../store/open.ts';
import { formatUs } from '../util/time.ts';
import { commandContext, withStore } from './context.ts';
import { renderTable } from './table.ts';

export function storeCommand(): Command {
  const store = new Command('store').description('inspect and maintain the store');
  store
    .command('stats')
    .description('row counts per table')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { config } = commandContext(command);
      const stats = await withStore(config, (s) => s.stats());
      if (options.json) return void process.stdout.write(`${JSON.stringify(stats)}\n`);
      process.stdout.write(
        `${renderTable(['backend', 'requests', 'spans', 'metric samples'], [[stats.backend, stats.requests, stats.spans, stats.metricSamples]])}\n`,
      );
    });
  store
    .command('retention')
    .description('delete data older than the configured retention (whole UTC days)')
    .action(async (_options, command: Command) => {
      const { config, log } = commandContext(command);
      const policy = retentionPolicy(config);
      const result = await withStore(config, (s) => s.applyRetention(policy, Date.now() * 1000));
      log.info({ policy, cutoff: result.cutoffUs }, 'retention applied');
      for (const [table, cutoff] of Object.entries(result.cutoffUs)) {
        process.stdout.write(`${table}: kept data from ${formatUs(cutoff)}\n`);
      }
    });
  return store;
}
